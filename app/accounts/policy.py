"""The one policy module: who may do what to which report.

Every controller asks `allows(actor, act, ward)`; nothing else decides access. Scope is a
ward for ward roles and a province for supervisors; admins may do everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    OFFICER = "officer"  # công chức: works the reports of their ward
    WARD_LEAD = "ward_lead"  # lãnh đạo UBND: assigns, rejects, publishes, signs apologies
    CLERK = "clerk"  # one-stop-shop clerk or volunteer: files reports for walk-ins and callers
    INSPECTOR = "inspector"  # Ban thanh tra nhân dân: reads everything of the ward, notes
    PROVINCE_SUPERVISOR = "province_supervisor"  # every ward of a province; escalations


class Act(StrEnum):
    VIEW = "view"  # the staff view of a report, with its internal notes
    VIEW_CONTACT = "view_contact"  # the reporter's name, phone and e-mail
    WORK = "work"  # accept, start, resolve, reply publicly, add internal notes and photos
    TAKE = "take"  # assign a report to oneself
    ASSIGN = "assign"  # assign to any officer of the ward
    REJECT = "reject"
    TRANSFER = "transfer"  # hand over to another ward
    MARK_DUPLICATE = "mark_duplicate"
    ESCALATE = "escalate"  # send up to the province
    REOPEN = "reopen"
    SUPERVISE = "supervise"  # the inspection board's supervision note
    PUBLISH = "publish"  # government actions (công khai)
    SIGN_APOLOGY = "sign_apology"
    FILE_ASSISTED = "file_assisted"  # file a report for someone at the counter or on the phone


_OFFICER = {Act.VIEW, Act.VIEW_CONTACT, Act.WORK, Act.TAKE, Act.TRANSFER, Act.MARK_DUPLICATE,
            Act.REOPEN, Act.FILE_ASSISTED}  # fmt: skip
GRANTS: dict[Role, frozenset[Act]] = {
    Role.OFFICER: frozenset(_OFFICER),
    Role.WARD_LEAD: frozenset(
        _OFFICER | {Act.ASSIGN, Act.REJECT, Act.ESCALATE, Act.PUBLISH, Act.SIGN_APOLOGY}
    ),  # fmt: skip
    Role.CLERK: frozenset({Act.VIEW, Act.FILE_ASSISTED}),
    Role.INSPECTOR: frozenset({Act.VIEW, Act.SUPERVISE}),
    Role.PROVINCE_SUPERVISOR: frozenset(
        {Act.VIEW, Act.VIEW_CONTACT, Act.WORK, Act.ASSIGN, Act.TRANSFER, Act.REOPEN}
    ),  # fmt: skip
}


@dataclass(frozen=True)
class Grant:
    role: Role
    ward_id: int | None = None
    province_id: int | None = None


@dataclass(frozen=True)
class Actor:
    person_id: int
    display_name: str
    is_admin: bool = False
    grants: tuple[Grant, ...] = ()

    @property
    def is_staff(self) -> bool:
        return self.is_admin or bool(self.grants)


@dataclass(frozen=True)
class Place:
    """Where a report (or anything scoped) lives: its ward and that ward's province."""

    ward_id: int
    province_id: int


def _covers(grant: Grant, place: Place) -> bool:
    if grant.role == Role.PROVINCE_SUPERVISOR:
        return grant.province_id == place.province_id
    return grant.ward_id == place.ward_id


def allows(actor: Actor, act: Act, place: Place) -> bool:
    if actor.is_admin:
        return True
    return any(act in GRANTS[g.role] and _covers(g, place) for g in actor.grants)


def may_anywhere(actor: Actor, act: Act) -> bool:
    """Whether the actor may do `act` somewhere: decides which buttons and pages exist."""
    return actor.is_admin or any(act in GRANTS[g.role] for g in actor.grants)


@dataclass(frozen=True)
class Scope:
    """The wards and provinces whose reports an actor sees in the queue (None: all)."""

    ward_ids: frozenset[int] | None
    province_ids: frozenset[int]


def visible_scope(actor: Actor) -> Scope:
    if actor.is_admin:
        return Scope(None, frozenset())
    wards = frozenset(g.ward_id for g in actor.grants
                      if g.role != Role.PROVINCE_SUPERVISOR and g.ward_id is not None)  # fmt: skip
    provinces = frozenset(g.province_id for g in actor.grants
                          if g.role == Role.PROVINCE_SUPERVISOR and g.province_id is not None)  # fmt: skip
    return Scope(wards, provinces)


def wards_where(actor: Actor, act: Act) -> set[int]:
    """The wards in which the actor's ward roles allow `act` (province roles not included)."""
    return {g.ward_id for g in actor.grants if g.ward_id is not None and act in GRANTS[g.role]}
