"""What the public may see of what a resident published in a report — the description and the
photos — and the moderation events that change it.

A moderator (the policy's Act.MODERATE: the ward lead) can redact the description (the public
then reads the redacted text, or nothing) or hide a photo (a face, a licence plate), and undo
either, always with a public note on the report's timeline. A description or photo flagged by
enough people is withheld pending that decision. Each change is an event (kinds below) that
the row's projection folds into description_state, redacted_description and photo_moderation.

Where the original text lives: only in the row's `description` column, read by staff. The
events carry the redacted text (public anyway) and never the original, so the public timeline
cannot show what was removed. A withheld photo stays in the media store for staff, but its
public media address answers 410 (see `photo_withheld`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.platform.db import for_update
from app.platform.i18n import N_, in_default_language
from app.platform.i18n import gettext as _
from app.platform.tables import Photo, Report
from app.reporting.projection import photo_states
from app.reporting.reports import add_event

TEXT_KINDS = ("text_pending", "text_redacted", "text_restored")
PHOTO_KINDS = ("photo_pending", "photo_hidden", "photo_restored")
MODERATION_KINDS = TEXT_KINDS + PHOTO_KINDS
# Photo states the public does not see; a description in these states is not shown as written.
WITHHELD = frozenset({"pending", "hidden"})
MAX_REASON = 300
MAX_REDACTED = 2000  # as long as a description may be

# Written onto the public timeline in the default language, as the sweep's texts are.
PENDING_TEXT = N_("Withheld after several people flagged it, until a moderator reviews it.")
PENDING_PHOTO = N_("A photo is withheld after several people flagged it, until a moderator reviews it.")
DESCRIPTION_NOTES = {
    "pending": N_("The description is withheld after several flags, until a moderator reviews it."),
    "redacted": N_("Part of the description was removed by the moderator."),
    "withheld": N_("The description was withheld by the moderator."),
}


class ModerationError(ValueError):
    """What is wrong with a moderation step, for the moderator to act on."""


def public_description(row: Mapping) -> str:
    """The description as the public may read it ("" while withheld)."""
    state = row.get("description_state") or "visible"
    if state == "pending":
        return ""
    if state == "redacted":
        return row["redacted_description"]
    return row["description"]


def description_moderation(row: Mapping) -> str | None:
    """What moderation did to the description, as the public is told (a key of
    DESCRIPTION_NOTES): pending, redacted, withheld; None when it is shown as written."""
    state = row.get("description_state") or "visible"
    if state == "redacted" and not row["redacted_description"]:
        return "withheld"
    return state if state in DESCRIPTION_NOTES else None


def withheld_photos(row: Mapping) -> frozenset[str]:
    """Digests of the report's photos the public may not see."""
    return frozenset(d for d, s in photo_states(row.get("photo_moderation") or "").items() if s in WITHHELD)


def public_timeline(events: Iterable[dict], withheld: frozenset[str]) -> list[dict]:
    """Public events with the digests of withheld photos taken out of what they carry."""
    shown = []
    for event in events:
        data = dict(event.get("data") or {})
        data.pop("photo", None)  # which photo a moderation event is about: not the public's
        data.pop("redacted", None)  # an earlier redaction may have left too much: only the latest shows
        if "photos" in data:
            data["photos"] = [d for d in data["photos"] if d not in withheld]
        shown.append({**event, "data": data})
    return shown


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not 3 <= len(reason) <= MAX_REASON:
        raise ModerationError(_("Give a public reason of 3 to 300 characters."))
    return reason


# --- steps by a moderator: called with the report's row locked (casework/steps.py) -----------


async def redact(report: dict, actor_id: int, redacted: str, reason: str) -> None:
    """Replace the public description by `redacted` ("" withholds it all)."""
    reason = _reason(reason)
    redacted = redacted.strip()
    if len(redacted) > MAX_REDACTED:
        raise ModerationError(_("The redacted description is too long (at most 2,000 characters)."))
    if redacted == report["description"].strip():
        raise ModerationError(_("Remove what must not be public from the description, or leave it empty."))
    await add_event(report["id"], "text_redacted", actor_id=actor_id, public_text=reason,
                    data={"redacted": redacted})  # fmt: skip


async def restore_text(report: dict, actor_id: int, reason: str) -> None:
    if report["description_state"] not in ("pending", "redacted"):
        raise ModerationError(_("The description is shown as written."))
    await add_event(report["id"], "text_restored", actor_id=actor_id, public_text=_reason(reason))


async def _photo_of(report: dict, digest: str) -> str:
    if not digest or not await Photo.exists().where(Photo.report == report["id"], Photo.digest == digest):
        raise ModerationError(_("Choose one of the report's photos."))
    return digest


async def hide_photo(report: dict, actor_id: int, digest: str, reason: str) -> None:
    digest = await _photo_of(report, digest)
    if photo_states(report["photo_moderation"]).get(digest) == "hidden":
        raise ModerationError(_("This photo is already hidden."))
    await add_event(report["id"], "photo_hidden", actor_id=actor_id, public_text=_reason(reason),
                    data={"photo": digest})  # fmt: skip


async def restore_photo(report: dict, actor_id: int, digest: str, reason: str) -> None:
    digest = await _photo_of(report, digest)
    if photo_states(report["photo_moderation"]).get(digest) not in WITHHELD:
        raise ModerationError(_("This photo is shown."))
    await add_event(report["id"], "photo_restored", actor_id=actor_id, public_text=_reason(reason),
                    data={"photo": digest})  # fmt: skip


# --- withheld after flags ----------------------------------------------------------------------


async def locked_report(report_id: int) -> dict | None:
    """The report's row under its lock: call inside a write transaction."""
    return await for_update(Report.select().where(Report.id == report_id)).first()


async def withhold_after_flags(report: dict, digest: str | None = None) -> bool:
    """Withhold the description (or the photo `digest`) pending moderation, unless a moderator
    already decided on it; with the report's row locked. Whether it was withheld now."""
    if digest is None:
        if report["description_state"] != "visible":
            return False
        await add_event(report["id"], "text_pending", public_text=in_default_language(PENDING_TEXT))
        return True
    if digest in photo_states(report["photo_moderation"]):
        return False
    await add_event(report["id"], "photo_pending", public_text=in_default_language(PENDING_PHOTO),
                    data={"photo": digest})  # fmt: skip
    return True


# --- reading ----------------------------------------------------------------------------------


async def photo_withheld(digest: str) -> bool:
    """Whether a media file is a report photo the public may not see. One indexed lookup."""
    rows = await Photo.select(Photo.report.photo_moderation).where(Photo.digest == digest)
    return any(digest in withheld_photos({"photo_moderation": r["report.photo_moderation"]}) for r in rows)


async def staff_photos(report: dict) -> list[dict]:
    """Every photo of the report with its moderation state, for the case page."""
    states = photo_states(report["photo_moderation"])
    rows = (
        await Photo.select(Photo.id, Photo.digest, Photo.stage)
        .where(Photo.report == report["id"])
        .order_by(Photo.position)
    )
    return [{**r, "state": states.get(r["digest"], "visible")} for r in rows]
