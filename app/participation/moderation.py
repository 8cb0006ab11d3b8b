"""Moderation by the ward lead of what residents publish: comments (on consultations and
proposals) hidden or restored with a public reason, and a report's description and photos,
which anyone may flag. A kind of comment target adds how to find its ward here.

A report's description or photo flagged by FLAGS_TO_HIDE different people is withheld pending
moderation, as a comment is; the moderator then redacts or restores the description, hides or
restores the photo, from the case page (casework/steps.py), always with a public note.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.accounts.policy import Actor, Place
from app.participation import comments, consultations, proposals
from app.platform.db import write_transaction
from app.platform.i18n import gettext as _
from app.platform.tables import Comment, Flag, Photo, Proposal, Report
from app.reporting.moderation import locked_report, withhold_after_flags

# The ward each kind of comment target belongs to: {"ward_id", "province_id"} or None.
TARGET_WARDS: dict[str, Callable[[int], Awaitable[dict | None]]] = {
    "consultation": consultations.ward_of,
    "proposal": proposals.ward_of,
}


async def comment_place(comment_id: int) -> Place | None:
    row = await Comment.select(Comment.target_kind, Comment.target_id).where(Comment.id == comment_id).first()
    if row is None:
        return None
    ward = await TARGET_WARDS[row["target_kind"]](row["target_id"])
    return Place(ward["ward_id"], ward["province_id"]) if ward else None


async def moderate_comment(actor: Actor, comment_id: int, *, hide: bool, reason: str) -> None:
    place = await comment_place(comment_id)
    if place is None:
        raise LookupError(comment_id)
    await comments.moderate(actor, comment_id, place, hide=hide, reason=reason)


# --- reports ------------------------------------------------------------------------------------


async def flag_report(
    report_id: int, person_id: int, reason: str, flags_to_hide: int, photo: str = ""
) -> bool:
    """Flag a report's description, or its photo with digest `photo`, once per person; whether
    this flag was new. The flag that makes `flags_to_hide` withholds it pending moderation
    (unless a moderator already decided on it). The report's row is locked first, so that
    flags arriving together count up one by one and the N-th is the one that withholds."""
    async with write_transaction():
        report = await locked_report(report_id)
        if report is None:
            raise LookupError(report_id)
        if photo:
            found = (
                await Photo.select(Photo.id).where(Photo.report == report_id, Photo.digest == photo).first()
            )
            if found is None:
                raise comments.CommentError(_("Choose one of the report's photos."))
            target = ("photo", found["id"])
        else:
            target = ("report", report_id)
        added = await comments.flag(*target, person_id, reason, flags_to_hide)
        if added:
            flags = await Flag.count().where(Flag.target_kind == target[0], Flag.target_id == target[1])
            if flags >= flags_to_hide:
                await withhold_after_flags(report, photo or None)
    return added


async def report_flags(report_id: int) -> dict:
    """The flags on a report, for its case page: {"description": {reason: n}, digest: {...}}."""
    photos = {
        p["id"]: p["digest"]
        for p in await Photo.select(Photo.id, Photo.digest).where(Photo.report == report_id)
    }
    rows = await Flag.select(Flag.target_kind, Flag.target_id, Flag.reason).where(
        ((Flag.target_kind == "report") & (Flag.target_id == report_id))
        | ((Flag.target_kind == "photo") & Flag.target_id.is_in(list(photos) or [0]))
    )
    counted: dict[str, dict[str, int]] = {}
    for row in rows:
        what = "description" if row["target_kind"] == "report" else photos[row["target_id"]]
        reasons = counted.setdefault(what, {})
        reasons[row["reason"]] = reasons.get(row["reason"], 0) + 1
    return counted


async def withheld_reports(ward_ids: frozenset[int] | None, limit: int = 100) -> list[dict]:
    """Reports of these wards (None: all) with a description or photo withheld pending a
    moderator's decision: the moderator's queue, oldest first."""
    select = Report.select(
        Report.code, Report.description_state, Report.photo_moderation, Report.updated_at
    ).where((Report.description_state == "pending") | Report.photo_moderation.like("%:pending%"))
    if ward_ids is not None:
        select = select.where(Report.ward.is_in(sorted(ward_ids) or [0]))
    return await select.order_by(Report.updated_at).limit(limit)


async def flagged_proposal_comments(ward_ids: frozenset[int] | None) -> list[dict]:
    """Flagged comments on the proposals of these wards (None: all), pending ones first, for
    the moderation page; a consultation's are on its own staff page."""
    select = Proposal.select(Proposal.id)
    if ward_ids is not None:
        select = select.where(Proposal.ward.is_in(sorted(ward_ids) or [0]))
    flagged = await comments.flagged("proposal", [p["id"] for p in await select])
    return [{**f, "page": comments.TARGET_PAGES["proposal"].format(id=f["target_id"])} for f in flagged]
