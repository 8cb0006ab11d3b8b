"""/me/: a resident's (or staff member's) reports, inbox and notification settings; the
device registration API for push."""

from __future__ import annotations

from typing import Literal

from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_303_SEE_OTHER
from msgspec import Struct

from app.accounts import devices
from app.accounts.residents import device_person_id, ensure_device_person
from app.accounts.rules import is_active
from app.platform.i18n import current_language
from app.platform.i18n import gettext as _
from app.platform.settings import Settings
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


@get("/me/", include_in_schema=False)
async def me_page(request: Request, settings: NamedDependency[Settings]) -> Template:
    person = await current_person(request)
    context = {
        "reports": [],
        "inbox": [],
        "preferences": DEFAULTS,
        "push_config": settings.firebase_web_config,
    }
    if person is not None:
        context.update(
            reports=await my_reports(person),
            inbox=await messages(person, current_language.get()),
            preferences=await get_preferences(person),
        )
    return Template("me.html", context=context)


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


@post("/api/v1/devices", tags=["api"], summary="Register this device's Firebase installation id for push",
      status_code=HTTP_201_CREATED)  # fmt: skip
async def register_device(request: Request, data: JSONBody[DeviceRegistration]) -> Response:
    fid = data.fid.strip()
    if not 8 <= len(fid) <= 255:
        raise ValidationException(_("fid must be the Firebase installation id (8 to 255 characters)."))
    person = await current_person(request)
    cookies = []
    if person is None:
        person, cookies = await ensure_device_person(request)
    await devices.register(person, fid, data.platform)
    return Response({"fid": fid, "platform": data.platform}, status_code=HTTP_201_CREATED, cookies=cookies)


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
