"""Public comments on what residents discuss — a consultation now, a proposal later — named
by a target kind and id, with replies, supports (one per person), flags and moderation.

A comment never shows who wrote it: the public sees "a resident", or the residential group
the ward verified its author in. Anyone may flag a comment as spam, offensive or off topic;
once FLAGS_TO_HIDE different people have, it is hidden until a moderator (the ward lead)
hides it for good or restores it, with a reason everyone can read.
"""

from __future__ import annotations

from app.accounts.policy import Act, Actor, Place, allows
from app.participation.verification import verification_of
from app.platform import clock
from app.platform.db import for_update, write_transaction
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.tables import Comment, CommentSupport, Flag

# The things comments attach to, and how to find the ward (and province) each belongs to.
TARGET_KINDS = ("consultation", "proposal")
FLAG_REASONS = {
    "spam": N_("Spam or advertising"),
    "offensive": N_("Offensive or abusive"),
    "off_topic": N_("Off topic"),
    "personal": N_("Personal data (a face, a licence plate, a phone number)"),
}
# Where the public page of each kind of target is.
TARGET_PAGES = {"consultation": "/consultations/{id}", "proposal": "/proposals/{id}"}
MAX_COMMENT_CHARS = 2000
# What the public sees of each state; a pending comment awaits the moderator.
SHOWN_STATES = ("visible", "restored")
STATE_LABELS = {
    "pending": N_("Hidden after several flags, until a moderator reviews it."),
    "hidden": N_("Hidden by the moderator"),
    "restored": N_("Restored by the moderator"),
}


class CommentError(ValueError):
    """What is wrong with a comment, a support or a flag, for the resident to act on."""


async def post(
    target_kind: str, target_id: int, ward_id: int, person_id: int, body: str, parent_id: int | None = None
) -> int:
    """A new comment (or a reply to `parent_id`) by a resident; its id. The caller checks the
    target exists and may be commented on; `ward_id` is the ward it belongs to."""
    if target_kind not in TARGET_KINDS:
        raise ValueError(target_kind)
    text = body.strip()
    if not 2 <= len(text) <= MAX_COMMENT_CHARS:
        raise CommentError(_("A comment needs 2 to 2,000 characters."))
    if parent_id is not None:
        parent = (
            await Comment.select(Comment.id, Comment.parent)
            .where(
                Comment.id == parent_id, Comment.target_kind == target_kind, Comment.target_id == target_id
            )
            .first()
        )
        if parent is None:
            raise CommentError(_("The comment you reply to is not here."))
        parent_id = parent["parent"] or parent["id"]  # replies stay one level deep
    verified = await verification_of(person_id, ward_id)
    comment = Comment(
        target_kind=target_kind,
        target_id=target_id,
        parent=parent_id,
        person=person_id,
        author_group=(verified["group_name"] or verified["ward_name"]) if verified else "",
        body=text,
        created_at=clock.now(),
    )
    await comment.save()
    return comment.id


async def support(comment_id: int, person_id: int) -> int:
    """Support a comment once per person; the comment's support count."""
    async with write_transaction():
        added = (
            await CommentSupport.insert(
                CommentSupport(comment=comment_id, person=person_id, created_at=clock.now())
            )
            .on_conflict(action="DO NOTHING")
            .returning(CommentSupport.id)
        )
        if added:
            await Comment.update({Comment.support_count: Comment.support_count + 1}).where(
                Comment.id == comment_id
            )
    row = await Comment.select(Comment.support_count).where(Comment.id == comment_id).first()
    return row["support_count"]


async def flag(target_kind: str, target_id: int, person_id: int, reason: str, flags_to_hide: int) -> bool:
    """Flag a comment (or a report's description, target_kind "report", or one of its photos,
    "photo" with the photo's id: see moderation.flag_report) once per person; whether this flag
    was new. A comment flagged by `flags_to_hide` people is hidden pending moderation, unless
    a moderator already restored it."""
    if reason not in FLAG_REASONS:
        raise CommentError(_("Choose why you flag it."))
    async with write_transaction():
        added = (
            await Flag.insert(
                Flag(
                    target_kind=target_kind,
                    target_id=target_id,
                    person=person_id,
                    reason=reason,
                    created_at=clock.now(),
                )
            )
            .on_conflict(action="DO NOTHING")
            .returning(Flag.id)
        )
        if added and target_kind == "comment":
            await Comment.update({Comment.flag_count: Comment.flag_count + 1}).where(Comment.id == target_id)
            await Comment.update({Comment.state: "pending"}).where(
                Comment.id == target_id, Comment.state == "visible", Comment.flag_count >= flags_to_hide
            )
    return bool(added)


async def moderate(actor: Actor, comment_id: int, place: Place, *, hide: bool, reason: str) -> None:
    """Hide a comment for good, or restore it, with a public reason. `place` is the ward of
    what it comments on."""
    if not allows(actor, Act.MODERATE, place):
        raise PermissionError(_("You may not moderate this ward's comments."))
    reason = " ".join(reason.split())
    if not 3 <= len(reason) <= 300:
        raise CommentError(_("Give a public reason of 3 to 300 characters."))
    async with write_transaction():
        row = await for_update(Comment.select(Comment.id).where(Comment.id == comment_id)).first()
        if row is None:
            raise LookupError(comment_id)
        await Comment.update(
            {
                Comment.state: "hidden" if hide else "restored",
                Comment.moderation_reason: reason,
                Comment.moderated_by: actor.person_id,
                Comment.moderated_at: clock.now(),
            }
        ).where(Comment.id == comment_id)


def _public(row: dict, supported: set[int]) -> dict:
    shown = row["state"] in SHOWN_STATES
    return {
        "id": row["id"],
        "parent": row["parent"],
        "state": row["state"],
        "author": row["author_group"] or None,  # None: shown as "a resident"
        "body": row["body"] if shown else None,
        "support_count": row["support_count"],
        "moderation_reason": row["moderation_reason"] or None,
        "created_at": row["created_at"],
        "supported": row["id"] in supported,
    }


async def thread(target_kind: str, target_id: int, person_id: int | None = None) -> list[dict]:
    """The public comments on a target, oldest first, each with its replies. Hidden ones keep
    their place but not their text. Never who wrote them."""
    rows = (
        await Comment.select(
            Comment.id,
            Comment.parent,
            Comment.state,
            Comment.author_group,
            Comment.body,
            Comment.support_count,
            Comment.moderation_reason,
            Comment.created_at,
        )
        .where(Comment.target_kind == target_kind, Comment.target_id == target_id)
        .order_by(Comment.id)
    )
    supported = set()
    if person_id is not None and rows:
        supported = {
            s["comment"]
            for s in await CommentSupport.select(CommentSupport.comment).where(
                CommentSupport.person == person_id, CommentSupport.comment.is_in([r["id"] for r in rows])
            )
        }
    comments = [_public(r, supported) for r in rows]
    replies: dict[int, list[dict]] = {}
    for c in comments:
        if c["parent"]:
            replies.setdefault(c["parent"], []).append(c)
    return [{**c, "replies": replies.get(c["id"], [])} for c in comments if not c["parent"]]


async def public_thread(target_kind: str, target_id: int) -> list[dict]:
    """The thread as the API gives it to anyone: nobody's own supports, nobody's name."""
    return [
        {k: v for k, v in c.items() if k != "supported"}
        | {"replies": [{k: v for k, v in r.items() if k != "supported"} for r in c["replies"]]}
        for c in await thread(target_kind, target_id)
    ]


async def page_of(comment_id: int) -> str | None:
    """The public page a comment is on."""
    row = await Comment.select(Comment.target_kind, Comment.target_id).where(Comment.id == comment_id).first()
    return TARGET_PAGES[row["target_kind"]].format(id=row["target_id"]) if row else None


async def flagged(target_kind: str, target_ids: list[int]) -> list[dict]:
    """Comments on these targets that someone flagged, pending ones first: the moderator's
    queue, with the text (hidden ones too) and the reasons given."""
    rows = (
        await Comment.select(
            Comment.id,
            Comment.target_id,
            Comment.state,
            Comment.body,
            Comment.flag_count,
            Comment.moderation_reason,
            Comment.created_at,
        )
        .where(
            Comment.target_kind == target_kind,
            Comment.target_id.is_in(target_ids or [0]),
            Comment.flag_count > 0,
        )
        .order_by(Comment.id, ascending=False)
    )
    reasons: dict[int, dict[str, int]] = {}
    for f in await Flag.select(Flag.target_id, Flag.reason).where(
        Flag.target_kind == "comment", Flag.target_id.is_in([r["id"] for r in rows] or [0])
    ):
        counted = reasons.setdefault(f["target_id"], {})
        counted[f["reason"]] = counted.get(f["reason"], 0) + 1
    order = {"pending": 0, "visible": 1, "restored": 2, "hidden": 3}
    return sorted(({**r, "reasons": reasons.get(r["id"], {})} for r in rows), key=lambda r: order[r["state"]])
