"""Phones and browsers registered for push: a device's Firebase installation id and its owner."""

from __future__ import annotations

from app.platform import clock
from app.platform.tables import Device, Person


async def register(person_id: int, fid: str, platform: str) -> None:
    """Record the device for this person; the same phone signed in as someone else now
    follows its new owner."""
    now = clock.now()
    existing = await Device.select(Device.id).where(Device.fid == fid).first()
    if existing:
        await Device.update(
            {Device.person: person_id, Device.platform: platform, Device.last_seen_at: now}
        ).where(Device.id == existing["id"])
    else:
        await Device.insert(
            Device(person=person_id, fid=fid, platform=platform, created_at=now, last_seen_at=now)
        )


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
