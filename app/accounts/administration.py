"""Account administration: staff accounts, their roles, password resets, deactivation and
Open311 partner keys. Every change is written to the audit log in the change's own transaction.

app.accounts.policy decides who may touch which account, role or key; this module holds the
rules that need the database (one active administrator must remain, usernames are unique)
and the queries behind the /staff/admin/ pages.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from app.accounts.people import (
    UserError,
    check_password,
    check_text,
    check_username,
    hash_off_loop,
    insert_role,
    insert_staff_user,
    resolve_appointment,
    username_taken,
)
from app.accounts.policy import (
    Account,
    Act,
    Actor,
    Appointment,
    Role,
    managed_provinces,
    may_anywhere,
    may_deactivate,
    may_grant,
    may_grant_admin,
    may_manage,
)
from app.platform import clock
from app.platform.db import UNIQUE_VIOLATIONS, contains, for_update, write_transaction
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.tables import ApiKey, AuditEntry, Person, Province, StaffRole, Ward
from app.transparency.open311 import issue_key

PAGE = 50
MAX_KEY_NAME = 120

ROLE_LABELS = {
    Role.OFFICER: N_("Ward officer"),
    Role.WARD_LEAD: N_("Ward lead"),
    Role.CLERK: N_("Counter clerk or volunteer"),
    Role.INSPECTOR: N_("People's inspection board"),
    Role.PROVINCE_SUPERVISOR: N_("Province supervisor"),
}

AUDIT_ACTIONS = {
    "account_created": N_("Account created"),
    "role_granted": N_("Role granted"),
    "role_removed": N_("Role removed"),
    "admin_granted": N_("Administrator rights granted"),
    "admin_removed": N_("Administrator rights removed"),
    "password_reset": N_("Password reset"),
    "account_deactivated": N_("Account deactivated"),
    "account_reactivated": N_("Account reactivated"),
    "key_issued": N_("Partner key issued"),
    "key_revoked": N_("Partner key revoked"),
    "proposal_rules_changed": N_("Ward's proposal rules changed"),
}


class NotPermitted(Exception):
    """The actor's remit does not reach this account, role or key."""


class NotFound(LookupError):
    """No such account, role or key."""


@dataclass(frozen=True)
class HeldRole:
    id: int
    appointment: Appointment
    scope_code: str
    scope_name: str

    @property
    def details(self) -> dict:
        """How the audit log names the role: its code and place, which outlive renamed units."""
        return {"role": str(self.appointment.role), "scope": f"{self.scope_code} {self.scope_name}"}


@dataclass(frozen=True)
class Profile:
    person_id: int
    username: str
    display_name: str
    title: str
    is_admin: bool
    is_active: bool
    must_change_password: bool
    created_at: datetime | None
    last_login_at: datetime | None
    roles: tuple[HeldRole, ...] = field(default=())

    @property
    def account(self) -> Account:
        return Account(self.person_id, self.is_admin, tuple(r.appointment for r in self.roles))

    @property
    def label(self) -> str:
        return f"{self.username} ({self.display_name})"

    @property
    def province_id(self) -> int | None:
        """The one province all the account's roles lie in, for the audit log; else None."""
        provinces = {r.appointment.province_id for r in self.roles}
        return provinces.pop() if len(provinces) == 1 else None


@dataclass(frozen=True)
class NewAccount:
    username: str
    display_name: str
    title: str = ""
    role: str = ""
    scope_code: str = ""
    is_admin: bool = False
    password: str = ""  # blank: the system chooses one and shows it once


@dataclass(frozen=True)
class Created:
    person_id: int
    temporary_password: str | None  # only when the system chose it


# Queries ---------------------------------------------------------------------------------

_PROFILE_COLUMNS = (Person.id, Person.username, Person.display_name, Person.title, Person.is_admin,
                    Person.is_active, Person.must_change_password, Person.created_at,
                    Person.last_login_at)  # fmt: skip


async def _held_roles(person_ids: list[int]) -> dict[int, list[HeldRole]]:
    rows = await StaffRole.select(
        StaffRole.id, StaffRole.person, StaffRole.role, StaffRole.ward, StaffRole.ward.code,
        StaffRole.ward.name, StaffRole.ward.province, StaffRole.province, StaffRole.province.code,
        StaffRole.province.name,
    ).where(StaffRole.person.is_in(person_ids or [0])).order_by(StaffRole.id)  # fmt: skip
    held: dict[int, list[HeldRole]] = {}
    for r in rows:
        if r["ward"]:
            role = HeldRole(r["id"], Appointment(Role(r["role"]), r["ward.province"], r["ward"]),
                            r["ward.code"], r["ward.name"])  # fmt: skip
        else:
            role = HeldRole(r["id"], Appointment(Role(r["role"]), r["province"]),
                            r["province.code"], r["province.name"])  # fmt: skip
        held.setdefault(r["person"], []).append(role)
    return held


async def _profiles(person_ids: list[int]) -> list[Profile]:
    """Staff accounts with their roles, in the order of the ids given."""
    rows = await Person.select(*_PROFILE_COLUMNS).where(
        Person.id.is_in(person_ids or [0]), Person.username.is_not_null()
    )
    held = await _held_roles(person_ids)
    by_id = {r["id"]: r for r in rows}
    return [
        Profile(
            person_id=p, username=by_id[p]["username"], display_name=by_id[p]["display_name"],
            title=by_id[p]["title"], is_admin=by_id[p]["is_admin"], is_active=by_id[p]["is_active"],
            must_change_password=by_id[p]["must_change_password"], created_at=by_id[p]["created_at"],
            last_login_at=by_id[p]["last_login_at"], roles=tuple(held.get(p, ())),
        )  # fmt: skip
        for p in person_ids
        if p in by_id
    ]


async def _people_with_roles_in(provinces: frozenset[int]) -> list[int]:
    ids = list(provinces) or [0]
    rows = await StaffRole.select(StaffRole.person).where(
        StaffRole.ward.province.is_in(ids) | StaffRole.province.is_in(ids)
    )
    return sorted({r["person"] for r in rows})


async def list_accounts(actor: Actor, search: str = "", page: int = 1) -> tuple[list[Profile], bool]:
    """The accounts the actor manages, by username, a page at a time; and whether more follow."""
    query = Person.select(Person.id).where(Person.username.is_not_null()).order_by(Person.username)
    if search := search.strip()[:60]:
        pattern = f"%{search}%"
        query = query.where(contains(Person.username, pattern) | contains(Person.display_name, pattern))
    start = (max(page, 1) - 1) * PAGE
    provinces = managed_provinces(actor)
    if provinces is None:  # every account: the database pages them
        found = await _profiles([r["id"] for r in await query.limit(PAGE + 1).offset(start)])
    else:  # one province's staff, few enough to sort out here with the policy
        query = query.where(Person.id.is_in(await _people_with_roles_in(provinces) or [0]))
        candidates = await _profiles([r["id"] for r in await query])
        found = [p for p in candidates if may_manage(actor, p.account)][start : start + PAGE + 1]
    return found[:PAGE], len(found) > PAGE


async def profile(actor: Actor, person_id: int) -> Profile:
    """A staff account the actor manages; NotFound or NotPermitted otherwise."""
    found = await _profiles([person_id])
    if not found:
        raise NotFound(_("There is no staff account with this number."))
    if not may_manage(actor, found[0].account):
        raise NotPermitted(_("This account lies outside your remit."))
    return found[0]


async def history(person_id: int, limit: int = 20) -> list[dict]:
    """The latest audit entries about one account (the caller has checked the remit)."""
    return await _audit_query().where(AuditEntry.person == person_id).limit(limit)


def _audit_query():
    return AuditEntry.select(
        AuditEntry.id, AuditEntry.action, AuditEntry.target, AuditEntry.person, AuditEntry.details,
        AuditEntry.created_at, AuditEntry.actor.username, AuditEntry.actor.display_name,
    ).order_by(AuditEntry.created_at, ascending=False).order_by(AuditEntry.id, ascending=False).output(
        load_json=True
    )  # fmt: skip


async def audit_entries(actor: Actor, page: int = 1) -> tuple[list[dict], bool]:
    """The audit log, newest first: all of it for admins, a supervisor's provinces for them."""
    query = _audit_query()
    provinces = managed_provinces(actor)
    if provinces is not None:
        query = query.where(AuditEntry.province.is_in(list(provinces) or [0]))
    rows = await query.limit(PAGE + 1).offset((max(page, 1) - 1) * PAGE)
    return rows[:PAGE], len(rows) > PAGE


async def partner_keys() -> list[dict]:
    return await ApiKey.select(
        ApiKey.id, ApiKey.name, ApiKey.active, ApiKey.created_at, ApiKey.last_used_at,
        ApiKey.created_by.display_name,
    ).order_by(ApiKey.created_at, ascending=False)  # fmt: skip


# Changes ---------------------------------------------------------------------------------


async def _record(actor: Actor, action: str, target: str, *, person_id: int | None = None,
                  province_id: int | None = None, details: dict | None = None) -> None:  # fmt: skip
    """One audit entry; call inside the change's transaction. Never pass a password or key."""
    await AuditEntry.insert(AuditEntry(
        actor=actor.person_id, action=action, target=target[:200], person=person_id,
        province=province_id, details=details or {}, created_at=clock.now(),
    ))  # fmt: skip


async def record_ward_setting(actor: Actor, action: str, ward: str, province_id: int, details: dict) -> None:
    """The audit entry for a change to a ward's settings made by another capability (the
    proposal rules): read by the province's supervisors with their accounts' entries."""
    await _record(actor, action, ward, province_id=province_id, details=details)


async def _keep_an_admin(leaving: int) -> None:
    """Refuse to leave the installation without an active administrator. Call inside the
    transaction: the admin rows stay locked until it ends, so two admins cannot demote each
    other at the same moment."""
    admins = await for_update(
        Person.select(Person.id).where(Person.is_admin.eq(True), Person.is_active.eq(True))
    )
    if not any(a["id"] != leaving for a in admins):
        raise UserError(_("This is the last active administrator: make someone else an administrator first."))


def _temporary(chosen: str) -> tuple[str, bool]:
    """The password an administrator typed, or a new random one; and whether it was generated."""
    if chosen:
        check_password(chosen)
        return chosen, False
    return secrets.token_urlsafe(12), True


async def create_account(actor: Actor, new: NewAccount) -> Created:
    username = check_username(new.username)
    display_name = check_text(new.display_name, _("Name"))
    if not display_name:
        raise UserError(_("Name: write the full name."))
    title = check_text(new.title, _("Title"))
    if new.is_admin and not may_grant_admin(actor):
        raise NotPermitted(_("Only an administrator can make an administrator."))
    appointment = await resolve_appointment(new.role, new.scope_code) if new.role else None
    if appointment is None and not new.is_admin:
        raise UserError(_("Give the account a role, or make it an administrator."))
    if appointment and not may_grant(actor, appointment):
        raise NotPermitted(_("You can give roles only in your own province."))
    taken = UserError(_("The username %(username)s is taken.") % {"username": username})
    if await username_taken(username):
        raise taken
    password, generated = _temporary(new.password)
    password_hash = await hash_off_loop(password)
    async with write_transaction():
        try:
            person_id = await insert_staff_user(
                username, password_hash, display_name=display_name, title=title, is_admin=new.is_admin,
                appointment=appointment, must_change_password=True,
            )  # fmt: skip
        except UNIQUE_VIOLATIONS:  # taken between the check and the insert
            raise taken from None
        details = {"admin": new.is_admin}
        if appointment:
            details.update(role=str(appointment.role), scope=new.scope_code.strip())
        province_id = appointment.province_id if appointment else None
        await _record(actor, "account_created", f"{username} ({display_name})", person_id=person_id,
                      province_id=province_id, details=details)  # fmt: skip
    return Created(person_id, password if generated else None)


async def grant_role(actor: Actor, person_id: int, role: str, scope_code: str) -> None:
    target = await profile(actor, person_id)
    appointment = await resolve_appointment(role, scope_code)
    if not may_grant(actor, appointment):
        raise NotPermitted(_("You can give roles only in your own province."))
    if any(r.appointment == appointment for r in target.roles):
        raise UserError(_("This person already has that role there."))
    async with write_transaction():
        await insert_role(person_id, appointment)
        await _record(actor, "role_granted", target.label, person_id=person_id,
                      province_id=appointment.province_id,
                      details={"role": str(appointment.role), "scope": scope_code.strip()})  # fmt: skip


async def remove_role(actor: Actor, person_id: int, role_id: int) -> None:
    target = await profile(actor, person_id)
    held = next((r for r in target.roles if r.id == role_id), None)
    if held is None:
        raise NotFound(_("This person does not hold that role."))
    if not may_grant(actor, held.appointment):
        raise NotPermitted(_("You can take away roles only in your own province."))
    async with write_transaction():
        await StaffRole.delete().where(StaffRole.id == role_id)
        await _record(actor, "role_removed", target.label, person_id=person_id,
                      province_id=held.appointment.province_id, details=held.details)  # fmt: skip


async def set_admin(actor: Actor, person_id: int, make_admin: bool) -> None:
    if not may_grant_admin(actor):
        raise NotPermitted(_("Only an administrator can change administrator rights."))
    target = await profile(actor, person_id)
    if target.is_admin == make_admin:
        return
    async with write_transaction():
        if not make_admin:
            await _keep_an_admin(person_id)
        await Person.update({Person.is_admin: make_admin}).where(Person.id == person_id)
        await _record(actor, "admin_granted" if make_admin else "admin_removed", target.label,
                      person_id=person_id, province_id=target.province_id)  # fmt: skip


async def reset_password(actor: Actor, person_id: int, chosen: str = "") -> str | None:
    """A temporary password the person must replace at next sign-in; returns it when the
    system chose it, to be shown once."""
    target = await profile(actor, person_id)
    password, generated = _temporary(chosen)
    password_hash = await hash_off_loop(password)
    async with write_transaction():
        await Person.update({Person.password_hash: password_hash, Person.must_change_password: True}).where(
            Person.id == person_id
        )
        await _record(actor, "password_reset", target.label, person_id=person_id,
                      province_id=target.province_id, details={"generated": generated})  # fmt: skip
    return password if generated else None


async def set_active(actor: Actor, person_id: int, active: bool) -> None:
    """Deactivated accounts cannot sign in, and their open sessions end on their next request
    (the actor is read afresh each time)."""
    target = await profile(actor, person_id)
    if not active and not may_deactivate(actor, target.account):
        raise NotPermitted(_("Nobody can deactivate their own account."))
    if target.is_active == active:
        return
    async with write_transaction():
        if not active and target.is_admin:
            await _keep_an_admin(person_id)
        await Person.update({Person.is_active: active}).where(Person.id == person_id)
        await _record(actor, "account_reactivated" if active else "account_deactivated", target.label,
                      person_id=person_id, province_id=target.province_id)  # fmt: skip


def _may_manage_keys(actor: Actor) -> None:
    if not may_anywhere(actor, Act.MANAGE_KEYS):
        raise NotPermitted(_("Only administrators manage partner keys."))


async def issue_partner_key(actor: Actor, name: str) -> str:
    """A new Open311 key, returned to be shown once; only its hash is kept."""
    _may_manage_keys(actor)
    name = name.strip()
    if not 1 <= len(name) <= MAX_KEY_NAME:
        raise UserError(_("Partner name: 1 to 120 characters."))
    async with write_transaction():
        key = await issue_key(name, actor.person_id)
        await _record(actor, "key_issued", name)
    return key


async def revoke_key(actor: Actor, key_id: int) -> None:
    """From now on Open311 refuses the key."""
    _may_manage_keys(actor)
    key = await ApiKey.select(ApiKey.name, ApiKey.active).where(ApiKey.id == key_id).first()
    if key is None:
        raise NotFound(_("There is no partner key with this number."))
    if not key["active"]:
        return
    async with write_transaction():
        await ApiKey.update({ApiKey.active: False}).where(ApiKey.id == key_id)
        await _record(actor, "key_revoked", key["name"], details={"key_id": key_id})


async def scope_choices(actor: Actor) -> list[dict]:
    """The provinces and wards a supervisor may give roles in, to pick from; admins type a code,
    as a list of 3,321 wards helps nobody."""
    provinces = managed_provinces(actor)
    if provinces is None:
        return []
    ids = list(provinces) or [0]
    return [
        *await Province.select(Province.code, Province.name).where(Province.id.is_in(ids)),
        *await Ward.select(Ward.code, Ward.name).where(Ward.province.is_in(ids)).order_by(Ward.name),
    ]
