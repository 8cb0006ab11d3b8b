"""Who signs the ward's apology slips: for a late case, and for a late consultation synthesis."""

from __future__ import annotations

from app.accounts.policy import Act, roles_with
from app.platform.i18n import N_, in_default_language
from app.platform.tables import StaffRole, Ward

SIGNED_BY_THE_OFFICE = N_("Chairperson of the People's Committee of %(ward)s")


async def signer(ward_id: int) -> dict:
    lead = (
        await StaffRole.select(StaffRole.person.display_name, StaffRole.person.title)
        .where(StaffRole.ward == ward_id, StaffRole.role.is_in(sorted(roles_with(Act.SIGN_APOLOGY))))
        .order_by(StaffRole.id)
        .first()
    )
    if lead is None:  # no lead has an account yet: the slip is signed by the office
        ward = await Ward.select(Ward.name).where(Ward.id == ward_id).first()
        title = in_default_language(SIGNED_BY_THE_OFFICE) % {"ward": ward["name"]}
        return {"signer": "", "signer_title": title}
    return {"signer": lead["person.display_name"], "signer_title": lead["person.title"]}
