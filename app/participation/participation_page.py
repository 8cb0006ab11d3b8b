"""A ward's participation page, /wards/{code}/participation: what its residents are asked,
propose and decide. Each part of participation adds its own section to the context here."""

from __future__ import annotations

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from app.accounts.residents import device_person_id
from app.participation import consultations, decisions, inspection, proposals, survey
from app.participation.verification import verification_of
from app.transparency.ward_lookup import ward_or_404


async def participation_context(ward: dict, person_id: int | None) -> dict:
    """What the page shows of `ward` to this resident (None: not known on this device).
    Proposals, decisions and inspection requests add their keys here."""
    requests = await inspection.ward_requests(ward["code"], limit=5)
    return {
        "ward": ward,
        "consultations": await consultations.for_ward(ward["code"]),
        "consultation_status_labels": consultations.STATUS_LABELS,
        "verified": await verification_of(person_id, ward["id"]),
        "proposal_counts": await proposals.state_counts(ward["code"]),
        "proposal_states": proposals.STATES,
        "inspection_requests": requests,
        "decisions": await decisions.for_ward(ward["code"], limit=10),
        "decision_status_labels": decisions.STATUS_LABELS,
        "survey": await survey.summary(ward["id"]),
    }


@get("/wards/{code:str}/participation", include_in_schema=False)
async def participation_page(request: Request, code: FromPath[str]) -> Template:
    ward = await ward_or_404(code)
    context = await participation_context(ward, await device_person_id(request))
    return Template("participation/ward.html", context=context)
