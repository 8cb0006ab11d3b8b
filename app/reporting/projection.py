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
)  # fmt: skip
# The first time a case reaches these statuses is kept for the service index.
_STAMPS = {Status.ACCEPTED: "acknowledged_at", Status.RESOLVED: "resolved_at", Status.CLOSED: "closed_at"}


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
    return state


def project(events: Iterable[Mapping]) -> Projection:
    """The row's changing fields rebuilt from its events, oldest first."""
    state = None
    for event in events:
        state = apply(state, event)
    if state is None:
        raise NotProjectable("no events")
    return state
