"""Accounts: creating staff users with their scoped role."""

from __future__ import annotations

import re

from app.accounts.passwords import hash_password
from app.platform.tables import Person, Province, StaffRole, Ward

WARD_ROLES = {"officer", "ward_lead", "clerk", "inspector"}
PROVINCE_ROLES = {"province_supervisor"}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")
MIN_PASSWORD = 10


class UserError(ValueError):
    """The account cannot be created as asked; the message says what to change."""


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
    if not USERNAME.match(username):
        raise UserError("username: 3–60 lower-case letters, digits, '.', '_' or '-'")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"password: at least {MIN_PASSWORD} characters")
    if role is None and not is_admin:
        raise UserError("give a --role, or --admin")
    if await Person.exists().where(Person.username == username):
        raise UserError(f"username {username!r} is taken")
    ward_id = province_id = None
    if role in WARD_ROLES:
        ward = await Ward.select(Ward.id).where(Ward.code == (ward_code or "")).first()
        if ward is None:
            raise UserError(f"role {role} needs --ward with an existing ward code")
        ward_id = ward["id"]
    elif role in PROVINCE_ROLES:
        province = await Province.select(Province.id).where(Province.code == (province_code or "")).first()
        if province is None:
            raise UserError(f"role {role} needs --province with an existing province code")
        province_id = province["id"]
    person = Person(
        username=username,
        password_hash=hash_password(password),
        display_name=display_name,
        title=title,
        is_admin=is_admin,
    )
    await person.save()
    if role:
        await StaffRole.insert(StaffRole(person=person.id, role=role, ward=ward_id,
                                         province=province_id))  # fmt: skip
    return person.id
