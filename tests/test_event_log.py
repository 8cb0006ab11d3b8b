"""The event log is the truth: every change to a report is an event carrying what changed, and
the report row is what its events make of it — for the demo data and for random workflows."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.rules import load_actor
from app.casework.steps import CaseError, Refused, Step, perform
from app.casework.sweep import sweep
from app.participation.moderation import flag_report
from app.platform import i18n
from app.platform.photos import MediaStore, process_photo
from app.platform.tables import (
    DeadlineMark,
    Flag,
    Follow,
    InboxNotification,
    Outbox,
    Photo,
    Report,
    ReportEvent,
    StaffRole,
    Support,
    Ward,
)
from app.reporting.feedback import FeedbackError, answer
from app.reporting.moderation import public_description, withheld_photos
from app.reporting.projection import Projection, project
from app.reporting.reports import rebuilt
from app.reporting.submission import support
from tests.photos_for_tests import jpeg
from tests.workspace_helpers import KIEN_AN, PHU_LIEN, new_report, resident, staff_accounts

OPEN = {"received", "accepted", "in_progress"}


@pytest.fixture
async def accounts(database):
    return await staff_accounts()


async def assert_row_is_its_events(report_id: int) -> None:
    row = await Report.select().where(Report.id == report_id).first()
    assert await rebuilt(report_id) == Projection.of_row(row), row["code"]


async def test_every_demo_report_is_rebuilt_from_its_events(database, settings):
    from app.demo import seed_demo

    await seed_demo(MediaStore(settings.media_dir))
    ids = [r["id"] for r in await Report.select(Report.id)]
    assert len(ids) >= 40
    for report_id in ids:
        await assert_row_is_its_events(report_id)
    # The demo's overdue cases moved their deadlines and went up: the log says so, not only the row.
    assert await Report.count().where(Report.escalated.eq(True)) == await Report.count().where(
        Report.id.is_in(
            ReportEvent.select(ReportEvent.report).where(ReportEvent.kind == "escalated")
        )
    )


async def events_of(report_id: int, kind: str) -> list[dict]:
    return await ReportEvent.select().where(
        ReportEvent.report == report_id, ReportEvent.kind == kind
    ).order_by(ReportEvent.id).output(load_json=True)  # fmt: skip


async def test_each_change_is_an_event_that_says_what_changed(fixed_clock, accounts, settings):
    lead = await load_actor(accounts["lanhdao.phulien"])
    officer = await load_actor(accounts["canbo.phulien"])
    original = await new_report(reporter=await resident("a"))
    repeat = await new_report(reporter=await resident("b"))
    phu_lien = (await Ward.select(Ward.id).where(Ward.code == PHU_LIEN).first())["id"]
    kien_an = (await Ward.select(Ward.id).where(Ward.code == KIEN_AN).first())["id"]

    await perform(lead, original["id"], Step("assign", assignee_id=officer.person_id))
    assert (await events_of(original["id"], "assigned"))[-1]["data"]["assignee_id"] == officer.person_id
    await perform(lead, original["id"], Step("escalate", public_text="Vượt thẩm quyền phường"))
    assert len(await events_of(original["id"], "escalated")) == 1

    fixed_clock.advance(hours=1)
    await perform(officer, repeat["id"], Step("mark_duplicate", duplicate_code=original["code"]))
    marked = (await events_of(repeat["id"], "status"))[-1]
    assert marked["data"]["duplicate_of_id"] == original["id"] and marked["created_at"] == fixed_clock.now()
    supported = await events_of(original["id"], "supported")
    assert [e["data"]["added"] for e in supported] == [1]  # the duplicate's reporter
    assert (await Support.select(Support.created_at).first())["created_at"] == fixed_clock.now()

    await perform(officer, original["id"], Step("accept"))
    photo = process_photo(jpeg())
    MediaStore(settings.media_dir).save(photo)
    await perform(officer, original["id"], Step("resolve", public_text="Đã vá", after_photos=(photo,)))
    resolved = (await events_of(original["id"], "status"))[-1]
    assert resolved["data"]["photos"] == [photo.digest]
    after = await Photo.select(Photo.event, Photo.stage).where(Photo.digest == photo.digest).first()
    assert after == {"event": resolved["id"], "stage": "after"}

    await perform(officer, original["id"], Step("reopen"))
    await perform(officer, original["id"], Step("transfer", target_ward_code=KIEN_AN, public_text="Sai"))
    moved = (await events_of(original["id"], "status"))[-1]
    assert (moved["data"]["from_ward_id"], moved["data"]["to_ward_id"]) == (phu_lien, kien_an)
    row = await Report.select().where(Report.id == original["id"]).first()
    projected = (row["ward"], row["assignee"], row["status"], row["support_count"])
    assert projected == (kien_an, None, "received", 1)

    fixed_clock.at = row["deadline"] + timedelta(days=1)
    await sweep()
    slip = (await events_of(original["id"], "apology"))[-1]
    moved_to = await Report.select(Report.deadline).where(Report.id == original["id"]).first()
    assert datetime.fromisoformat(slip["data"]["deadline"]) == moved_to["deadline"] > row["deadline"]
    for report_id in (original["id"], repeat["id"]):
        await assert_row_is_its_events(report_id)


async def test_working_an_unhandled_case_makes_the_officer_its_handler(accounts):
    officer = await load_actor(accounts["canbo.phulien"])
    lead = await load_actor(accounts["lanhdao.phulien"])
    supervisor = await load_actor(accounts["giamsat.haiphong"])
    mine, theirs, supervised = await new_report(), await new_report(), await new_report()
    await perform(officer, mine["id"], Step("accept"))
    await perform(lead, theirs["id"], Step("assign", assignee_id=lead.person_id))
    await perform(officer, theirs["id"], Step("accept"))
    await perform(supervisor, supervised["id"], Step("accept"))  # not of the ward: handles nothing
    assignees = {r["id"]: r["assignee"] for r in await Report.select(Report.id, Report.assignee)}
    assert assignees == {mine["id"]: officer.person_id, theirs["id"]: lead.person_id, supervised["id"]: None}
    await perform(officer, supervised["id"], Step("start"))
    row = await Report.select(Report.assignee).where(Report.id == supervised["id"]).first()
    assert row["assignee"] == officer.person_id


async def test_a_resident_cannot_support_their_own_report_or_a_finished_one(accounts):
    reporter, neighbour = await resident("reporter"), await resident("neighbour")
    report = await new_report(reporter=reporter)
    assert not await support(reporter, report["id"])
    assert await support(neighbour, report["id"])
    assert not await support(neighbour, report["id"])  # counted once
    row = await Report.select(Report.support_count).where(Report.id == report["id"]).first()
    assert row["support_count"] == 1 == await Support.count()
    lead = await load_actor(accounts["lanhdao.phulien"])
    await perform(lead, report["id"], Step("reject", public_text="Không thuộc thẩm quyền"))
    assert not await support(await resident("late"), report["id"])
    await assert_row_is_its_events(report["id"])


async def test_slips_and_escalations_are_written_in_the_default_language(fixed_clock, accounts):
    report = await new_report()
    token = i18n.current_language.set("en")  # the sweep ran while an English request was served
    try:
        fixed_clock.at = report["deadline"] + timedelta(hours=1)
        await sweep()
    finally:
        i18n.current_language.reset(token)
    events = await ReportEvent.select(ReportEvent.kind, ReportEvent.public_text)
    texts = {e["kind"]: e["public_text"] for e in events}
    assert texts["apology"].startswith("UBND xin lỗi ông/bà")
    assert texts["escalated"] == "Quá hạn giải quyết: báo cáo lên cấp tỉnh."


# A random workflow: staff of every kind try every step on two reports, residents support and
# answer, the sweep runs as days pass. The checks below do not read the state machine's table.
STAFF = ["canbo.phulien", "lanhdao.phulien", "canbo.kienan", "giamsat.haiphong", "thanhtra.phulien",
         "clerk.phulien", "admin"]  # fmt: skip
STEPS = ["accept", "start", "resolve", "reply", "note", "reject", "reopen", "transfer", "mark_duplicate",
         "escalate", "assign", "take", "supervise",
         "redact", "restore_text", "hide_photo", "restore_photo"]  # fmt: skip
# Each report carries two photos (stand-in digests: moderation reads only the rows); residents
# flag the description or a photo, and two flags withhold it.
PHOTOS = ["a" * 64, "b" * 64]
ORIGINAL = "Ổ gà trước cổng trường"
FLAGS_TO_HIDE = 2
# Those who may do most are drawn more often, and most steps come with their texts, so that
# the runs reach every status rather than mostly collecting refusals.
ACTING = STAFF + ["lanhdao.phulien", "lanhdao.phulien", "admin", "canbo.phulien"]
staff_move = st.tuples(st.just("staff"), st.sampled_from(ACTING), st.sampled_from(STEPS), st.integers(0, 1),
                       st.sampled_from(STAFF), st.sampled_from([PHU_LIEN, KIEN_AN]),
                       st.sampled_from([True] * 9 + [False]))  # fmt: skip
resident_move = st.tuples(st.sampled_from(["support", "answer", "flag"]), st.integers(0, 2),
                          st.integers(0, 1), st.booleans())  # fmt: skip
sweep_move = st.tuples(st.just("sweep"), st.integers(1, 12))
moves = st.lists(st.one_of(staff_move, staff_move, staff_move, staff_move, resident_move, sweep_move),
                 min_size=12, max_size=30)
_example = itertools.count()


async def state_of(ids: list[int]) -> dict[int, dict]:
    rows = {r["id"]: {**r, "events": []} for r in await Report.select().where(Report.id.is_in(ids))}
    events = await ReportEvent.select().where(ReportEvent.report.is_in(ids)).order_by(ReportEvent.id).output(
        load_json=True)  # fmt: skip
    for event in events:
        rows[event["report"]]["events"].append(event)
    return rows


async def check_invariants(before: dict[int, dict], after: dict[int, dict], move: tuple, done: bool) -> None:
    for report_id, now in after.items():
        was = before[report_id]
        new_events = now["events"][len(was["events"]):]
        assert now["events"][: len(was["events"])] == was["events"], "the log is append-only"
        if not done:
            assert not new_events, f"a refused step left a trace: {move}"
        # Rejected and closed-duplicate are absorbing.
        if was["status"] == "rejected":
            assert now["status"] == "rejected"
        if was["duplicate_of"] is not None:
            assert (now["status"], now["duplicate_of"]) == ("closed", was["duplicate_of"])
        # Every status change is exactly one event, and the status events chain up.
        status_events = [e for e in new_events if e["kind"] == "status"]
        assert len(status_events) <= 1
        if now["status"] != was["status"]:
            assert len(status_events) == 1
        chain = [e for e in now["events"] if e["to_status"]]
        assert chain[0]["kind"] == "created" and chain[0]["to_status"] == "received"
        for previous, event in itertools.pairwise(chain):
            assert event["from_status"] == previous["to_status"]
        assert chain[-1]["to_status"] == now["status"]
        # Closed only after resolved, or as a duplicate.
        for event in status_events:
            if event["to_status"] == "closed":
                assert event["from_status"] == "resolved" or event["data"].get("duplicate_of_id"), event
        if move[0] == "staff" and move[2] == "escalate" and any(e["kind"] == "escalated" for e in new_events):
            assert was["status"] in OPEN
        # Only an officer or a lead of the report's own ward ever handles it.
        if now["assignee"] is not None:
            assert await StaffRole.exists().where(
                StaffRole.person == now["assignee"], StaffRole.ward == now["ward"],
                StaffRole.role.is_in(["officer", "ward_lead"]),
            )  # fmt: skip
        assert project(now["events"]) == Projection.of_row(now)
        # The original description never enters the log, so no timeline can show it; while
        # withheld or redacted, the public reads something else.
        for event in now["events"]:
            assert ORIGINAL not in json.dumps(event["data"], ensure_ascii=False) + event["public_text"]
        if now["description_state"] in ("pending", "redacted"):
            assert public_description(now) != ORIGINAL
        else:
            assert public_description(now) == ORIGINAL
        # A photo is withheld only by a moderator or after enough different people flagged it.
        for digest in withheld_photos(now):
            photo = await Photo.select(Photo.id).where(
                Photo.report == report_id, Photo.digest == digest).first()  # fmt: skip
            hidden_by_staff = any(e["kind"] == "photo_hidden" and e["data"]["photo"] == digest
                                  for e in now["events"])  # fmt: skip
            flags = await Flag.count().where(Flag.target_kind == "photo", Flag.target_id == photo["id"])
            assert hidden_by_staff or flags >= FLAGS_TO_HIDE


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=moves)
async def test_random_workflows_keep_the_invariants(fixed_clock, accounts, moves):
    actors = {name: await load_actor(accounts[name]) for name in STAFF}
    n = next(_example)
    residents = [await resident(f"r{n}-{i}") for i in range(3)]
    reports = [await new_report(reporter=residents[0]), await new_report(reporter=residents[1])]
    ids = [r["id"] for r in reports]
    await with_photos(ids)
    try:
        await run(moves, actors, accounts, residents, reports, fixed_clock)
    finally:  # the sweep looks at every report: leave none behind for the next example
        await forget(ids)


async def with_photos(ids: list[int]) -> None:
    """The stand-in PHOTOS on each report, for the moves that moderate or flag a photo."""
    for report_id in ids:
        await Photo.insert(*[Photo(report=report_id, digest=d, width=640, height=480, position=i)
                             for i, d in enumerate(PHOTOS)])  # fmt: skip


async def forget(ids: list[int]) -> None:
    photo_ids = [p["id"] for p in await Photo.select(Photo.id).where(Photo.report.is_in(ids))]
    await Flag.delete().where(
        ((Flag.target_kind == "report") & Flag.target_id.is_in(ids))
        | ((Flag.target_kind == "photo") & Flag.target_id.is_in(photo_ids or [0]))
    )
    for table in (Photo, ReportEvent, Follow, Support, DeadlineMark, Outbox, InboxNotification):
        await table.delete().where(table.report.is_in(ids))
    await Report.update({Report.duplicate_of: None}).where(Report.id.is_in(ids))
    await Report.delete().where(Report.id.is_in(ids))


async def run(moves, actors, accounts, residents, reports, fixed_clock) -> None:
    ids = [r["id"] for r in reports]
    before = await state_of(ids)
    for move in moves:
        fixed_clock.advance(hours=1)
        done = True
        if move[0] == "staff":
            _, who, step, which, assignee, ward, with_text = move
            text = "Nội dung" if with_text else ""
            try:
                await perform(actors[who], ids[which], Step(
                    step, public_text=text, internal_note=text, target_ward_code=ward,
                    duplicate_code=reports[1 - which]["code"], assignee_id=accounts[assignee],
                    redacted_text="Ổ gà [đã ẩn]" if with_text else "", photo=PHOTOS[which]))  # fmt: skip
            except (Refused, CaseError):
                done = False
        elif move[0] == "support":
            done = await support(residents[move[1]], ids[move[2]])
        elif move[0] == "flag":
            photo = PHOTOS[move[1] % 2] if move[3] else ""
            done = await flag_report(ids[move[2]], residents[move[1]], "personal", FLAGS_TO_HIDE, photo=photo)
        elif move[0] == "answer":
            row = await Report.select().where(Report.id == ids[move[2]]).first()
            try:
                await answer(row, residents[move[1]], fixed=move[3], comment="Vẫn còn hỏng")
            except FeedbackError:
                done = False
        else:
            fixed_clock.advance(days=move[1])
            await sweep()
        after = await state_of(ids)
        await check_invariants(before, after, move, done)
        before = after
