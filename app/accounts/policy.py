"""The one policy module: who may do what to which report, and to whose account.

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
    GROUP_HEAD = "group_head"  # tổ trưởng tổ dân phố / trưởng thôn: verifies residents in person


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
    MANAGE_ACCOUNTS = "manage_accounts"  # create staff accounts, give and take roles, reset, deactivate
    MANAGE_KEYS = "manage_keys"  # issue and revoke Open311 partner keys: no role grants it, admins only
    CONSULT = "consult"  # open a consultation (lấy ý kiến) and publish its synthesis
    MODERATE = "moderate"  # hide or restore comments, hide report photos, redact descriptions
    VERIFY_RESIDENT = "verify_resident"  # hand a resident met in person a verification code
    ANSWER_PROPOSAL = "answer_proposal"  # the ward's public answer to a proposal past its threshold
    TRACK_PROPOSAL = "track_proposal"  # progress updates and milestones of an accepted proposal
    REQUEST_EXPLANATION = "request_explanation"  # the inspection board asks the ward to explain
    ANSWER_INSPECTION = "answer_inspection"  # the ward lead's public answer to such a request
    PUBLISH_SUPERVISION = "publish_supervision"  # the inspection board's yearly report
    KEEP_HOUSEHOLDS = "keep_households"  # the household register of residential groups
    RUN_DECISION = "run_decision"  # open a household decision, print its sheets, record a meeting, close
    CAST_FOR_HOUSEHOLD = "cast_for_household"  # at the counter, for a household that brings its sheet
    RUN_SURVEY = "run_survey"  # the satisfaction survey's poster and period length
    READ_SURVEY_COMMENTS = "read_survey_comments"  # the survey's comments: ward staff only, never public
    SET_PROPOSAL_RULES = "set_proposal_rules"  # the ward's support threshold, period and answer deadline


_OFFICER = {Act.VIEW, Act.VIEW_CONTACT, Act.WORK, Act.TAKE, Act.TRANSFER, Act.MARK_DUPLICATE,
            Act.REOPEN, Act.FILE_ASSISTED, Act.TRACK_PROPOSAL, Act.READ_SURVEY_COMMENTS}  # fmt: skip
GRANTS: dict[Role, frozenset[Act]] = {
    Role.OFFICER: frozenset(_OFFICER),
    Role.WARD_LEAD: frozenset(
        _OFFICER | {Act.ASSIGN, Act.REJECT, Act.ESCALATE, Act.PUBLISH, Act.SIGN_APOLOGY, Act.CONSULT,
                    Act.MODERATE, Act.VERIFY_RESIDENT, Act.ANSWER_PROPOSAL, Act.ANSWER_INSPECTION,
                    Act.KEEP_HOUSEHOLDS, Act.RUN_DECISION, Act.CAST_FOR_HOUSEHOLD, Act.RUN_SURVEY,
                    Act.SET_PROPOSAL_RULES}
    ),  # fmt: skip
    Role.CLERK: frozenset({Act.VIEW, Act.FILE_ASSISTED, Act.VERIFY_RESIDENT, Act.CAST_FOR_HOUSEHOLD}),
    Role.INSPECTOR: frozenset({Act.VIEW, Act.SUPERVISE, Act.REQUEST_EXPLANATION, Act.PUBLISH_SUPERVISION}),
    Role.PROVINCE_SUPERVISOR: frozenset(
        {Act.VIEW, Act.VIEW_CONTACT, Act.WORK, Act.ASSIGN, Act.TRANSFER, Act.REOPEN, Act.MANAGE_ACCOUNTS}
    ),  # fmt: skip
    Role.GROUP_HEAD: frozenset({Act.VERIFY_RESIDENT, Act.KEEP_HOUSEHOLDS, Act.RUN_DECISION}),
}
WARD_ROLES = frozenset({Role.OFFICER, Role.WARD_LEAD, Role.CLERK, Role.INSPECTOR, Role.GROUP_HEAD})


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
    must_change_password: bool = False

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


# Roles whose ward grant reaches only the residential groups the person heads (group_heads).
GROUP_SCOPED_ROLES = frozenset({Role.GROUP_HEAD})


def allows_for_groups(actor: Actor, act: Act, place: Place, groups: frozenset[int],
                      headed: frozenset[int]) -> bool:  # fmt: skip
    """Whether the actor may do `act` for these residential groups of the ward at `place`: a
    ward-wide role there, or a group head who heads every one of them (`headed`: the groups
    the actor heads). No group at all is a matter for the whole ward, not for a group head."""
    if actor.is_admin:
        return True
    return any(act in GRANTS[g.role] and _covers(g, place)
               and (g.role not in GROUP_SCOPED_ROLES or (groups and groups <= headed))
               for g in actor.grants)  # fmt: skip


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
    # A group head verifies residents but reads no cases: only roles that view reports count.
    wards = frozenset(g.ward_id for g in actor.grants if g.role != Role.PROVINCE_SUPERVISOR
                      and g.ward_id is not None and Act.VIEW in GRANTS[g.role])  # fmt: skip
    provinces = frozenset(g.province_id for g in actor.grants
                          if g.role == Role.PROVINCE_SUPERVISOR and g.province_id is not None)  # fmt: skip
    return Scope(wards, provinces)


@dataclass(frozen=True)
class Appointment:
    """A role someone holds or is to be given, with the province it lies in: a ward role's
    ward and that ward's province, or a supervisor's province."""

    role: Role
    province_id: int
    ward_id: int | None = None


@dataclass(frozen=True)
class Account:
    """A staff account as account management sees it."""

    person_id: int
    is_admin: bool
    appointments: tuple[Appointment, ...]


def managed_provinces(actor: Actor) -> frozenset[int] | None:
    """The provinces whose accounts the actor manages (None: all of them, for admins)."""
    if actor.is_admin:
        return None
    return frozenset(g.province_id for g in actor.grants if Act.MANAGE_ACCOUNTS in GRANTS[g.role]
                     and g.role == Role.PROVINCE_SUPERVISOR and g.province_id is not None)  # fmt: skip


def may_grant(actor: Actor, appointment: Appointment) -> bool:
    """Whether the actor may give (or take away) this role: admins any; a province supervisor
    a ward role in, or the supervisor role for, their own province."""
    provinces = managed_provinces(actor)
    return provinces is None or appointment.province_id in provinces


def may_grant_admin(actor: Actor) -> bool:
    """Administrator rights come only from an administrator."""
    return actor.is_admin


def may_manage(actor: Actor, account: Account) -> bool:
    """Whether the actor may change this account (roles, password, active or not): admins any;
    a province supervisor only a non-admin whose every role lies in their province. An account
    with no role left belongs to no province, so only admins manage it."""
    provinces = managed_provinces(actor)
    if provinces is None:
        return True
    return (not account.is_admin and bool(account.appointments)
            and all(a.province_id in provinces for a in account.appointments))  # fmt: skip


def may_deactivate(actor: Actor, account: Account) -> bool:
    """Nobody switches off their own account: it would lock them out mid-task."""
    return may_manage(actor, account) and account.person_id != actor.person_id
