"""What statuses and timeline events are called, in the reader's language."""

from __future__ import annotations

from app.casework.workflow import Status
from app.platform import i18n
from app.platform.i18n import N_

STATUS_LABELS = {
    Status.RECEIVED: N_("Received"),
    Status.ACCEPTED: N_("Accepted"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.RESOLVED: N_("Resolved"),
    Status.CLOSED: N_("Closed"),
    Status.REJECTED: N_("Rejected"),
}


EVENT_LABELS = {
    "created": N_("Report received"),
    "reply": N_("Reply"),
    "note": N_("Internal note"),
    "supervision": N_("Supervision note"),
    "assigned": N_("Assigned"),
    "apology": N_("Apology and new date"),
    "escalated": N_("Escalated to the province"),
    "text_pending": N_("Description withheld for review"),
    "text_redacted": N_("Description redacted by the moderator"),
    "text_restored": N_("Description restored by the moderator"),
    "photo_pending": N_("Photo withheld for review"),
    "photo_hidden": N_("Photo hidden by the moderator"),
    "photo_restored": N_("Photo restored by the moderator"),
}


def event_label(kind: str, to_status: str | None = None) -> str:
    """What an event is called on a timeline: its new status, or what kind of event it is."""
    if kind == "status" and to_status:
        return i18n.gettext(STATUS_LABELS[Status(to_status)])
    return i18n.gettext(EVENT_LABELS.get(kind, N_("Update")))


def status_label(status: str) -> str:
    return i18n.gettext(STATUS_LABELS[Status(status)])
