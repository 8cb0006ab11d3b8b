"""Resident proposals and the people's inspection board: thresholds, supports under concurrency,
expiry, answer deadlines and overdue marks, progress pushed to supporters, public answers."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest

from app.accounts.rules import load_actor
from app.participation import inspection, proposals
from app.participation.figures import participation_figures
from app.participation.inspection import NewRequest
from app.participation.proposals import Milestone, NewProposal, ProgressUpdate, ProposalError
from app.participation.sweep import sweep_participation
from app.platform.clock import VIETNAM
from app.platform.photos import MediaStore
from app.platform.settings import get_settings
from app.platform.tables import InboxNotification, Person, Proposal, ProposalSupport, Ward
from tests.photos_for_tests import jpeg
from tests.workspace_helpers import PHU_LIEN, csrf, new_report, sign_in, staff_accounts

DESCRIPTION = "Lắp đèn chiếu sáng cho ngõ 38, buổi tối rất tối và nguy hiểm cho học sinh."


def _swept():
    """The participation sweep, as the server runs it."""
    return sweep_participation(MediaStore(get_settings().media_dir))

async def people(count: int, prefix: str = "r") -> list[int]:
    ids = []
    for n in range(count):
        person = Person(device_identity=f"{prefix}-{n}")
        await person.save()
        ids.append(person.id)
    return ids


async def ward_id(code: str = PHU_LIEN) -> int:
    return (await Ward.select(Ward.id).where(Ward.code == code).first())["id"]


async def a_proposal(proposer: int, settings, threshold: int | None = 3, **changes) -> int:
    if threshold is not None:
        await proposals.set_ward_rules(await ward_id(), support_threshold=threshold, **changes)
    new = NewProposal("Đèn cho ngõ 38", DESCRIPTION, ward_code=PHU_LIEN)
    return await proposals.propose(proposer, new, MediaStore(settings.media_dir))


async def row(proposal_id: int) -> dict:
    return await Proposal.select().where(Proposal.id == proposal_id).first()


def test_threshold_is_a_share_of_the_population_where_known():
    assert proposals.threshold_for(None, None, None) == 100
    assert proposals.threshold_for(None, 40, None) == 40
    assert proposals.threshold_for(12_345, 40, 1.0) == 124  # 123.45 rounded up
    assert proposals.threshold_for(None, 40, 1.0) == 40  # no population: the ward's own number


async def test_reaching_the_threshold_exactly_makes_the_answer_due_in_15_working_days(database, fixed_clock):
    proposer, *others = await people(5)
    proposal_id = await a_proposal(proposer, database)
    assert (await row(proposal_id))["threshold"] == 3
    assert not await proposals.support(proposer, proposal_id)  # never one's own
    assert await proposals.support(others[0], proposal_id)
    assert not await proposals.support(others[0], proposal_id)  # once per person
    fixed_clock.advance(hours=2)
    assert await proposals.support(others[1], proposal_id)
    before = await row(proposal_id)
    assert (before["state"], before["support_count"], before["answer_deadline"]) == ("open", 2, None)
    assert await proposals.support(others[2], proposal_id)  # the third: exactly the threshold
    after = await row(proposal_id)
    assert (after["state"], after["support_count"]) == ("due", 3)
    assert after["reached_at"] == datetime(2026, 11, 20, 11, 0, tzinfo=VIETNAM)
    # Friday 20 Nov 2026 + 15 working days, Tuesday 24 Nov (Vietnam Cultural Day) a holiday:
    # 23, 25–27 Nov, 30 Nov–4 Dec, 7–11 Dec, 14 Dec: Monday 14 Dec, 17:00.
    assert after["answer_deadline"] == datetime(2026, 12, 14, 17, 0, tzinfo=VIETNAM)
    assert await proposals.support(others[3], proposal_id)  # more supports still count
    assert (await row(proposal_id))["support_count"] == 4
    assert (await row(proposal_id))["answer_deadline"] == after["answer_deadline"]


async def test_supports_count_once_per_person_under_20_concurrent_requests(database):
    proposer, *twenty = await people(21)
    proposal_id = await a_proposal(proposer, database, threshold=10)
    counted = await asyncio.gather(*[proposals.support(p, proposal_id) for p in twenty])
    assert all(counted)
    same = await asyncio.gather(*[proposals.support(twenty[0], proposal_id) for _ in range(20)])
    assert not any(same)
    recount = await ProposalSupport.count().where(ProposalSupport.proposal == proposal_id)
    stored = await row(proposal_id)
    assert recount == stored["support_count"] == 20
    assert stored["state"] == "due"


async def test_supports_over_http_once_per_device(client, database):
    proposer, *_ = await people(1)
    proposal_id = await a_proposal(proposer, database, threshold=5)
    page = await client.get(f"/proposals/{proposal_id}")
    assert "Ủng hộ đề xuất này" in page.text
    token = csrf(page.text)
    first = await client.post(f"/proposals/{proposal_id}/support", data={"_csrf_token": token})
    assert first.status_code == 303 and client.cookies.get("gd_device")
    # The same device, twenty times at once, through the page and the API.
    answers = await asyncio.gather(
        *[client.post(f"/proposals/{proposal_id}/support", data={"_csrf_token": token}) for _ in range(10)],
        *[client.post(f"/api/v1/proposals/{proposal_id}/supports") for _ in range(10)],
    )
    assert all(a.status_code in (200, 303) for a in answers)
    assert not any(a.json()["counted"] for a in answers if a.status_code == 200)
    assert await ProposalSupport.count().where(ProposalSupport.proposal == proposal_id) == 1
    assert (await row(proposal_id))["support_count"] == 1
    shown = await client.get(f"/proposals/{proposal_id}")
    assert "Bạn đã ủng hộ đề xuất này" in shown.text and "Ủng hộ đề xuất này</button>" not in shown.text


async def test_a_proposal_that_misses_its_threshold_expires_publicly(database, fixed_clock, client):
    proposer, supporter = await people(2)
    proposal_id = await a_proposal(proposer, database, threshold=3, period_days=30)
    assert await proposals.support(supporter, proposal_id)
    fixed_clock.advance(days=29, hours=23)
    assert (await _swept()).expired == 0
    fixed_clock.advance(hours=1)
    assert not await proposals.support((await people(1, "late"))[0], proposal_id)  # period over
    assert (await _swept()).expired == 1
    assert (await _swept()).expired == 0  # once
    stored = await row(proposal_id)
    assert stored["state"] == "expired" and stored["expired_at"] == fixed_clock.now()
    listed = await client.get(f"/wards/{PHU_LIEN}/proposals?state=expired")
    assert "Đèn cho ngõ 38" in listed.text
    assert "Đèn cho ngõ 38" not in (await client.get(f"/wards/{PHU_LIEN}/proposals")).text


async def test_an_unanswered_proposal_is_marked_overdue_once_and_the_figures_count_it(database, fixed_clock):
    accounts = await staff_accounts()
    proposer, *others = await people(4)
    proposal_id = await a_proposal(proposer, database)
    for person in others[:3]:
        await proposals.support(person, proposal_id)
    deadline = (await row(proposal_id))["answer_deadline"]
    fixed_clock.at = deadline
    assert (await _swept()).proposals_overdue == 0  # due until the office closes
    fixed_clock.advance(minutes=1)
    assert (await _swept()).proposals_overdue == 1
    assert (await _swept()).proposals_overdue == 0
    assert (await row(proposal_id))["answer_overdue"]
    told = await InboxNotification.select(InboxNotification.person).where(
        InboxNotification.kind == "proposal_overdue"
    )  # fmt: skip
    assert [t["person"] for t in told] == [accounts["lanhdao.phulien"]]
    lead = await load_actor(accounts["lanhdao.phulien"])
    await proposals.answer(
        lead, proposal_id, "declined", "Ngõ 38 thuộc dự án chiếu sáng của thành phố năm sau.", []
    )
    figures = {f.label: (f.on_time, f.total) for f in await participation_figures(await ward_id())}
    assert figures["Proposals answered on time"] == (0, 1)


async def test_only_the_ward_lead_answers_and_only_once(database, fixed_clock):
    accounts = await staff_accounts()
    proposer, *others = await people(4)
    proposal_id = await a_proposal(proposer, database)
    for person in others[:3]:
        await proposals.support(person, proposal_id)
    officer = await load_actor(accounts["canbo.phulien"])
    with pytest.raises(PermissionError):
        await proposals.answer(officer, proposal_id, "accepted", "Phường đồng ý lắp đèn trong tháng này.", [])
    lead = await load_actor(accounts["lanhdao.phulien"])
    with pytest.raises(ProposalError) as short:
        await proposals.answer(lead, proposal_id, "accepted", "Đồng ý.", [])
    assert "text" in short.value.errors
    await proposals.answer(lead, proposal_id, "accepted", "Phường đồng ý lắp đèn trong tháng này.", [])
    with pytest.raises(ProposalError):
        await proposals.answer(lead, proposal_id, "declined", "Phường đổi ý, không lắp đèn nữa đâu.", [])
    figures = {f.label: (f.on_time, f.total) for f in await participation_figures(await ward_id())}
    assert figures["Proposals answered on time"] == (1, 1)


async def test_progress_updates_are_public_and_pushed_to_every_supporter(database, fixed_clock, client):
    accounts = await staff_accounts()
    proposer, *others = await people(5)
    proposal_id = await a_proposal(proposer, database)
    for person in others:
        await proposals.support(person, proposal_id)
    lead = await load_actor(accounts["lanhdao.phulien"])
    plan = [Milestone("Khảo sát", date(2026, 12, 1)), Milestone("Lắp đặt", date(2027, 1, 15))]
    await proposals.answer(lead, proposal_id, "accepted", "Phường đồng ý, làm theo kế hoạch dưới đây.", plan)
    answered = await InboxNotification.select(InboxNotification.person).where(
        InboxNotification.kind == "proposal_answered"
    )  # fmt: skip
    assert sorted(a["person"] for a in answered) == sorted([proposer, *others])
    milestones = (await proposals.public_proposal(proposal_id))["milestones"]
    officer = await load_actor(accounts["canbo.phulien"])
    fixed_clock.advance(days=3)
    await proposals.add_update(officer, proposal_id, ProgressUpdate(
        40, "Đã khảo sát xong, đang đặt mua đèn.", reached=[milestones[0]["id"]], photos=[jpeg()]
    ), MediaStore(database.media_dir))  # fmt: skip
    pushed = await InboxNotification.select(InboxNotification.person, InboxNotification.payload).where(
        InboxNotification.kind == "proposal_progress"
    )  # fmt: skip
    assert sorted(p["person"] for p in pushed) == sorted([proposer, *others])
    shown = await proposals.public_proposal(proposal_id)
    assert shown["progress"] == 40 and shown["state"] == "in_progress"
    assert (
        shown["milestones"][0]["reached_at"] == fixed_clock.now()
        and shown["milestones"][1]["reached_at"] is None
    )
    page = (await client.get(f"/proposals/{proposal_id}")).text
    assert "Đã khảo sát xong" in page and "40 %" in page and "Khảo sát" in page
    with pytest.raises(ProposalError):
        await proposals.add_update(officer, proposal_id, ProgressUpdate(140, "Quá trăm phần trăm."),
                                   MediaStore(database.media_dir))  # fmt: skip
    await proposals.add_update(officer, proposal_id, ProgressUpdate(100, "Đã lắp xong 6 bộ đèn."),
                               MediaStore(database.media_dir))  # fmt: skip
    assert (await row(proposal_id))["state"] == "done"


async def test_proposing_over_http_routes_by_the_place_and_refuses_bad_input(client, database):
    page = await client.get("/proposals/new")
    token = csrf(page.text)
    bad = await client.post(
        "/proposals/new", data={"_csrf_token": token, "title": "Đè", "description": "ngắn"}
    )
    assert bad.status_code == 400 and "5 đến 200" in bad.text
    outside = await client.post(
        "/proposals/new",
        data={
            "_csrf_token": token,
            "title": "Đèn ngõ 38",
            "description": DESCRIPTION,
            "lat": "48.85",
            "lon": "2.35",
        },
    )
    assert outside.status_code == 400
    ward = await Ward.select(Ward.lat, Ward.lon).where(Ward.code == PHU_LIEN).first()
    made = await client.post("/proposals/new", data={
        "_csrf_token": token, "title": "Đèn ngõ 38", "description": DESCRIPTION,
        "lat": str(ward["lat"]), "lon": str(ward["lon"]),
    }, files={"photos": ("den.jpg", jpeg(), "image/jpeg")})  # fmt: skip
    assert made.status_code == 303
    proposal_id = int(made.headers["location"].split("/")[2].split("?")[0])
    stored = await proposals.public_proposal(proposal_id)
    assert stored["ward.code"] == PHU_LIEN and len(stored["photos"]) == 1
    shown = await client.get(made.headers["location"])
    assert "Đây là đề xuất của bạn" in shown.text and "Ủng hộ đề xuất này" not in shown.text
    api = await client.get(f"/api/v1/proposals/{proposal_id}")
    assert api.json()["ward"]["code"] == PHU_LIEN and "proposer" not in api.json()
    refused = await client.post(
        "/api/v1/proposals", json={"title": "x", "description": "y", "ward_code": PHU_LIEN}
    )
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"title", "description"}


async def test_inspection_request_answered_publicly_and_overdue_when_late(
    client, database, settings, fixed_clock
):
    accounts = await staff_accounts()
    report = await new_report()
    await sign_in(client, "thanhtra.phulien")
    form = await client.get(f"/staff/inspection/new?kind=report&target={report['code']}")
    assert form.status_code == 200
    question = "Đề nghị phường giải thích vì sao phản ánh này chưa được xử lý đúng hạn."
    wrong = await client.post("/staff/inspection/new", data={
        "_csrf_token": csrf(form.text), "ward": PHU_LIEN, "target_kind": "report", "target": "HP-0000-0000",
        "question": question,
    })  # fmt: skip
    assert wrong.status_code == 400
    sent = await client.post("/staff/inspection/new", data={
        "_csrf_token": csrf(form.text), "ward": PHU_LIEN, "target_kind": "report", "target": report["code"],
        "question": question,
    })  # fmt: skip
    assert sent.status_code == 303
    # A consultation of the ward is named by its number; a number no consultation has is refused.
    from datetime import timedelta

    from app.participation.consultations import NewConsultation, NewQuestion, create

    lead = await load_actor(accounts["lanhdao.phulien"])
    today = date(2026, 11, 20)
    consultation = await create(lead, NewConsultation(
        ward_code=PHU_LIEN, matter="units", title="Dự thảo sáp nhập Tổ dân phố số 7 và số 8", summary="",
        opens_on=today, closes_on=today + timedelta(days=10), results_while_open=True,
        questions=[NewQuestion("scale", "Bà con có đồng ý không?")],
    ), MediaStore(settings.media_dir))  # fmt: skip
    board = await load_actor(accounts["thanhtra.phulien"])
    with pytest.raises(inspection.InspectionError):
        await inspection.request_explanation(
            board, NewRequest(PHU_LIEN, "consultation", str(consultation + 1000), question)
        )
    later = await inspection.request_explanation(
        board, NewRequest(PHU_LIEN, "consultation", str(consultation), question)
    )
    requests = await inspection.ward_requests(PHU_LIEN)
    first = next(r for r in requests if r["target_kind"] == "report")
    # Friday 20 Nov 2026 + 10 working days, Tuesday 24 Nov a holiday: 23, 25–27, 30 Nov, 1–4, 7 Dec.
    assert first["deadline"] == datetime(2026, 12, 7, 17, 0, tzinfo=VIETNAM)
    told = await InboxNotification.select(InboxNotification.person).where(
        InboxNotification.kind == "inspection_request"
    )  # fmt: skip
    assert {t["person"] for t in told} == {accounts["lanhdao.phulien"]}
    # The officer may not answer; the ward lead answers, publicly.
    officer = await load_actor(accounts["canbo.phulien"])
    with pytest.raises(PermissionError):
        await inspection.answer_request(officer, first["id"], "Phường đang chờ công ty thoát nước phối hợp.")
    await client.post("/logout", data={"_csrf_token": csrf((await client.get("/staff/")).text)})
    client.cookies.clear()
    await sign_in(client, "lanhdao.phulien")
    fixed_clock.advance(days=3)
    page = await client.get(f"/staff/inspection/{first['id']}/answer")
    answer = "Phản ánh cần phối hợp với công ty thoát nước, phường đã nhắc và sẽ xong trong tuần."
    done = await client.post(f"/staff/inspection/{first['id']}/answer",
                             data={"_csrf_token": csrf(page.text), "answer": answer})  # fmt: skip
    assert done.status_code == 303
    public = await client.get(f"/wards/{PHU_LIEN}/inspection")
    assert answer in public.text and question in public.text
    fixed_clock.at = datetime(2026, 12, 7, 17, 1, tzinfo=VIETNAM)
    assert (await _swept()).inspections_overdue == 1  # only the unanswered one
    assert (await inspection.public_request(later))["overdue"]
    assert not (await inspection.public_request(first["id"]))["overdue"]
    figures = {f.label: (f.on_time, f.total) for f in await participation_figures(await ward_id())}
    assert figures["Inspection requests answered on time"] == (1, 2)
    api = (await client.get(f"/api/v1/inspection-requests?ward={PHU_LIEN}")).json()
    assert {r["id"] for r in api} == {first["id"], later} and "asked_by" not in api[0]


async def test_only_the_board_asks_and_publishes_its_supervision_report(client, database, fixed_clock):
    await staff_accounts()
    await sign_in(client, "canbo.phulien")
    assert (await client.get("/staff/inspection/new")).status_code == 403
    client.cookies.clear()
    await sign_in(client, "thanhtra.phulien")
    form = await client.get("/staff/supervision-reports/new")
    sent = await client.post("/staff/supervision-reports/new", data={
        "_csrf_token": csrf(form.text), "ward": PHU_LIEN, "year": "2025",
        "title": "Báo cáo giám sát năm 2025", "body": "Ban đã giám sát 40 phản ánh.",
    }, files={"attachments": ("bao-cao.pdf", b"%PDF-1.4 demo", "application/pdf")})  # fmt: skip
    assert sent.status_code == 303
    ward_page = await client.get(f"/wards/{PHU_LIEN}")
    assert "Báo cáo giám sát năm 2025" in ward_page.text and "bao-cao.pdf" in ward_page.text


async def test_the_api_is_described_in_openapi(client):
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in ("/api/v1/proposals", "/api/v1/proposals/{proposal_id}",
                 "/api/v1/proposals/{proposal_id}/supports", "/api/v1/inspection-requests",
                 "/api/v1/inspection-requests/{request_id}"):  # fmt: skip
        assert path in paths, path


async def test_the_ward_answers_and_reports_progress_through_its_workspace(client, database, fixed_clock):
    await staff_accounts()
    proposer, *others = await people(4)
    proposal_id = await a_proposal(proposer, database)
    for person in others[:3]:
        await proposals.support(person, proposal_id)
    await sign_in(client, "lanhdao.phulien")
    workspace = await client.get("/staff/participation")
    assert f"/staff/proposals/{proposal_id}/answer" in workspace.text
    form = await client.get(f"/staff/proposals/{proposal_id}/answer")
    answered = await client.post(f"/staff/proposals/{proposal_id}/answer", data={
        "_csrf_token": csrf(form.text), "kind": "partial",
        "text": "Phường lắp 3 bộ đèn ở đoạn tối nhất; phần còn lại chờ dự án của thành phố.",
        "milestone_title": ["Khảo sát", "Lắp đèn", ""], "milestone_date": ["2026-12-01", "2027-01-10", ""],
    })  # fmt: skip
    assert answered.status_code == 303
    client.cookies.clear()
    await sign_in(client, "canbo.phulien")
    form = await client.get(f"/staff/proposals/{proposal_id}/progress")
    refused = await client.post(
        f"/staff/proposals/{proposal_id}/progress",
        data={"_csrf_token": csrf(form.text), "progress": "abc", "text": "Đang làm."},
    )
    assert refused.status_code == 400 and "0 đến 100" in refused.text
    done = await client.post(f"/staff/proposals/{proposal_id}/progress", data={
        "_csrf_token": csrf(form.text), "progress": "40", "text": "Đã khảo sát xong đoạn ngõ.",
    }, files={"photos": ("anh.jpg", jpeg(), "image/jpeg")})  # fmt: skip
    assert done.status_code == 303
    page = (await client.get(f"/proposals/{proposal_id}")).text
    assert "Tiếp thu một phần" in page and "Khảo sát" in page and "Đã khảo sát xong đoạn ngõ." in page
    assert "40 %" in page
    # An officer of the ward may not answer for the ward.
    other = await a_proposal(proposer, database)
    form = await client.get(f"/staff/proposals/{other}/answer")
    denied = await client.post(f"/staff/proposals/{other}/answer", data={
        "_csrf_token": csrf(form.text), "kind": "accepted", "text": "Phường đồng ý toàn bộ đề xuất này nhé.",
    })  # fmt: skip
    assert denied.status_code == 403
