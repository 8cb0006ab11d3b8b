"""Staff accounts: signing in, the actor behind a session, changing a password."""

from __future__ import annotations

from app.accounts.passwords import hash_password, verify_password
from app.accounts.people import MIN_PASSWORD
from app.accounts.policy import ASSIGNABLE_ROLES, Actor, Grant, Role
from app.platform import clock
from app.platform.i18n import gettext as _
from app.platform.tables import Person, StaffRole


class AccountError(ValueError):
    """Why an account change was refused, for the person making it."""


async def load_actor(person_id: int) -> Actor | None:
    person = (
        await Person.select(Person.id, Person.display_name, Person.is_admin)
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
    return Actor(person["id"], person["display_name"], person["is_admin"], grants)


async def authenticate(username: str, password: str) -> int | None:
    """The person id for a correct username and password of an active account, else None."""
    person = (
        await Person.select(Person.id, Person.password_hash)
        .where(Person.username == username.strip().lower(), Person.is_active.eq(True))
        .first()
    )
    # Verify against a real hash even for unknown users, so timing does not tell them apart.
    stored = person["password_hash"] if person else _DUMMY_HASH
    if not verify_password(stored, password) or person is None:
        return None
    await Person.update({Person.last_login_at: clock.now()}).where(Person.id == person["id"])
    return person["id"]


async def change_password(person_id: int, current: str, new: str) -> None:
    person = await Person.select(Person.password_hash).where(Person.id == person_id).first()
    if person is None or not verify_password(person["password_hash"], current):
        raise AccountError(_("The current password is not right."))
    if len(new) < MIN_PASSWORD:
        raise AccountError(_("The new password needs at least 10 characters."))
    if new == current:
        raise AccountError(_("The new password must differ from the current one."))
    await Person.update({Person.password_hash: hash_password(new)}).where(Person.id == person_id)


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
