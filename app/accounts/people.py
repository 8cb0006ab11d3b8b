"""Staff accounts: what makes a username, a password and a scoped role acceptable, shared by
`gandan create-user` and the administrators' pages."""

from __future__ import annotations

import asyncio
import re

from app.accounts.passwords import hash_password
from app.accounts.policy import WARD_ROLES, Appointment, Role
from app.platform import clock
from app.platform.i18n import gettext as _
from app.platform.tables import Person, Province, StaffRole, Ward

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 200  # argon2 takes any length; a bound keeps a pasted novel from being hashed
MAX_NAME = 120  # display names and job titles, as the columns hold


class UserError(ValueError):
    """The account cannot be changed as asked; the message says what to change."""


def check_username(username: str) -> str:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise UserError(_("Username: 3 to 60 lower-case letters, digits, '.', '_' or '-', "
                          "starting with a letter or digit."))  # fmt: skip
    return username


def check_password(password: str) -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(_("The password needs 10 to 200 characters."))


def check_text(value: str, what: str) -> str:
    value = value.strip()
    if len(value) > MAX_NAME:
        raise UserError(_("%(what)s: at most 120 characters.") % {"what": what})
    return value


async def hash_off_loop(password: str) -> str:
    """argon2 is deliberately slow: hashing runs in a thread so other requests go on."""
    return await asyncio.to_thread(hash_password, password)


async def resolve_appointment(role: str, scope_code: str) -> Appointment:
    """A role with its ward (for ward roles) or province (for supervisors), by official code."""
    try:
        chosen = Role(role)
    except ValueError:
        raise UserError(_("Choose one of the listed roles.")) from None
    code = scope_code.strip()
    if chosen in WARD_ROLES:
        ward = await Ward.select(Ward.id, Ward.province).where(Ward.code == code).first()
        if ward is None:
            raise UserError(_("A ward role needs the code of an existing ward (5 digits, e.g. 11446)."))
        return Appointment(chosen, ward["province"], ward["id"])
    province = await Province.select(Province.id).where(Province.code == code).first()
    if province is None:
        raise UserError(_("The province supervisor role needs the code of an existing province "
                          "(2 digits, e.g. 31)."))  # fmt: skip
    return Appointment(chosen, province["id"])


async def username_taken(username: str) -> bool:
    return await Person.exists().where(Person.username == username)


async def insert_staff_user(
    username: str, password_hash: str, *, display_name: str, title: str, is_admin: bool,
    appointment: Appointment | None, must_change_password: bool = False,
) -> int:  # fmt: skip
    person = Person(username=username, password_hash=password_hash, display_name=display_name,
                    title=title, is_admin=is_admin, must_change_password=must_change_password,
                    created_at=clock.now())  # fmt: skip
    await person.save()
    if appointment:
        await insert_role(person.id, appointment)
    return person.id


async def insert_role(person_id: int, appointment: Appointment) -> int:
    """A ward role keeps only its ward (the province follows from it); a supervisor's role its
    province."""
    row = StaffRole(person=person_id, role=appointment.role, created_at=clock.now(),
                    ward=appointment.ward_id,
                    province=None if appointment.ward_id else appointment.province_id)  # fmt: skip
    await row.save()
    return row.id


async def create_staff_user(
    username: str,
    password: str,
    *,
    display_name: str,
    title: str = "",
    role: str | None = None,
    ward_code: str | None = None,
    province_code: str | None = None,
    is_admin: bool = False,
) -> int:
    """An account made by an operator on the command line, where no one is signed in."""
    username = check_username(username)
    check_password(password)
    if role is None and not is_admin:
        raise UserError(_("Give the account a role, or make it an administrator."))
    appointment = None
    if role:
        in_ward = role in WARD_ROLES
        appointment = await resolve_appointment(role, (ward_code if in_ward else province_code) or "")
    if await username_taken(username):
        raise UserError(_("The username %(username)s is taken.") % {"username": username})
    return await insert_staff_user(
        username, await hash_off_loop(password), display_name=check_text(display_name, _("Name")),
        title=check_text(title, _("Title")), is_admin=is_admin, appointment=appointment,
    )  # fmt: skip
