"""Closing the loop with the reporter: confirm the fix, say it is not fixed, rate the handling."""

from __future__ import annotations

from datetime import timedelta

from app.casework.sweep import CONFIRM_DAYS
from app.casework.workflow import Action, Status
from app.platform import clock, kept
from app.platform.db import UNIQUE_VIOLATIONS, write_transaction
from app.platform.i18n import gettext as _
from app.platform.tables import Rating
from app.reporting.reports import apply_action
from app.transparency.index_snapshots import ward_changed
from notifications import notify


class FeedbackError(ValueError):
    """Why the reporter's answer cannot be taken, in words they can act on."""


def _is_reporter(report: dict, person_id: int | None) -> bool:
    return person_id is not None and report["reporter"] == person_id


def can_confirm(report: dict, person_id: int | None) -> bool:
    return (
        _is_reporter(report, person_id)
        and report["status"] == Status.RESOLVED
        and report["resolved_at"] is not None
        and clock.now() - report["resolved_at"] <= timedelta(days=CONFIRM_DAYS)
    )


async def can_rate(report: dict, person_id: int | None) -> bool:
    return (
        _is_reporter(report, person_id)
        and report["status"] == Status.CLOSED
        and report["duplicate_of"] is None
        and not await Rating.exists().where(Rating.report == report["id"])
    )


async def answer(report: dict, person_id: int | None, fixed: bool, comment: str = "") -> dict:
    """The reporter's answer to "resolved": fixed closes it, not fixed reopens it."""
    if not can_confirm(report, person_id):
        raise FeedbackError(_("Only the reporter can answer, within 7 days of the resolution."))
    if fixed:
        return await apply_action(report["id"], Action.CLOSE, actor_id=person_id,
                                  public_text=_("The reporter confirmed the problem is fixed."))  # fmt: skip
    if not comment.strip():
        raise FeedbackError(_("Tell the ward what is still wrong."))
    async with write_transaction():
        updated = await apply_action(report["id"], Action.REOPEN, actor_id=person_id,
                                     public_text=comment.strip())  # fmt: skip
        await notify.tell(await notify.ward_staff(report["ward"]), "reopened", report["id"])
    return updated


async def rate(report: dict, person_id: int | None, stars: int, comment: str = "") -> None:
    if not await can_rate(report, person_id):
        raise FeedbackError(_("This report cannot be rated (again)."))
    if not 1 <= stars <= 5:
        raise FeedbackError(_("Choose from 1 to 5 stars."))
    try:
        async with write_transaction():
            await Rating.insert(Rating(report=report["id"], person=person_id, stars=stars,
                                       comment=comment.strip()[:1000]))  # fmt: skip
            await ward_changed(report["ward"])
    except UNIQUE_VIOLATIONS:
        raise FeedbackError(_("This report cannot be rated (again).")) from None
    kept.changed()  # the report's public view and its ward's index show ratings
