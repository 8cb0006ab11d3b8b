"""Verification in person: the clerk's or group head's page that prints a single-use code
with a QR, and the resident's /verify page that takes it."""

from __future__ import annotations

import segno
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import Template
from litestar.status_codes import HTTP_400_BAD_REQUEST

from app.accounts.policy import Act, Actor, wards_where
from app.accounts.residents import device_person_id, ensure_device_person, unless_stored
from app.participation.groups import groups_of
from app.participation.verification import VerificationError, issue, redeem, verifications_of
from app.platform.i18n import gettext as _
from app.platform.settings import Settings
from app.transparency.actions import wards_named
from app.transparency.queries import ward_by_code


@get("/verify", include_in_schema=False)
async def verify_form(request: Request, code: FromQuery[str] = "") -> Template:
    return Template(
        "verification/verify.html",
        context={
            "code": code[:20],
            "error": None,
            "done": None,
            "verifications": await verifications_of(await device_person_id(request)),
        },
    )


@post("/verify", include_in_schema=False)
async def verify(request: Request) -> Response:
    person, cookies = await ensure_device_person(request)
    code = ((await request.form()).get("code") or "")[:40]
    try:
        done = await redeem(person, code)
    except VerificationError as error:
        cookies = await unless_stored(person, cookies, stored=False)
        return Template(
            "verification/verify.html",
            context={
                "code": code,
                "error": str(error),
                "done": None,
                "verifications": await verifications_of(person),
            },
            status_code=HTTP_400_BAD_REQUEST,
            cookies=cookies,
        )
    return Template(
        "verification/verify.html",
        context={"code": "", "error": None, "done": done, "verifications": await verifications_of(person)},
        cookies=cookies,
    )


async def _issuing_context(actor: Actor, error: str | None = None) -> dict:
    ids = wards_where(actor, Act.VERIFY_RESIDENT)
    wards = await wards_named(ids) if ids else []
    if not wards:
        raise PermissionDeniedException(_("Only clerks, ward leads and group heads verify residents."))
    for ward in wards:
        found = await ward_by_code(ward["code"])
        ward["groups"] = await groups_of(found["id"])
    return {"actor": actor, "wards": wards, "error": error}


@get("/staff/verify", include_in_schema=False)
async def issue_form(actor: NamedDependency[Actor]) -> Template:
    return Template("verification/issue.html", context=await _issuing_context(actor))


@post("/staff/verify", include_in_schema=False)
async def issue_code(
    request: Request, actor: NamedDependency[Actor], settings: NamedDependency[Settings]
) -> Template:
    form = await request.form()
    group = form.get("group") or ""
    try:
        issued = await issue(actor, form.get("ward") or "", int(group) if group.isdigit() else None)
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except VerificationError as error:
        return Template(
            "verification/issue.html",
            context=await _issuing_context(actor, str(error)),
            status_code=HTTP_400_BAD_REQUEST,
        )
    # The QR opens /verify with the code filled in; the code is printed beside it as well.
    qr = segno.make(settings.link(f"/verify?code={issued.code}"), error="m").svg_inline(scale=4, border=2)
    return Template("verification/slip.html", context={"actor": actor, "issued": issued, "qr": qr})
