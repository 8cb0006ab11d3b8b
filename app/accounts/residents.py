"""Residents without accounts are known by a random device token in a long-lived cookie."""

from __future__ import annotations

import secrets

from litestar import Request
from litestar.datastructures import Cookie

from app.accounts.devices import forget_device_person, new_device_person, person_of_device
from app.platform.i18n import current_language

DEVICE_COOKIE = "gd_device"
TEN_YEARS = 10 * 365 * 24 * 3600


async def device_person_id(request: Request) -> int | None:
    token = request.cookies.get(DEVICE_COOKIE)
    if not token:
        return None
    return await person_of_device(token)


async def ensure_device_person(request: Request) -> tuple[int, list[Cookie]]:
    """The resident behind this browser, created on first need; plus the cookie to set.

    Secure whenever PUBLIC_URL is https: behind a proxy the request itself arrives as http."""
    if (person_id := await device_person_id(request)) is not None:
        return person_id, []
    token = secrets.token_urlsafe(32)
    # The language the middleware chose for this request: one of ours, never the raw ?lang=.
    return await new_device_person(token, current_language.get()), [device_cookie(request, token)]


async def unless_stored(person_id: int, cookies: list[Cookie], stored: bool) -> list[Cookie]:
    """The cookies to send after an act: when the resident was made for this request
    (`cookies` carries their new device cookie) and the act stored nothing, the resident is
    removed again and no cookie is sent."""
    if cookies and not stored:
        await forget_device_person(person_id)
        return []
    return cookies


def device_cookie(request: Request, token: str) -> Cookie:
    """The long-lived cookie that makes this browser the resident with this device token."""
    return Cookie(key=DEVICE_COOKIE, value=token, max_age=TEN_YEARS, httponly=True,
                  samesite="lax", secure=request.app.state.secure_cookies)  # fmt: skip
