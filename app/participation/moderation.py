"""Moderation by the ward lead: comments hidden or restored with a public reason, whatever
they are attached to. A kind of target (a proposal, later) adds how to find its ward here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from app.accounts.policy import Actor, Place
from app.participation import comments, consultations
from app.platform.tables import Comment

# The ward each kind of comment target belongs to: {"ward_id", "province_id"} or None.
TARGET_WARDS: dict[str, Callable[[int], Awaitable[dict | None]]] = {"consultation": consultations.ward_of}


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
