"""Staff sign-in: login with throttling of failures, logout, password change."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_429_TOO_MANY_REQUESTS

from app.accounts import lockout
from app.accounts.people import UserError
from app.accounts.policy import Actor
from app.accounts.rules import authenticate, change_password, load_actor
from app.platform.client_address import client_address
from app.platform.i18n import gettext as _
from app.platform.sessions import renew_session
from app.platform.settings import Settings
from app.platform.text import SHORT_TEXT, clean_text
from app.platform.throttle import AttemptCounter

KNOWN_DEVICE_COOKIE = "gd_signin"
ONE_YEAR = 365 * 24 * 3600


def _safe_next(target: str | None) -> str:
    """Only local paths: a login link must not bounce people to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/staff/"


@get("/login", include_in_schema=False)
async def login_form(next: FromQuery[str | None] = None) -> Template:  # noqa: A002
    return Template("login.html", context={"next": _safe_next(next), "error": None})


@post("/login", include_in_schema=False)
async def login(
    request: Request, settings: NamedDependency[Settings], attempts: NamedDependency[AttemptCounter]
) -> Response:
    form = await request.form()
    username = clean_text(form.get("username"), SHORT_TEXT, "username").lower()
    password = form.get("password") or ""
    target = _safe_next(form.get("next"))
    device = lockout.known_device(settings.secret_key, username, request.cookies.get(KNOWN_DEVICE_COOKIE))

    def again(error: str, status: int) -> Template:
        return Template("login.html", context={"next": target, "error": error, "username": username},
                        status_code=status)  # fmt: skip

    if not await lockout.may_attempt(attempts, username, device, client_address(request, settings)):
        return again(_("Too many failed attempts. Wait 15 minutes, then try again."),
                     HTTP_429_TOO_MANY_REQUESTS)  # fmt: skip
    person_id = await authenticate(username, password)
    if person_id is None:
        return again(_("The username or password is not right."), HTTP_400_BAD_REQUEST)
    await lockout.signed_in(attempts, username, device)
    renew_session(request, {"person_id": person_id})
    response = Redirect(target, status_code=HTTP_303_SEE_OTHER)
    if device is None:
        response.set_cookie(KNOWN_DEVICE_COOKIE, lockout.known_device_token(settings.secret_key, username),
                            max_age=ONE_YEAR, httponly=True, samesite="strict", path="/login",
                            secure=settings.public_url.startswith("https://"))  # fmt: skip
    return response


@post("/logout", include_in_schema=False)
async def logout(request: Request) -> Redirect:
    request.clear_session()
    return Redirect("/", status_code=HTTP_303_SEE_OTHER)


PASSWORD_PAGE = "/staff/password"


def _sign_in_first(path: str) -> NotAuthorizedException:
    return NotAuthorizedException(_("Sign in to continue."), extra={"login": f"/login?next={quote(path)}"})


async def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard of the staff routers: nobody reaches them without a session. What the person
    may do there is the policy's to say, through the `actor` dependency."""
    if not (connection.session or {}).get("person_id"):
        raise _sign_in_first(connection.url.path)


async def provide_actor(request: ASGIConnection) -> Actor:
    """The signed-in staff member, for every /staff/ handler; others are sent to /login.

    The account is read afresh on every request, so a deactivated account's sessions end at
    once, and after a password reset the person meets the password page wherever they go.
    """
    person_id = request.session.get("person_id") if request.session else None
    actor = await load_actor(person_id) if person_id else None
    if actor is None:
        raise _sign_in_first(request.url.path)
    if actor.must_change_password and request.url.path != PASSWORD_PAGE:
        raise NotAuthorizedException(_("Choose a new password to continue."), extra={"login": PASSWORD_PAGE})
    if not actor.is_staff:
        raise PermissionDeniedException(_("This account has no role in any ward."))
    return actor


@get(PASSWORD_PAGE, include_in_schema=False)
async def password_form(actor: NamedDependency[Actor]) -> Template:
    return Template("password.html", context={"actor": actor, "error": None, "done": False})


@post(PASSWORD_PAGE, include_in_schema=False)
async def password_change(request: Request, actor: NamedDependency[Actor]) -> Template:
    form = await request.form()
    try:
        await change_password(actor.person_id, form.get("current") or "", form.get("new") or "")
    except UserError as error:
        return Template("password.html", context={"actor": actor, "error": str(error), "done": False},
                        status_code=HTTP_400_BAD_REQUEST)  # fmt: skip
    # A new password is a change of what this session can prove: it gets a new id.
    renew_session(request, {"person_id": actor.person_id})
    return Template("password.html", context={"actor": actor, "error": None, "done": True})
