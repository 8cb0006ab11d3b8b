"""Residents verified by the ward, in person.

A one-stop-centre clerk, the ward lead or a residential group head meets the resident, checks
who they are the way the office always has, and hands over a printed single-use code. Typed
on the resident's phone (/verify), it marks that device identity as a verified resident of
the code's ward (and group). No identity number is asked or stored: only who verified, when.
Only the code's SHA-256 is kept, so a copy of the database cannot be used to verify anyone.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from app.accounts.policy import Act, Actor, Place, allows
from app.platform import clock
from app.platform.db import write_transaction
from app.platform.i18n import gettext as _
from app.platform.tables import ResidentialGroup, VerificationCode, VerifiedResident, Ward

# No 0/O, 1/I/L: a code is read off paper by elderly people and typed on a small keyboard.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
CODE_VALID = timedelta(days=30)


class VerificationError(ValueError):
    """A code that cannot be used, said so that the resident knows what to do."""


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, printed on the slip
    ward_name: str
    group_name: str | None
    expires_at: object


def _normalised(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(_normalised(code).encode()).hexdigest()


def readable(code: str) -> str:
    """ABCDE-FGHJK: two halves are easier to read aloud and to type."""
    return f"{code[:5]}-{code[5:]}"


async def issue(actor: Actor, ward_code: str, group_id: int | None = None) -> IssuedCode:
    ward = await Ward.select(Ward.id, Ward.name, Ward.province).where(Ward.code == ward_code).first()
    if ward is None:
        raise VerificationError(_("Choose the ward the resident lives in."))
    if not allows(actor, Act.VERIFY_RESIDENT, Place(ward["id"], ward["province"])):
        raise PermissionError(_("You may not verify residents of this ward."))
    group = None
    if group_id is not None:
        group = (
            await ResidentialGroup.select(ResidentialGroup.name)
            .where(ResidentialGroup.id == group_id, ResidentialGroup.ward == ward["id"])
            .first()
        )
        if group is None:
            raise VerificationError(_("That residential group is not in this ward."))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    now = clock.now()
    await VerificationCode.insert(
        VerificationCode(
            code_hash=_hash(code),
            ward=ward["id"],
            group=group_id,
            issued_by=actor.person_id,
            created_at=now,
            expires_at=now + CODE_VALID,
        )
    )
    return IssuedCode(readable(code), ward["name"], group["name"] if group else None, now + CODE_VALID)


async def redeem(person_id: int, code: str) -> dict:
    """Mark this device identity a verified resident of the code's ward; the ward and group.

    The code is spent by one conditional UPDATE, so of two phones typing it at the same moment
    exactly one succeeds."""
    now = clock.now()
    async with write_transaction():
        spent = (
            await VerificationCode.update(
                {VerificationCode.used_at: now, VerificationCode.used_by: person_id}
            )
            .where(
                VerificationCode.code_hash == _hash(code),
                VerificationCode.used_at.is_null(),
                VerificationCode.expires_at > now,
            )
            .returning(VerificationCode.ward, VerificationCode.group, VerificationCode.issued_by)
        )
        if not spent:
            raise VerificationError(
                _(
                    "This code is not valid: it may be mistyped, used already or expired. "
                    "Ask the ward office or your group head for a new one."
                )
            )
        code_row = spent[0]
        await VerifiedResident.insert(
            VerifiedResident(
                person=person_id,
                ward=code_row["ward"],
                group=code_row["group"],
                verified_by=code_row["issued_by"],
                verified_at=now,
            )
        ).on_conflict(
            target=(VerifiedResident.person, VerifiedResident.ward),
            action="DO UPDATE",
            values=[VerifiedResident.group, VerifiedResident.verified_by, VerifiedResident.verified_at],
        )
    return await verification_of(person_id, code_row["ward"])


async def verification_of(person_id: int | None, ward_id: int) -> dict | None:
    """The ward and group a person is verified in, or None."""
    if person_id is None:
        return None
    return (
        await VerifiedResident.select(
            VerifiedResident.ward.name.as_alias("ward_name"),
            VerifiedResident.group.as_alias("group_id"),
            VerifiedResident.group.name.as_alias("group_name"),
            VerifiedResident.verified_at,
        )
        .where(VerifiedResident.person == person_id, VerifiedResident.ward == ward_id)
        .first()
    )


async def verifications_of(person_id: int | None) -> list[dict]:
    if person_id is None:
        return []
    return await VerifiedResident.select(
        VerifiedResident.ward.name.as_alias("ward_name"),
        VerifiedResident.group.name.as_alias("group_name"),
        VerifiedResident.verified_at,
    ).where(VerifiedResident.person == person_id)
