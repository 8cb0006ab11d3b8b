"""The ward workspace through HTTP: sign-in, scope, the case actions, assisted filing, CSRF."""

from __future__ import annotations

import re

import pytest

from app.accounts.rules import load_actor
from app.casework.steps import Refused, Step, perform
from app.platform.tables import Follow, InboxNotification, Person, Report, ReportEvent, Support, Ward
from tests.workspace_helpers import (
    KIEN_AN,
    PHU_LIEN,
    act,
    csrf,
    new_report,
    resident,
    sign_in,
    staff_accounts,
)


@pytest.fixture
async def accounts(database):
    return await staff_accounts()


async def test_staff_pages_send_strangers_to_sign_in(client, accounts):
    response = await client.get("/staff/", headers={"Accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/staff"
    assert (await client.get("/staff/")).status_code == 401


async def test_sign_in_wrong_password_throttling_and_sign_out(client, accounts):
    wrong = await sign_in(client, "canbo.phulien", "sai-mat-khau")
    assert wrong.status_code == 400 and "không đúng" in wrong.text
    for _ in range(4):
        await sign_in(client, "canbo.phulien", "sai-mat-khau")
    throttled = await sign_in(client, "canbo.phulien")  # even the right password waits now
    assert throttled.status_code == 429 and "15 phút" in throttled.text
    # Another account from the same address (one ward office) has its own count; the address's
    # own limit is larger (tests/test_hardening.py).
    other = await sign_in(client, "lanhdao.phulien")
    assert other.status_code == 303


async def test_sign_in_queue_sign_out(client, accounts):
    report = await new_report()
    signed = await sign_in(client, "canbo.phulien")
    assert signed.status_code == 303 and signed.headers["location"] == "/staff/"
    queue = await client.get("/staff/")
    assert report["code"] in queue.text and "Trần Thị Mai" in queue.text
    out = await client.post("/logout", data={"_csrf_token": csrf(queue.text)})
    assert out.status_code == 303
    assert (await client.get("/staff/")).status_code == 401


async def test_password_change(client, accounts):
    await sign_in(client, "canbo.phulien")
    page = await client.get("/staff/password")
    short = await client.post("/staff/password", data={"_csrf_token": csrf(page.text),
                                                       "current": "gandan-demo", "new": "ngan"})  # fmt: skip
    assert short.status_code == 400
    done = await client.post(
        "/staff/password",
        data={"_csrf_token": csrf(page.text), "current": "gandan-demo", "new": "mat-khau-moi-dai"},
    )
    assert done.status_code == 200
    client.cookies.clear()
    assert (await sign_in(client, "canbo.phulien", "mat-khau-moi-dai")).status_code == 303


async def test_queue_filters_counts_and_scope(client, accounts):
    mine = await new_report()
    overdue = await new_report(
        at=(await Report.select(Report.created_at).first())["created_at"].replace(year=2025)
    )
    elsewhere = await new_report(KIEN_AN)
    await perform(await load_actor(accounts["canbo.phulien"]), mine["id"], Step("take"))
    await sign_in(client, "canbo.phulien")
    page = (await client.get("/staff/")).text
    assert mine["code"] in page and overdue["code"] in page and elsewhere["code"] not in page
    assert page.index(overdue["code"]) < page.index(mine["code"])  # sorted by deadline
    only_mine = (await client.get("/staff/?flag=mine")).text
    assert mine["code"] in only_mine and overdue["code"] not in only_mine
    late = (await client.get("/staff/?flag=overdue")).text
    assert overdue["code"] in late and mine["code"] not in late
    supervisor = await load_actor(accounts["giamsat.haiphong"])
    from app.casework.queue import QueueFilter, reports
    from app.platform import clock

    seen = {r["code"] for r in await reports(supervisor, QueueFilter(), clock.now())}
    assert seen == {mine["code"], overdue["code"], elsewhere["code"]}


async def test_officer_works_a_report_and_followers_are_told(client, accounts):
    reporter = await resident()
    report = await new_report(reporter=reporter)
    await sign_in(client, "canbo.phulien")
    assert (await act(client, report["code"], "accept", public_text="Đã tiếp nhận")).status_code == 303
    assert (await act(client, report["code"], "start")).status_code == 303
    refused = await act(client, report["code"], "resolve")
    assert refused.status_code == 400 and "Tell the resident" not in refused.text  # in Vietnamese
    done = await act(client, report["code"], "resolve", public_text="Đã vá xong ổ gà")
    assert done.status_code == 303
    row = await Report.select(Report.status, Report.resolved_at, Report.acknowledged_at).first()
    assert row["status"] == "resolved" and row["resolved_at"] and row["acknowledged_at"]
    kinds = [n["kind"] for n in await InboxNotification.select(InboxNotification.kind).where(
        InboxNotification.person == reporter)]  # fmt: skip
    assert kinds.count("resolved") == 1 and "status" in kinds
    public = (await client.get(f"/r/{report['code']}")).text
    assert "Đã vá xong ổ gà" in public


async def test_officer_of_another_ward_cannot_touch_the_report(client, accounts):
    report = await new_report(PHU_LIEN)
    await sign_in(client, "canbo.kienan")
    assert (await client.get(f"/staff/reports/{report['code']}")).status_code == 403
    before = await ReportEvent.count()
    actor = await load_actor(accounts["canbo.kienan"])
    for step in ("accept", "reply", "note", "transfer", "reject", "assign", "take", "escalate"):
        with pytest.raises(Refused):
            await perform(
                actor,
                report["id"],
                Step(
                    step,
                    public_text="x",
                    internal_note="x",
                    target_ward_code=KIEN_AN,
                    assignee_id=actor.person_id,
                ),
            )
    assert await ReportEvent.count() == before


async def test_inspector_reads_internal_notes_and_may_only_supervise(client, accounts):
    report = await new_report()
    officer = await load_actor(accounts["canbo.phulien"])
    await perform(officer, report["id"], Step("note", internal_note="Chờ đơn vị cấp nước"))
    await sign_in(client, "thanhtra.phulien")
    page = await client.get(f"/staff/reports/{report['code']}")
    assert "Chờ đơn vị cấp nước" in page.text and "0912345678" not in page.text
    assert (await act(client, report["code"], "accept")).status_code == 403
    noted = await act(client, report["code"], "supervise", internal_note="Đề nghị xử lý sớm")
    assert noted.status_code == 303
    assert await ReportEvent.count().where(ReportEvent.kind == "supervision") == 1


async def test_lead_assigns_in_bulk_and_assignee_is_told(client, accounts):
    first, second = await new_report(), await new_report()
    await sign_in(client, "lanhdao.phulien")
    page = await client.get("/staff/")
    response = await client.post("/staff/assign", data={
        "_csrf_token": csrf(page.text), "codes": [first["code"], second["code"]],
        "assignee": str(accounts["canbo.phulien"])})  # fmt: skip
    assert response.status_code == 303
    assignees = {r["assignee"] for r in await Report.select(Report.assignee)}
    assert assignees == {accounts["canbo.phulien"]}
    assert await InboxNotification.count().where(InboxNotification.kind == "assigned") == 2
    # An officer of another ward is not a valid assignee.
    third = await new_report()
    wrong = await act(client, third["code"], "assign", assignee=str(accounts["canbo.kienan"]))
    assert wrong.status_code == 400


async def test_transfer_moves_the_report_and_duplicate_moves_followers(client, accounts):
    reporter_a, reporter_b = await resident("a"), await resident("b")
    original, repeat = await new_report(reporter=reporter_a), await new_report(reporter=reporter_b)
    await sign_in(client, "canbo.phulien")
    marked = await act(client, repeat["code"], "mark_duplicate", duplicate_code=original["code"])
    assert marked.status_code == 303
    row = await Report.select(Report.status, Report.duplicate_of).where(Report.id == repeat["id"]).first()
    assert row == {"status": "closed", "duplicate_of": original["id"]}
    assert await Follow.exists().where(Follow.person == reporter_b, Follow.report == original["id"])
    assert await Support.exists().where(Support.person == reporter_b, Support.report == original["id"])
    moved = await act(client, original["code"], "transfer", target_ward=KIEN_AN,
                      public_text="Địa bàn thuộc phường Kiến An")  # fmt: skip
    assert moved.status_code == 303
    kien_an = await Ward.select(Ward.id).where(Ward.code == KIEN_AN).first()
    row = await Report.select(Report.ward, Report.status).where(Report.id == original["id"]).first()
    assert row == {"ward": kien_an["id"], "status": "received"}
    # The officer of Phù Liễn no longer sees it; Kiến An's does.
    assert (await client.get(f"/staff/reports/{original['code']}")).status_code == 403


async def test_a_duplicate_points_at_an_open_report_and_never_back(client, accounts):
    """Regression: marking A a duplicate of B and then B of A closed both, leaving nothing open;
    and a report's own reporter was counted as supporting it when a repeat of it was merged."""
    reporter = await resident("a")
    original, repeat, twin = (await new_report(reporter=reporter), await new_report(),
                              await new_report(reporter=reporter))  # fmt: skip
    await sign_in(client, "canbo.phulien")
    marked = await act(client, repeat["code"], "mark_duplicate", duplicate_code=original["code"])
    assert marked.status_code == 303
    back = await act(client, original["code"], "mark_duplicate", duplicate_code=repeat["code"])
    assert back.status_code == 400 and "không còn đang được xử lý" in back.text
    still = await Report.select(Report.status).where(Report.id == original["id"]).first()
    assert still["status"] == "received"
    # The same resident reported the twin and the original: no "me too" for their own report.
    merged = await act(client, twin["code"], "mark_duplicate", duplicate_code=original["code"])
    assert merged.status_code == 303
    assert not await Support.exists().where(Support.person == reporter, Support.report == original["id"])


async def test_clerk_files_for_a_caller_and_the_channel_is_recorded(client, accounts):
    await sign_in(client, "clerk.phulien")
    form = await client.get("/staff/file")
    assert form.status_code == 200 and 'value="hotline"' in form.text
    sent = await client.post("/staff/file", data={
        "_csrf_token": csrf(form.text), "channel": "hotline", "category": "lighting",
        "description": "Ông Tư gọi điện: đèn ngõ 5 tắt", "address": "phường Phù Liễn, Hải Phòng",
        "name": "Đinh Văn Tư", "phone": "0357555606"})  # fmt: skip
    assert sent.status_code == 303
    row = await Report.select(Report.channel, Report.filed_by, Report.reporter_phone).first()
    assert row == {
        "channel": "hotline",
        "filed_by": accounts["clerk.phulien"],
        "reporter_phone": "0357555606",
    }
    await sign_in(client, "canbo.phulien")
    assert (await client.get("/staff/file")).status_code == 200
    client.cookies.clear()
    await sign_in(client, "thanhtra.phulien")
    assert (await client.get("/staff/file")).status_code == 403


async def test_every_state_changing_route_refuses_a_request_without_csrf(client, accounts):
    from litestar import Litestar

    report = await new_report()
    await sign_in(client, "lanhdao.phulien")
    app: Litestar = client._transport.app
    checked = 0
    for route in app.routes:
        methods = getattr(route, "methods", set()) - {"GET", "HEAD", "OPTIONS"}
        if not methods or route.path.startswith(("/api/", "/open311/")):
            continue
        path = re.sub(r"\{\w+:int\}", "1", route.path.replace("{code:str}", report["code"]))
        for method in methods:
            response = await client.request(method, path, data={"action": "accept"})
            assert response.status_code == 403, (method, path, response.status_code)
            checked += 1
    assert checked >= 12
    assert (await Report.select(Report.status).first())["status"] == "received"


async def test_person_without_role_cannot_enter(client, accounts):
    from app.accounts.passwords import hash_password

    await Person.insert(Person(username="nobody", password_hash=hash_password("mot-mat-khau-dai")))
    await sign_in(client, "nobody", "mot-mat-khau-dai")
    assert (await client.get("/staff/")).status_code == 403


async def test_resolving_with_after_photos_shows_them_publicly(client, accounts):
    from app.platform.tables import Photo
    from tests.photos_for_tests import jpeg

    report = await new_report()
    await sign_in(client, "canbo.phulien")
    await act(client, report["code"], "accept")
    page = await client.get(f"/staff/reports/{report['code']}")
    response = await client.post(
        f"/staff/reports/{report['code']}/act",
        data={"_csrf_token": csrf(page.text), "action": "resolve", "public_text": "Đã vá xong"},
        files=[("after_photos", ("sau.jpg", jpeg(gps=(20.79, 106.63)), "image/jpeg"))],
    )
    assert response.status_code == 303
    after = await Photo.select(Photo.digest).where(Photo.stage == "after").first()
    public = (await client.get(f"/api/v1/reports/{report['code']}")).json()
    assert any(p["stage"] == "after" and after["digest"] in p["url"] for p in public["photos"])
    bad = await client.post(
        f"/staff/reports/{report['code']}/act",
        data={"_csrf_token": csrf(page.text), "action": "reply", "public_text": "x"},
        files=[("after_photos", ("x.jpg", b"not an image", "image/jpeg"))],
    )
    assert bad.status_code == 400


async def test_the_reporter_confirms_and_rates_on_the_public_page(client, accounts):
    from app.platform.tables import Rating
    from tests.photos_for_tests import jpeg

    form = await client.get("/reports/new")
    sent = await client.post(
        "/reports/new",
        data={
            "_csrf_token": csrf(form.text),
            "category": "waste",
            "description": "Rác đầu ngõ 7",
            "address": "phường Phù Liễn, Hải Phòng",
        },  # fmt: skip
        files=[("photos", ("rac.jpg", jpeg(), "image/jpeg"))],
    )
    code = sent.headers["location"].split("/r/")[1].split("?")[0]
    report = await Report.select(Report.id).where(Report.code == code).first()
    officer = await load_actor(accounts["canbo.phulien"])
    for step in ("accept", "resolve"):
        await perform(officer, report["id"], Step(step, public_text="Đã thu dọn"))
    page = await client.get(f"/r/{code}")
    assert "Vấn đề đã được xử lý chưa?" in page.text
    assert (
        await client.post(f"/r/{code}/answer", data={"_csrf_token": csrf(page.text), "fixed": "1"})
    ).status_code == 303
    page = await client.get(f"/r/{code}")
    assert "Bạn đánh giá việc xử lý thế nào?" in page.text
    rated = await client.post(f"/r/{code}/rate", data={"_csrf_token": csrf(page.text), "stars": "4"})
    assert rated.status_code == 303 and await Rating.count() == 1
    again = await client.post(f"/r/{code}/rate", data={"_csrf_token": csrf(page.text), "stars": "5"})
    assert again.status_code == 400 and await Rating.count() == 1
    client.cookies.delete("gd_device")  # someone else cannot answer for the reporter
    stranger = await client.post(f"/r/{code}/answer", data={"_csrf_token": csrf(page.text), "fixed": "0"})
    assert stranger.status_code == 400
