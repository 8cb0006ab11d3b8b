"""The one state machine: which status changes are legal for a report.

received → accepted → in_progress → resolved → closed, with `rejected` (a public reason is
required) and `reopened` (a resolved or closed case goes back to work). Transfers, escalations
and supervision notes are events that leave the status as it is, except a transfer, which
hands the case to another ward as newly received.

The rules the tests hold the machine to:

- `rejected` is final: nothing leaves it. A resident who disagrees files again or complains;
  the public reason stays on the record.
- A duplicate is closed and final: its followers and supports have moved to the report it
  repeats, so reopening it would split them again. A closed case that was resolved may be
  reopened (by staff, or by the reporter answering "not fixed" while it is resolved).
- A report is closed only from `resolved` (the reporter confirmed, or 7 days passed) or by
  being marked a duplicate of another report.
- Transfer and duplicate apply only to open reports (received, accepted, in progress).
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"


class Action(StrEnum):
    ACCEPT = "accept"
    START = "start"
    RESOLVE = "resolve"
    CLOSE = "close"
    REJECT = "reject"
    REOPEN = "reopen"
    TRANSFER = "transfer"
    MARK_DUPLICATE = "mark_duplicate"


OPEN_STATUSES = frozenset({Status.RECEIVED, Status.ACCEPTED, Status.IN_PROGRESS})

TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.ACCEPT: (frozenset({Status.RECEIVED}), Status.ACCEPTED),
    Action.START: (frozenset({Status.ACCEPTED}), Status.IN_PROGRESS),
    Action.RESOLVE: (frozenset({Status.ACCEPTED, Status.IN_PROGRESS}), Status.RESOLVED),
    Action.CLOSE: (frozenset({Status.RESOLVED}), Status.CLOSED),
    Action.REJECT: (frozenset({Status.RECEIVED, Status.ACCEPTED}), Status.REJECTED),
    Action.REOPEN: (frozenset({Status.RESOLVED, Status.CLOSED}), Status.IN_PROGRESS),
    Action.TRANSFER: (OPEN_STATUSES, Status.RECEIVED),
    # A duplicate is closed; its followers and supports move to the report it repeats.
    Action.MARK_DUPLICATE: (OPEN_STATUSES, Status.CLOSED),
}


class IllegalTransition(ValueError):
    def __init__(self, status: Status, action: Action) -> None:
        super().__init__(f"a report that is {status} does not allow {action}")
        self.status, self.action = status, action


def is_allowed(status: Status | str, action: Action | str, *, duplicate: bool = False) -> bool:
    """Whether `action` may happen to a report in `status` (`duplicate`: it repeats another)."""
    return Status(status) in TRANSITIONS[Action(action)][0] and not duplicate


def next_status(status: Status | str, action: Action | str, *, duplicate: bool = False) -> Status:
    if not is_allowed(status, action, duplicate=duplicate):
        raise IllegalTransition(Status(status), Action(action))
    return TRANSITIONS[Action(action)][1]


def allowed_actions(status: Status | str, *, duplicate: bool = False) -> list[Action]:
    return [a for a in Action if is_allowed(status, a, duplicate=duplicate)]
