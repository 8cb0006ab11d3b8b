"""Consultations (Art. 25): answers once per person, results counted by hand, comments with
flags and moderation, the synthesis deadline with its apology, verification codes."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime

import pytest

from app.accounts.rules import load_actor
from app.participation import comments, consultations
from app.participation.consultation_sweep import sweep_consultations
from app.participation.consultations import ConsultationError, NewConsultation, NewQuestion, Synthesis
from app.participation.groups import groups_of, import_groups, read_groups
from app.participation.verification import VerificationError, issue, redeem, verification_of
from app.platform.clock import VIETNAM
from app.platform.photos import MediaStore
from app.platform.tables import (
    Comment,
    ConsultationAnswer,
    Follow,
    InboxNotification,
    Person,
    VerificationCode,
    VerifiedResident,
    Ward,
)
from tests.workspace_helpers import KIEN_AN, PHU_LIEN, csrf, sign_in, staff_accounts

QUESTIONS = [
    NewQuestion("single", "Tên gọi sau sáp nhập", ["Tổ 7", "Đồng Hòa", "Tổ 7–8"]),
    NewQuestion("multiple", "Địa điểm sinh hoạt", ["Nhà văn hóa", "Sân trường"]),
    NewQuestion("scale", "Bà con có đồng ý không?"),
    NewQuestion("comment", "Ý kiến khác"),
]


@pytest.fixture
async def accounts(database, fixed_clock):
    ids = await staff_accounts()
    return {name: await load_actor(person) for name, person in ids.items()}


async def _open(
    actor, *, ward=PHU_LIEN, closes=date(2026, 11, 27), results_while_open=False, groups=()
) -> int:
    return await consultations.create(
        actor,
        NewConsultation(
            ward_code=ward,
            matter="units",
            title="Dự thảo sáp nhập tổ dân phố số 7 và số 8",
            summary="Nội dung",
            opens_on=date(2026, 11, 20),
            closes_on=closes,
            questions=QUESTIONS,
            results_while_open=results_while_open,
            group_ids=list(groups),
        ),
        MediaStore(_media()),
    )


async def _person(token: str) -> int:
    person = Person(device_identity=token)
    await person.save()
    return person.id


async def _ids(consultation_id: int) -> dict[str, str]:
    return {q["kind"]: f"q{q['id']}" for q in await consultations.questions_of(consultation_id)}


async def test_answers_are_counted_verified_and_not_and_can_change_until_closing(accounts, fixed_clock):
    cid = await _open(accounts["lanhdao.phulien"])
    q = await _ids(cid)
    people = [await _person(f"p{n}") for n in range(4)]
    code = await issue(accounts["clerk.phulien"], PHU_LIEN)
    await redeem(people[0], code.code)
    await consultations.answer(
        cid, people[0], {q["single"]: ["0"], q["multiple"]: ["0", "1"], q["scale"]: ["5"]}
    )
    await consultations.answer(
        cid,
        people[1],
        {q["single"]: ["1"], q["multiple"]: ["1"], q["scale"]: ["4"], q["comment"]: ["Giữ tên cũ"]},
    )
    await consultations.answer(cid, people[2], {q["single"]: ["1"], q["scale"]: ["2"]})
    await consultations.answer(cid, people[3], {q["single"]: ["1"]})
    await consultations.answer(cid, people[3], {q["single"]: ["0"]})  # changed their mind
    consultation = await consultations.detail(cid)
    assert not consultations.results_visible(consultation)
    results = await consultations.results(consultation)
    counted = {
        r["prompt"]: [(o["verified"], o["unverified"]) for o in r["options"]] for r in results["questions"]
    }
    # Written out by hand from the answers above.
    assert results["participants"] == {"verified": 1, "unverified": 3}
    assert counted == {
        "Tên gọi sau sáp nhập": [(1, 1), (0, 2), (0, 0)],
        "Địa điểm sinh hoạt": [(1, 0), (1, 1)],
        "Bà con có đồng ý không?": [(0, 0), (0, 1), (0, 0), (0, 1), (1, 0)],
    }
    shares = [o["share"] for o in results["questions"][0]["options"]]
    assert shares == [0.5, 0.5, 0.0]
    assert await ConsultationAnswer.count().where(ConsultationAnswer.consultation == cid) == 4
    free = await consultations.free_answers(consultation)
    assert free == [{"prompt": "Ý kiến khác", "answers": [{"text": "Giữ tên cũ", "verified": False}]}]
    with pytest.raises(ConsultationError):
        await consultations.answer(cid, people[1], {q["single"]: ["7"]})  # not a choice offered
    fixed_clock.advance(days=8)  # past 27/11 23:59:59
    with pytest.raises(ConsultationError, match="kết thúc"):
        await consultations.answer(cid, people[1], {q["single"]: ["0"]})
    assert consultations.results_visible(await consultations.detail(cid))


async def test_one_answer_per_person_under_twenty_concurrent_submissions(accounts, client):
    cid = await _open(accounts["lanhdao.phulien"], results_while_open=True)
    q = await _ids(cid)
    person = await _person("one-phone")
    client.cookies.set("gd_device", "one-phone")
    token = csrf((await client.get(f"/consultations/{cid}")).text)
    choices = [str(n % 3) for n in range(20)]
    responses = await asyncio.gather(
        *[
            client.post(f"/consultations/{cid}/answers", data={"_csrf_token": token, q["single"]: c})
            for c in choices
        ]
    )
    assert [r.status_code for r in responses] == [303] * 20
    rows = (
        await ConsultationAnswer.select().where(ConsultationAnswer.consultation == cid).output(load_json=True)
    )
    assert len(rows) == 1 and rows[0]["person"] == person
    assert str(rows[0]["answers"][q["single"][1:]]) in choices
    # And at the level of the rule, for a person with no answer yet: the insert race itself.
    other = await _person("another-phone")
    await asyncio.gather(
        *[consultations.answer(cid, other, {q["scale"]: [str(1 + n % 5)]}) for n in range(20)]
    )
    assert await ConsultationAnswer.count().where(ConsultationAnswer.person == other) == 1
    page = await client.get(f"/consultations/{cid}")
    assert "Cập nhật ý kiến" in page.text  # the form offers to change the answer


async def _flag(client, cid: int, comment_id: int, device: str):
    client.cookies.clear()
    client.cookies.set("gd_device", device)
    token = csrf((await client.get(f"/consultations/{cid}")).text)
    return await client.post(
        f"/comments/{comment_id}/flag", data={"_csrf_token": token, "reason": "offensive"}
    )


async def test_a_comment_flagged_three_times_is_hidden_until_a_moderator_restores_it(accounts, client):
    cid = await _open(accounts["lanhdao.phulien"])
    ward = await Ward.select(Ward.id).where(Ward.code == PHU_LIEN).first()
    author = await _person("author-phone")
    text = "Câu bình luận bị nhiều người báo vi phạm"
    comment_id = await comments.post("consultation", cid, ward["id"], author, text)
    for device in ("f1", "f2", "f3"):
        await _person(device)
    for n, device in enumerate(["f1", "f2", "f2", "f3"]):  # f2 twice: one person counts once
        assert (await _flag(client, cid, comment_id, device)).status_code == 303
        state = (await Comment.select(Comment.state).where(Comment.id == comment_id).first())["state"]
        assert state == ("pending" if n == 3 else "visible"), n
    page = (await client.get(f"/consultations/{cid}")).text
    assert text not in page and "chờ người kiểm duyệt" in page
    client.cookies.clear()
    await sign_in(client, "canbo.phulien")  # an officer may not moderate
    staff_page = await client.get(f"/consultations/{cid}")
    refused = await client.post(
        f"/staff/comments/{comment_id}/moderate",
        data={"_csrf_token": csrf(staff_page.text), "decision": "restore", "reason": "Không vi phạm"},
    )
    assert refused.status_code == 403
    client.cookies.clear()
    await sign_in(client, "lanhdao.phulien")
    queue = await client.get(f"/staff/consultations/{cid}")
    assert text in queue.text and "Xúc phạm, thô tục: 3" in queue.text
    restored = await client.post(
        f"/staff/comments/{comment_id}/moderate",
        data={
            "_csrf_token": csrf(queue.text),
            "decision": "restore",
            "reason": "Góp ý thẳng thắn, không vi phạm",
            "back": f"/staff/consultations/{cid}",
        },
    )
    assert restored.status_code == 303
    page = (await client.get(f"/consultations/{cid}")).text
    assert text in page and "Góp ý thẳng thắn, không vi phạm" in page
    # A restored comment is not hidden again by more flags; a moderator may still hide it.
    await _person("f4")
    await _flag(client, cid, comment_id, "f4")
    assert (await Comment.select(Comment.state).where(Comment.id == comment_id).first())[
        "state"
    ] == "restored"
    await comments.moderate(
        accounts["lanhdao.phulien"], comment_id, await _place(), hide=True, reason="Lộ thông tin cá nhân"
    )
    page = (await client.get(f"/consultations/{cid}")).text
    assert text not in page and "Lộ thông tin cá nhân" in page


async def _place():
    from app.accounts.policy import Place

    ward = await Ward.select(Ward.id, Ward.province).where(Ward.code == PHU_LIEN).first()
    return Place(ward["id"], ward["province"])


async def test_flags_to_hide_is_a_setting(accounts, client_with):
    cid = await _open(accounts["lanhdao.phulien"])
    ward = await Ward.select(Ward.id).where(Ward.code == PHU_LIEN).first()
    comment_id = await comments.post("consultation", cid, ward["id"], await _person("a"), "Một bình luận")
    async with client_with(flags_to_hide=1) as http:
        await _person("only-flag")
        await _flag(http, cid, comment_id, "only-flag")
    assert (await Comment.select(Comment.state).where(Comment.id == comment_id).first())["state"] == "pending"


async def test_synthesis_deadline_overdue_apology_and_publication(accounts, fixed_clock):
    lead = accounts["lanhdao.phulien"]
    ward = await Ward.select(Ward.id).where(Ward.code == PHU_LIEN).first()
    follower = await _person("follower")
    await Follow.insert(Follow(person=follower, ward=ward["id"]))
    cid = await _open(lead)  # opens today (Friday 20/11), closes Friday 27/11
    consultation = await consultations.detail(cid)
    # 10 working days after Friday 27/11/2026: 30/11, 1–4/12, 7–11/12 → Friday 11/12, 17:00.
    assert consultation["synthesis_due"] == datetime(2026, 12, 11, 17, 0, tzinfo=VIETNAM)
    with pytest.raises(ConsultationError):
        await consultations.publish_synthesis(lead, cid, Synthesis("a", "b", "c"), MediaStore(_media()))
    fixed_clock.at = datetime(2026, 11, 27, 8, 0, tzinfo=VIETNAM)  # the last day
    assert (await sweep_consultations()).reminded == 1
    assert (await sweep_consultations()).reminded == 0
    fixed_clock.at = datetime(2026, 12, 11, 16, 59, tzinfo=VIETNAM)
    assert (await sweep_consultations()).apologised == 0
    assert not (await consultations.detail(cid))["late"]
    fixed_clock.at = datetime(2026, 12, 11, 17, 1, tzinfo=VIETNAM)
    first, second = await asyncio.gather(sweep_consultations(), sweep_consultations())
    assert first.apologised + second.apologised == 1
    late = await consultations.detail(cid)
    assert late["late"] and len(late["apologies"]) == 1
    slip = late["apologies"][0]["data"]
    # Five working days from Friday 11/12: 14–18/12.
    assert slip["new_date"] == "2026-12-18" and slip["signer"] == "Nguyễn Văn Hùng"
    assert late["synthesis_due"] == datetime(2026, 12, 18, 17, 0, tzinfo=VIETNAM)
    kinds = sorted(
        r["kind"]
        for r in await InboxNotification.select(InboxNotification.kind).where(
            InboxNotification.person == follower
        )
    )
    assert kinds == ["consultation_closing", "consultation_late", "consultation_opened"]
    with pytest.raises(ConsultationError, match="ba phần|three parts"):
        await consultations.publish_synthesis(lead, cid, Synthesis("Ý kiến", "", ""), MediaStore(_media()))
    action_id = await consultations.publish_synthesis(
        lead,
        cid,
        Synthesis("Đa số đồng ý", "Giữ tên Tổ 7", "Chưa tiếp thu việc đổi địa điểm vì chưa có kinh phí"),
        MediaStore(_media()),
    )
    done = await consultations.detail(cid)
    assert done["status"] == "concluded" and done["synthesis_action"]["id"] == action_id
    assert "Chưa tiếp thu việc đổi địa điểm" in done["synthesis_action"]["body"]
    assert done["late"]  # published, but after its date: the mark stays
    fixed_clock.advance(days=30)
    assert (await sweep_consultations()).apologised == 0
    with pytest.raises(ConsultationError):
        await consultations.publish_synthesis(lead, cid, Synthesis("a", "b", "c"), MediaStore(_media()))


def _media():
    from app.platform.settings import get_settings

    return get_settings().media_dir


async def test_verification_codes_are_single_use_and_scoped_to_their_ward(accounts, fixed_clock):
    clerk = accounts["clerk.phulien"]
    with pytest.raises(PermissionError):
        await issue(clerk, KIEN_AN)
    with pytest.raises(PermissionError):
        await issue(accounts["canbo.phulien"], PHU_LIEN)  # an officer does not verify
    issued = await issue(clerk, PHU_LIEN)
    phones = [await _person(f"phone-{n}") for n in range(10)]
    outcomes = await asyncio.gather(*[redeem(p, issued.code.lower()) for p in phones], return_exceptions=True)
    assert sum(not isinstance(o, Exception) for o in outcomes) == 1
    assert all(isinstance(o, VerificationError) for o in outcomes if isinstance(o, Exception))
    assert await VerifiedResident.count() == 1
    winner = next(p for p, o in zip(phones, outcomes, strict=True) if not isinstance(o, Exception))
    # Only the code's hash is stored.
    stored = await VerificationCode.select().first()
    assert issued.code.replace("-", "") not in str(stored) and stored["used_by"] == winner
    # Verified in Phù Liễn counts for Phù Liễn, not for Kiến An.
    admin = accounts["admin"]
    in_phu_lien, in_kien_an = await _open(admin), await _open(admin, ward=KIEN_AN)
    for cid in (in_phu_lien, in_kien_an):
        await consultations.answer(cid, winner, {(await _ids(cid))["scale"]: ["4"]})
    verified = {
        r["consultation"]: r["verified"]
        for r in await ConsultationAnswer.select(ConsultationAnswer.consultation, ConsultationAnswer.verified)
    }
    assert verified == {in_phu_lien: True, in_kien_an: False}
    fixed_clock.advance(days=31)
    expired = await issue(clerk, PHU_LIEN)
    fixed_clock.advance(days=31)
    with pytest.raises(VerificationError):
        await redeem(phones[0], expired.code)


async def test_a_group_head_verifies_in_a_group_and_group_scoped_consultations_count_it(accounts):
    await import_groups(
        read_groups(
            "ward_code,name,kind,households\n11446,Tổ dân phố số 1,to_dan_pho,200\n"
            "11446,Tổ dân phố số 7,to_dan_pho,94\n"
        )
    )
    ward = await Ward.select(Ward.id).where(Ward.code == PHU_LIEN).first()
    groups = {g["name"]: g["id"] for g in await groups_of(ward["id"])}
    head = accounts["totruong.phulien"]
    in_seven, in_one = await _person("seven"), await _person("one")
    await redeem(in_seven, (await issue(head, PHU_LIEN, groups["Tổ dân phố số 7"])).code)
    await redeem(in_one, (await issue(head, PHU_LIEN, groups["Tổ dân phố số 1"])).code)
    assert (await verification_of(in_seven, ward["id"]))["group_name"] == "Tổ dân phố số 7"
    cid = await _open(accounts["lanhdao.phulien"], groups=[groups["Tổ dân phố số 7"]])
    scale = (await _ids(cid))["scale"]
    for person in (in_seven, in_one):
        await consultations.answer(cid, person, {scale: ["5"]})
    results = await consultations.results(await consultations.detail(cid))
    assert results["participants"] == {"verified": 1, "unverified": 1}
    comment = await comments.post("consultation", cid, ward["id"], in_seven, "Tôi đồng ý")
    assert (await comments.thread("consultation", cid))[0]["author"] == "Tổ dân phố số 7"
    assert comment


async def test_verification_in_the_browser_flow_over_http(accounts, client):
    await sign_in(client, "totruong.phulien")
    form = await client.get("/staff/verify")
    assert form.status_code == 200
    slip = await client.post("/staff/verify", data={"_csrf_token": csrf(form.text), "ward": PHU_LIEN})
    code = re.search(r'<p class="code"><strong>([A-Z0-9-]+)</strong>', slip.text).group(1)
    assert "<svg" in slip.text
    refused = await client.post("/staff/verify", data={"_csrf_token": csrf(form.text), "ward": KIEN_AN})
    assert refused.status_code == 403
    queue = await client.get("/staff/", follow_redirects=True)
    assert "/staff/reports/" not in queue.text  # a group head reads no cases
    client.cookies.clear()
    page = await client.get(f"/verify?code={code}")
    assert code in page.text
    done = await client.post("/verify", data={"_csrf_token": csrf(page.text), "code": code})
    assert done.status_code == 200 and "Phường Phù Liễn" in done.text
    again = await client.post("/verify", data={"_csrf_token": csrf(page.text), "code": code})
    assert again.status_code == 400


async def test_the_ward_lead_opens_a_consultation_with_a_pdf_and_the_public_sees_it(accounts, client):
    from app.demo import demo_pdf

    await sign_in(client, "lanhdao.phulien")
    form = await client.get("/staff/consultations/new")
    fields = {
        "_csrf_token": csrf(form.text),
        "ward": PHU_LIEN,
        "matter": "units",
        "title": "Dự thảo đổi tên tổ 3",
        "summary": "Đổi tên",
        "opens_on": "2026-11-20",
        "closes_on": "2026-11-30",
        "q0_kind": "single",
        "q0_prompt": "Tên mới",
        "q0_options": "Tổ Hòa Bình\nTổ Đồng Tâm",
    }
    bad = await client.post("/staff/consultations/new", data={**fields, "q0_options": "Chỉ một"})
    assert bad.status_code == 400 and "2 đến 10 lựa chọn" in bad.text
    made = await client.post(
        "/staff/consultations/new",
        data=fields,
        files={"documents": ("du-thao.pdf", demo_pdf("Du thao"), "application/pdf")},
    )
    assert made.status_code == 303
    cid = int(made.headers["location"].rsplit("/", 1)[1])
    page = await client.get(f"/consultations/{cid}")
    assert "Tổ Đồng Tâm" in page.text and "du-thao.pdf" in page.text
    pdf = re.search(r'href="(/media/docs/[0-9a-f]{64}\.pdf)"', page.text).group(1)
    assert (await client.get(pdf)).content.startswith(b"%PDF-")
    listing = await client.get(f"/wards/{PHU_LIEN}/participation")
    assert "Dự thảo đổi tên tổ 3" in listing.text
    feed = await client.get(f"/wards/{PHU_LIEN}/consultations.atom")
    assert feed.status_code == 200 and "Dự thảo đổi tên tổ 3" in feed.text
    api = (await client.get(f"/api/v1/consultations/{cid}")).json()
    assert api["questions"][0]["options"] == ["Tổ Hòa Bình", "Tổ Đồng Tâm"] and api["results"] is None
    assert "/api/v1/consultations" in (await client.get("/schema/openapi.json")).text


def test_groups_csv_is_checked_line_by_line():
    from app.participation.groups import GroupImportError

    with pytest.raises(GroupImportError, match="3"):
        read_groups("ward_code,name,kind\n11446,Tổ 1,to_dan_pho\n11446,Tổ 2,xom\n")
    with pytest.raises(GroupImportError):
        read_groups("ward_code,name\n11443,Tổ 1\n", only_ward=PHU_LIEN)
    assert [r.name for r in read_groups("name\nTổ 1\n\n", only_ward=PHU_LIEN)] == ["Tổ 1"]


async def test_the_media_sweep_keeps_a_consultations_documents(accounts):
    import os
    from datetime import timedelta

    from app.demo import demo_pdf
    from app.platform import clock
    from app.platform.media_sweep import sweep_media
    from app.transparency.actions import Upload

    await consultations.create(accounts["lanhdao.phulien"], NewConsultation(
        ward_code=PHU_LIEN, matter="units", title="Dự thảo có văn bản", summary="", questions=QUESTIONS,
        opens_on=date(2026, 11, 20), closes_on=date(2026, 11, 27), documents=[Upload("a.pdf", demo_pdf("A"))],
    ), MediaStore(_media()))  # fmt: skip
    files = [p for p in _media().rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].suffix == ".pdf"
    old = (clock.now() - timedelta(hours=25)).timestamp()
    os.utime(files[0], (old, old))
    assert await sweep_media(MediaStore(_media()), None) == 0
    assert files[0].exists()
