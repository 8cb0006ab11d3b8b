"""The report row as a projection of its events: a pure fold, no database.

Every change to a report is an append-only event (app/reporting/reports.py writes them).
`project(events)` rebuilds the changing fields of the row from the events alone; the write
path stores each new event and the row that `apply(row, event)` makes of it, so the stored
row and the rebuilt one are the same function of the log and cannot drift apart.

What each kind of event changes (its `data` carries what changed):

| kind | changes |
| --- | --- |
- created: everything, from nothing: status received, the ward (`ward_id`), the `deadline`.
- status: the status (`to_status`); acknowledged_at / resolved_at / closed_at the first time
  it gets there; a reopen clears resolved_at and closed_at; a transfer moves the ward to
  `to_ward_id` and clears the assignee; marking a duplicate sets duplicate_of to
  `duplicate_of_id`.
- assigned: the assignee (`assignee_id`).
- escalated: escalated.
- apology: the deadline (`deadline`, the new date promised on the slip).
- supported: support_count, by `added`.
- text_pending: description_state pending (flagged by enough people: withheld until a
  moderator decides).
- text_redacted: description_state redacted, redacted_description to `redacted` (the text the
  public reads instead; "" withholds it all). The original stays in the row's description
  column for staff and never enters the log.
- text_restored: description_state restored, redacted_description cleared.
- photo_pending / photo_hidden / photo_restored: the state of the photo whose digest is
  `photo` in photo_moderation (pending and hidden photos are not shown or served publicly).
- any other kind (reply, note, supervision, …): nothing but updated_at.

updated_at is the time of the last event that is not a resident's support: a "me too" is a
signal to the ward, not a change to the case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from app.casework.workflow import Status

PROJECTED = (
    "status", "ward", "assignee", "duplicate_of", "support_count", "escalated", "deadline",
    "acknowledged_at", "resolved_at", "closed_at", "updated_at",
    "description_state", "redacted_description", "photo_moderation",
)  # fmt: skip
# The first time a case reaches these statuses is kept for the service index.
_STAMPS = {Status.ACCEPTED: "acknowledged_at", Status.RESOLVED: "resolved_at", Status.CLOSED: "closed_at"}
# What moderation makes of the description, and of one photo, by event kind.
_TEXT_STATES = {"text_pending": "pending", "text_redacted": "redacted", "text_restored": "restored"}
_PHOTO_STATES = {"photo_pending": "pending", "photo_hidden": "hidden", "photo_restored": "restored"}


def photo_states(encoded: str) -> dict[str, str]:
    """photo_moderation as {digest: pending | hidden | restored}; a photo not named is visible."""
    return dict(pair.split(":", 1) for pair in encoded.split())


def _encode_photo_states(states: dict[str, str]) -> str:
    """One canonical text per set of states (sorted by digest), so equal states compare equal."""
    return " ".join(f"{digest}:{state}" for digest, state in sorted(states.items()))


class NotProjectable(ValueError):
    """The events do not make a report: they do not start with its `created` event."""


@dataclass(frozen=True)
class Projection:
    status: Status
    ward: int
    assignee: int | None
    duplicate_of: int | None
    support_count: int
    escalated: bool
    deadline: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    description_state: str = "visible"  # visible | pending | redacted | restored
    redacted_description: str = ""
    photo_moderation: str = ""  # "digest:state digest:state", see photo_states

    @classmethod
    def of_row(cls, row: Mapping) -> Projection:
        return cls(**{name: row[name] for name in PROJECTED})

    def as_dict(self) -> dict:
        return {**asdict(self), "status": str(self.status)}

    def changes_from(self, before: Projection) -> dict:
        """The fields that differ from `before`, by name."""
        return {k: v for k, v in self.as_dict().items() if getattr(before, k) != getattr(self, k)}


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def apply(state: Projection | None, event: Mapping) -> Projection:
    """The row after one more event. `event` has kind, to_status, data (a dict), created_at."""
    kind, data, at = event["kind"], event.get("data") or {}, event["created_at"]
    if kind == "created":
        return Projection(
            status=Status.RECEIVED, ward=data["ward_id"], assignee=None, duplicate_of=None,
            support_count=0, escalated=False, deadline=_instant(data["deadline"]),
            acknowledged_at=None, resolved_at=None, closed_at=None, updated_at=at,
        )  # fmt: skip
    if state is None:
        raise NotProjectable("a report's first event is its `created` event")
    if kind == "supported":
        return replace(state, support_count=state.support_count + data["added"])
    # Never backwards: a sweep that began before a staff step may write its event after it.
    state = replace(state, updated_at=max(state.updated_at, at))
    if kind == "status":
        to = Status(event["to_status"])
        changes: dict = {"status": to}
        if (stamp := _STAMPS.get(to)) and getattr(state, stamp) is None:
            changes[stamp] = at
        if data.get("action") == "reopen":
            changes.update(resolved_at=None, closed_at=None)
        if "to_ward_id" in data:
            changes.update(ward=data["to_ward_id"], assignee=None)
        if "duplicate_of_id" in data:
            changes["duplicate_of"] = data["duplicate_of_id"]
        return replace(state, **changes)
    if kind == "assigned":
        return replace(state, assignee=data["assignee_id"])
    if kind == "escalated":
        return replace(state, escalated=True)
    if kind == "apology":
        return replace(state, deadline=_instant(data["deadline"]))
    if kind in _TEXT_STATES:
        redacted = data.get("redacted", "")
        return replace(state, description_state=_TEXT_STATES[kind], redacted_description=redacted)
    if kind in _PHOTO_STATES:
        photos = photo_states(state.photo_moderation) | {data["photo"]: _PHOTO_STATES[kind]}
        return replace(state, photo_moderation=_encode_photo_states(photos))
    return state


def project(events: Iterable[Mapping]) -> Projection:
    """The row's changing fields rebuilt from its events, oldest first."""
    state = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise NotProjectable("no events")
    return state
