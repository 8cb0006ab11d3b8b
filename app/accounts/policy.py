"""The one policy module: who may do what to which report.

Every controller asks `allows(actor, act, ward)`; nothing else decides access. Scope is a
ward for ward roles and a province for supervisors; admins may do everything. Who may be
given a case (`may_be_assigned`), where an actor may do something (`wards_where`), what an
actor sees (`visible_scope`) and who administers (`administers`) are asked here too.
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


def administers(actor: Actor) -> bool:
    """System administration (the delivery queue, API keys): admins only, never a ward role."""
    return actor.is_admin


def wards_where(actor: Actor, act: Act) -> frozenset[int] | None:
    """The wards where a ward role lets the actor do `act`; None for an admin (everywhere)."""
    if actor.is_admin:
        return None
    return frozenset(g.ward_id for g in actor.grants if act in GRANTS[g.role] and g.ward_id is not None)


# A case is handled by a person of its own ward who works cases: never an inspector, a clerk,
# a supervisor of the province or an administrator without a ward role.
ASSIGNABLE_ROLES = frozenset({Role.OFFICER, Role.WARD_LEAD})


def may_be_assigned(person: Actor, place: Place) -> bool:
    """Whether `person` may be the assignee (handler) of a report at `place`."""
    return any(g.role in ASSIGNABLE_ROLES and g.ward_id == place.ward_id for g in person.grants)


def roles_with(act: Act) -> frozenset[Role]:
    """The roles whose grants include `act`: e.g. who signs an apology slip."""
    return frozenset(role for role, acts in GRANTS.items() if act in acts)


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
