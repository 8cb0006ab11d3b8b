"""Deadline warnings, apology slips with escalation, the reporter's answer and auto-closing,
all under a fixed clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from app.accounts.rules import load_actor
from app.casework.steps import Step, perform
from app.casework.sweep import sweep
from app.platform.clock import VIETNAM
from app.platform.tables import InboxNotification, Rating, Report, ReportEvent
from app.reporting.feedback import FeedbackError, answer, rate
from tests.workspace_helpers import new_report, resident, staff_accounts


@pytest.fixture
async def accounts(database):
    return await staff_accounts()


def inbox(kind: str, person: int | None = None):
    query = InboxNotification.count().where(InboxNotification.kind == kind)
    return query.where(InboxNotification.person == person) if person else query


async def test_the_assignee_is_warned_once_a_working_day_before(fixed_clock, accounts):
    # Friday 20 Nov 09:00; roads take 5 working days: 23, 25, 26, 27 and 30 November (the
    # 24th is Vietnam Culture Day): Monday 30 Nov at 17:00.
    report = await new_report()
    assert report["deadline"] == datetime(2026, 11, 30, 17, 0, tzinfo=VIETNAM)
    officer = accounts["canbo.phulien"]
    await perform(await load_actor(officer), report["id"], Step("take"))
    fixed_clock.at = datetime(2026, 11, 26, 18, 0, tzinfo=VIETNAM)  # two working days before
    assert (await sweep()).warned == 0
    fixed_clock.at = datetime(2026, 11, 27, 18, 0, tzinfo=VIETNAM)  # within one working day
    assert (await sweep()).warned == 1
    assert (await sweep()).warned == 0
    assert await inbox("due_soon", officer) == 1


async def test_a_missed_deadline_gives_one_apology_slip_and_an_escalation(fixed_clock, accounts):
    reporter = await resident()
    await new_report(reporter=reporter)
    fixed_clock.at = datetime(2026, 12, 1, 8, 0, tzinfo=VIETNAM)  # the day after the deadline
    results = await asyncio.gather(sweep(), sweep(), sweep())  # three sweeps at the same moment
    assert sum(r.apologised for r in results) == 1
    slips = await ReportEvent.select().where(ReportEvent.kind == "apology").output(load_json=True)
    assert len(slips) == 1 and slips[0]["is_public"]
    slip = slips[0]["data"]
    assert slip["signer"] == "Nguyễn Văn Hùng" and slip["signer_title"] == "Chủ tịch UBND phường Phù Liễn"
    row = await Report.select(Report.deadline, Report.escalated).first()
    assert row["escalated"] and row["deadline"].astimezone(VIETNAM).date().isoformat() == slip["new_date"]
    assert await inbox("apology", reporter) == 1
    assert await inbox("escalated", accounts["giamsat.haiphong"]) == 1
    assert (await sweep()).apologised == 0
    # Missing the new date too gives a second slip: one per missed deadline.
    fixed_clock.at = row["deadline"] + timedelta(hours=1)
    assert (await sweep()).apologised == 1
    assert await ReportEvent.count().where(ReportEvent.kind == "apology") == 2


async def test_reporter_reopens_then_confirms_and_rates_once(fixed_clock, accounts):
    reporter = await resident()
    report = await new_report(reporter=reporter)
    officer = await load_actor(accounts["canbo.phulien"])
    for step in ("accept", "resolve"):
        await perform(officer, report["id"], Step(step, public_text="Đã xử lý"))
    current = await Report.select().first()
    with pytest.raises(FeedbackError):
        await answer(current, await resident("someone-else"), fixed=True)
    with pytest.raises(FeedbackError):
        await answer(current, reporter, fixed=False)  # says what is wrong, or it is refused
    reopened = await answer(current, reporter, fixed=False, comment="Ổ gà vẫn còn")
    assert reopened["status"] == "in_progress" and reopened["resolved_at"] is None
    assert await inbox("reopened", accounts["canbo.phulien"]) == 1
    await perform(officer, report["id"], Step("resolve", public_text="Đã vá lại"))
    closed = await answer(await Report.select().first(), reporter, fixed=True)
    assert closed["status"] == "closed"
    await rate(closed, reporter, 5, "Cảm ơn phường")
    with pytest.raises(FeedbackError):
        await rate(closed, reporter, 4)
    assert await Rating.count() == 1


async def test_silence_closes_a_resolved_report_after_seven_days(fixed_clock, accounts):
    reporter = await resident()
    report = await new_report(reporter=reporter)
    officer = await load_actor(accounts["canbo.phulien"])
    await perform(officer, report["id"], Step("accept"))
    await perform(officer, report["id"], Step("resolve", public_text="Đã xử lý"))
    fixed_clock.advance(days=6, hours=23)
    assert (await sweep()).auto_closed == 0
    with pytest.raises(FeedbackError):
        pass_the_window = await Report.select().first()
        fixed_clock.advance(hours=2)
        await answer(pass_the_window, reporter, fixed=True)  # too late to answer
    results = await asyncio.gather(sweep(), sweep())
    assert sum(r.auto_closed for r in results) == 1
    assert (await Report.select(Report.status).first())["status"] == "closed"
    assert await ReportEvent.count().where(ReportEvent.to_status == "closed") == 1
