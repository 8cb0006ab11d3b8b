"""The deadline sweep of reports, run periodically inside the server and by `gandan sweep`
(cron), before the participation sweep (app/participation/sweep.py).

- One working day before a deadline, the assignee (or, if none, the ward's staff) is warned.
- When a deadline passes with the report still open, the ward writes an apology slip
  ("Phiếu xin lỗi và hẹn lại ngày trả kết quả": the reason, a new date, the ward lead's name
  and title) onto the public timeline, the followers are told, and the case is escalated to
  the province — exactly once per missed deadline, even when two sweeps run at once. The new
  date becomes the deadline, so missing it again starts the same again.
- A resolved report that its reporter neither confirmed nor disputed within 7 days closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.casework.signing import signer
from app.casework.steps import escalate
from app.casework.workflow import Action, IllegalTransition, Status
from app.platform import clock
from app.platform.db import UNIQUE_VIOLATIONS, write_transaction
from app.platform.deadlines import deadline_for
from app.platform.i18n import N_, in_default_language
from app.platform.tables import Category, DeadlineMark, Report
from app.reporting.public import status_is_open
from app.reporting.reports import add_event, apply_action
from notifications import notify

CONFIRM_DAYS = 7
# Written onto the public record in the default language (Vietnamese); English in the catalog.
AUTO_CLOSE_TEXT = N_("Closed automatically: the reporter did not answer within 7 days.")
APOLOGY_REASON = N_(
    "The People's Committee apologises for not resolving your report by the promised date. "
    "We continue working on it and will give you the result by the date below."
)
OVERDUE_ESCALATION = N_("Deadline missed: reported up to the province.")


@dataclass
class SweepResult:
    warned: int = 0
    apologised: int = 0
    auto_closed: int = 0


async def _mark(report_id: int, kind: str, deadline: datetime) -> bool:
    """Claim this (report, kind, deadline) for this sweep; False if another got it first."""
    try:
        await DeadlineMark.insert(DeadlineMark(report=report_id, kind=kind, deadline=deadline))
    except UNIQUE_VIOLATIONS:
        return False
    return True


async def _warn_due_soon(now: datetime) -> int:
    horizon = deadline_for(now, working_days=1)
    due = await Report.select(Report.id, Report.ward, Report.assignee, Report.deadline).where(
        status_is_open(),
        Report.deadline > now, Report.deadline <= horizon,
    )  # fmt: skip
    warned = 0
    for report in due:
        async with write_transaction():
            if not await _mark(report["id"], "warned", report["deadline"]):
                continue
            people = [report["assignee"]] if report["assignee"] else await notify.ward_staff(report["ward"])
            await notify.tell(people, "due_soon", report["id"], deadline=report["deadline"].isoformat())
            warned += 1
    return warned


async def _apologise_for_overdue(now: datetime) -> int:
    overdue = await Report.select(
        Report.id, Report.ward, Report.deadline, Report.category, Report.escalated
    ).where(status_is_open(), Report.deadline < now)
    done = 0
    for report in overdue:
        async with write_transaction():
            if not await _mark(report["id"], "overdue", report["deadline"]):
                continue
            category = (
                await Category.select(Category.deadline_working_days)
                .where(Category.id == report["category"])
                .first()
            )
            # The new date: as many working days again as the category allows (at least 2).
            days = max(2, category["deadline_working_days"] or 0)
            new_deadline = deadline_for(now, working_days=days)
            await add_event(
                report["id"], "apology", public_text=in_default_language(APOLOGY_REASON), at=now,
                data={"missed": report["deadline"].isoformat(), "deadline": new_deadline.isoformat(),
                      "new_date": new_deadline.date().isoformat(), **await signer(report["ward"])},
            )  # fmt: skip
            await notify.tell(await notify.followers(report["id"]), "apology", report["id"],
                              new_date=new_deadline.date().isoformat())  # fmt: skip
            await escalate(report, None, in_default_language(OVERDUE_ESCALATION), at=now)
            done += 1
    return done


async def _auto_close(now: datetime) -> int:
    cutoff = now - timedelta(days=CONFIRM_DAYS)
    stale = await Report.select(Report.id).where(
        Report.status == Status.RESOLVED, Report.resolved_at < cutoff
    )
    closed = 0
    for report in stale:
        try:
            await apply_action(report["id"], Action.CLOSE, at=now,
                               public_text=in_default_language(AUTO_CLOSE_TEXT))  # fmt: skip
        except IllegalTransition:  # a concurrent sweep, or the reporter, was quicker
            continue
        closed += 1
    return closed


async def sweep(now: datetime | None = None) -> SweepResult:
    now = now or clock.now()
    return SweepResult(
        warned=await _warn_due_soon(now),
        apologised=await _apologise_for_overdue(now),
        auto_closed=await _auto_close(now),
    )
