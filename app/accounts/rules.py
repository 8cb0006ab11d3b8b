"""Staff accounts: signing in, the actor behind a session, changing a password."""

from __future__ import annotations

import asyncio

from app.accounts.passwords import hash_password, verify_password
from app.accounts.people import UserError, check_password, hash_off_loop
from app.accounts.policy import ASSIGNABLE_ROLES, Actor, Grant, Role
from app.platform import clock
from app.platform.i18n import gettext as _
from app.platform.tables import Person, StaffRole


async def load_actor(person_id: int) -> Actor | None:
    person = (
        await Person.select(Person.id, Person.display_name, Person.is_admin, Person.must_change_password)
        .where(Person.id == person_id, Person.is_active.eq(True), Person.username.is_not_null())
        .first()
    )
    if person is None:
        return None
    roles = await StaffRole.select(StaffRole.role, StaffRole.ward, StaffRole.province).where(
        StaffRole.person == person_id
    )
    # A ward role also needs its ward's province, so that a policy question about a place
    # has everything at hand.
    grants = tuple(Grant(Role(r["role"]), r["ward"], r["province"]) for r in roles)
    return Actor(person["id"], person["display_name"], person["is_admin"], grants,
                 must_change_password=person["must_change_password"])


async def is_active(person_id: int) -> bool:
    """Whether the account may still act: a deactivated one's sessions end on its next request."""
    return await Person.exists().where(Person.id == person_id, Person.is_active.eq(True))


async def authenticate(username: str, password: str) -> int | None:
    """The person id for a correct username and password of an active account, else None."""
    person = (
        await Person.select(Person.id, Person.password_hash)
        .where(Person.username == username.strip().lower(), Person.is_active.eq(True))
        .first()
    )
    # Verify against a real hash even for unknown users, so timing does not tell them apart.
    stored = person["password_hash"] if person else _DUMMY_HASH
    if not await asyncio.to_thread(verify_password, stored, password) or person is None:
        return None
    await Person.update({Person.last_login_at: clock.now()}).where(Person.id == person["id"])
    return person["id"]


async def change_password(person_id: int, current: str, new: str) -> None:
    """The person's own new password; it also ends a reset's demand for one."""
    person = await Person.select(Person.password_hash).where(Person.id == person_id).first()
    if person is None or not await asyncio.to_thread(verify_password, person["password_hash"], current):
        raise UserError(_("The current password is not right."))
    check_password(new)
    if new == current:
        raise UserError(_("The new password must differ from the current one."))
    await Person.update(
        {Person.password_hash: await hash_off_loop(new), Person.must_change_password: False}
    ).where(Person.id == person_id)


async def ward_officers(ward_id: int) -> list[dict]:
    """People who can be assigned the reports of a ward: its officers and leads."""
    return await StaffRole.select(
        StaffRole.person.id.as_alias("id"), StaffRole.person.display_name.as_alias("name")
    ).where(
        StaffRole.ward == ward_id,
        StaffRole.role.is_in(sorted(ASSIGNABLE_ROLES)),
        StaffRole.person.is_active.eq(True),
    )


_DUMMY_HASH = hash_password("not a password anyone has")
