"""/me/: a resident's (or staff member's) reports, inbox and notification settings; the
device registration API for push."""

from __future__ import annotations

from typing import Literal

from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_303_SEE_OTHER, HTTP_409_CONFLICT
from msgspec import Struct

from app.accounts import devices
from app.accounts.residents import device_cookie, device_person_id, ensure_device_person, unless_stored
from app.accounts.restore import RestoreError, redeem_restore_link, send_restore_link, send_restore_text
from app.accounts.rules import is_active
from app.platform.i18n import current_language
from app.platform.i18n import gettext as _
from app.platform.settings import Settings
from app.platform.text import clean_text
from app.platform.throttle import AttemptCounter
from notifications.inbox import (
    get_preferences,
    mark_all_read,
    messages,
    my_reports,
    save_preferences,
    unread_count,
)
from notifications.preferences import DEFAULTS


async def current_person(request: Request) -> int | None:
    """The signed-in staff member (while the account is active), else the resident behind
    this browser."""
    if request.session and request.session.get("person_id"):
        if await is_active(request.session["person_id"]):
            return request.session["person_id"]
    return await device_person_id(request)


async def _me_page(
    request: Request, settings: Settings, restore_error: str | None = None, sms_error: str | None = None
) -> Template:
    person = await current_person(request)
    context = {
        "reports": [],
        "inbox": [],
        "preferences": DEFAULTS,
        "push_config": settings.firebase_web_config,
        # Staff see their work alerts; a resident sees only what applies to residents.
        "is_staff": bool(request.session and request.session.get("person_id")),
        "can_email": bool(settings.smtp_host),
        "can_text": settings.sms_gateway is not None,
        "link_sent": request.query_params.get("link_sent"),
        "restore_error": restore_error,
        "sms_error": sms_error,
    }
    if person is not None:
        context.update(
            reports=await my_reports(person),
            inbox=await messages(person, current_language.get()),
            preferences=await get_preferences(person),
        )
    refused = restore_error or sms_error
    return Template("me.html", context=context, status_code=400 if refused else 200)


@get("/me/", include_in_schema=False)
async def me_page(request: Request, settings: NamedDependency[Settings]) -> Template:
    return await _me_page(request, settings)


@post("/me/restore-link", include_in_schema=False)
async def me_restore_link(request: Request, settings: NamedDependency[Settings]) -> Response:
    """E-mail this device's reports to the resident, as a link to open on another phone."""
    form = await request.form()
    try:
        await send_restore_link(request.app.stores.get("restore_links"), settings,
                                await device_person_id(request), clean_text(form.get("email"), 254, "email"))
    except RestoreError as error:
        return await _me_page(request, settings, restore_error=str(error))
    return Redirect("/me/?link_sent=email#restore-h", status_code=HTTP_303_SEE_OTHER)


@post("/me/restore-sms", include_in_schema=False)
async def me_restore_sms(
    request: Request, settings: NamedDependency[Settings], attempts: NamedDependency[AttemptCounter]
) -> Response:
    """Text the same link to a mobile number, for residents without e-mail."""
    form = await request.form()
    try:
        await send_restore_text(request.app.stores.get("restore_links"), attempts, settings,
                                await device_person_id(request), clean_text(form.get("phone"), 40, "phone"))
    except RestoreError as error:
        return await _me_page(request, settings, sms_error=str(error))
    return Redirect("/me/?link_sent=sms#restore-h", status_code=HTTP_303_SEE_OTHER)


@get("/me/restore/{token:str}", include_in_schema=False)
async def me_restore(request: Request, token: FromPath[str]) -> Redirect:
    """The link sent by e-mail or SMS: this phone becomes the device that sent and follows those reports."""
    device = await redeem_restore_link(request.app.stores.get("restore_links"), token)
    if device is None:
        raise NotFoundException(_("This link has been used or is more than a day old. Ask for a new one."))
    return Redirect("/me/", status_code=HTTP_303_SEE_OTHER, cookies=[device_cookie(request, device)])


@post("/me/read", include_in_schema=False)
async def me_read(request: Request) -> Redirect:
    if (person := await current_person(request)) is not None:
        await mark_all_read(person)
    return Redirect("/me/", status_code=HTTP_303_SEE_OTHER)


@post("/me/preferences", include_in_schema=False)
async def me_preferences(request: Request) -> Redirect:
    form = await request.form()
    person = await current_person(request)
    cookies = []
    if person is None:
        person, cookies = await ensure_device_person(request)
    await save_preferences(person, {k: form.get(k) == "on" for k in DEFAULTS}, form.get("language"))
    return Redirect("/me/?saved=1", status_code=HTTP_303_SEE_OTHER, cookies=cookies)


class DeviceRegistration(Struct):
    fid: str
    platform: Literal["web", "android", "ios"] = "web"
    # Given back by the first registration of this fid; needed to register it again for
    # another resident (the same installation, signed in as someone else).
    installation_secret: str | None = None


class RegisteredDevice(Struct):
    fid: str
    platform: str
    installation_secret: str | None = None  # only when issued: keep it with the fid


class DeviceTakenError(HTTPException):
    status_code = HTTP_409_CONFLICT


@post("/api/v1/devices", tags=["api"], summary="Register this device's Firebase installation id for push",
      status_code=HTTP_201_CREATED, raises=[DeviceTakenError],
      description="The first registration of a fid returns an `installation_secret`: the client keeps "
                  "it, and shows it to register the same fid for another resident. Without it, a fid "
                  "registered by someone else is refused with 409.")  # fmt: skip
async def register_device(request: Request, data: JSONBody[DeviceRegistration]) -> Response[RegisteredDevice]:
    fid = data.fid.strip()
    if not 8 <= len(fid) <= 255:
        raise ValidationException(_("fid must be the Firebase installation id (8 to 255 characters)."))
    person = await current_person(request)
    cookies = []
    if person is None:
        person, cookies = await ensure_device_person(request)
    try:
        issued = await devices.register(person, fid, data.platform, data.installation_secret)
    except devices.DeviceTaken:
        await unless_stored(person, cookies, stored=False)
        raise DeviceTakenError(detail=_(
            "This device is registered to someone else. Register it again from the same "
            "installation, with its installation_secret.")) from None  # fmt: skip
    return Response(RegisteredDevice(fid, data.platform, issued), status_code=HTTP_201_CREATED,
                    cookies=cookies)  # fmt: skip


@delete("/api/v1/devices/{fid:str}", tags=["api"], summary="Stop pushes to this device",
        status_code=HTTP_204_NO_CONTENT)  # fmt: skip
async def unregister_device(request: Request, fid: FromPath[str]) -> None:
    person = await current_person(request)
    if person is not None:
        await devices.unregister(person, fid)


@get("/me/badge", include_in_schema=False, cache=False)
async def me_badge(request: Request) -> Response:
    """htmx fragment for the header: the number of unread notifications, or nothing."""
    person = await current_person(request)
    count = await unread_count(person) if person is not None else 0
    label = _("%(n)d unread") % {"n": count}
    html = f'<span class="unread" aria-label="{label}">{count}</span>' if count else "<span></span>"
    return Response(html, media_type="text/html")
