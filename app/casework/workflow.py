"""The one state machine: which status changes are legal for a report.

received → accepted → in_progress → resolved → closed, with `rejected` (a public reason is
required) and `reopened` (a resolved or closed case goes back to work). Transfers, escalations
and supervision notes are events that leave the status as it is, except a transfer, which
hands the case to another ward as newly received.
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


def next_status(status: Status | str, action: Action | str) -> Status:
    status, action = Status(status), Action(action)
    allowed_from, to = TRANSITIONS[action]
    if status not in allowed_from:
        raise IllegalTransition(status, action)
    return to


def allowed_actions(status: Status | str) -> list[Action]:
    return [a for a, (sources, _) in TRANSITIONS.items() if Status(status) in sources]
