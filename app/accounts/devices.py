"""Phones and browsers registered for push: a device's Firebase installation id and its owner."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from app.platform import clock
from app.platform.db import UNIQUE_VIOLATIONS
from app.platform.tables import Device, Person


class DeviceTaken(Exception):
    """The push id belongs to another resident and the installation's secret was not shown."""


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def register(person_id: int, fid: str, platform: str, secret: str | None = None) -> str | None:
    """Record the device for this person. A push id is bound to the installation that first
    registered it: it moves to another person (the same phone, signed in as someone else) only
    when the request shows the installation secret handed out at that first registration, so
    knowing someone's push id is not enough to take their notifications.

    Returns a new installation secret when one is issued (first registration, or a device
    registered before secrets existed, by its owner); the client keeps it with the push id."""
    now = clock.now()
    existing = await Device.select(Device.id, Device.person, Device.secret_hash).where(
        Device.fid == fid
    ).first()
    if existing is None:
        issued = secrets.token_urlsafe(32)
        try:
            await Device.insert(Device(person=person_id, fid=fid, platform=platform, created_at=now,
                                       last_seen_at=now, secret_hash=_secret_hash(issued)))  # fmt: skip
        except UNIQUE_VIOLATIONS:  # registered a moment ago by another request: that one is first
            raise DeviceTaken from None
        return issued
    known = existing["secret_hash"] or ""
    proven = bool(secret and known) and hmac.compare_digest(known, _secret_hash(secret))
    if existing["person"] != person_id and not proven:
        raise DeviceTaken
    changes = {Device.person: person_id, Device.platform: platform, Device.last_seen_at: now}
    issued = None
    if not known:
        issued = secrets.token_urlsafe(32)
        changes[Device.secret_hash] = _secret_hash(issued)
    await Device.update(changes).where(Device.id == existing["id"])
    return issued


async def unregister(person_id: int, fid: str) -> None:
    """Stop pushes to a device; only its owner can."""
    await Device.delete().where(Device.fid == fid, Device.person == person_id)


async def person_of_device(token: str) -> int | None:
    """The resident this browser's device token stands for, if any."""
    row = await Person.select(Person.id).where(Person.device_identity == token).first()
    return row["id"] if row else None


async def new_device_person(token: str, language: str) -> int:
    """A resident known only by a new device token: made the first time something is stored for them."""
    person = Person(device_identity=token, language=language)
    await person.save()
    return person.id


async def forget_device_person(person_id: int) -> None:
    """A resident made for an act that then stored nothing (a refused proposal, a support that
    did not count): removed, so calls that store nothing leave no person behind."""
    await Person.delete().where(Person.id == person_id, Person.device_identity.is_not_null(),
                                Person.username.is_null())  # fmt: skip
