"""/staff/admin/: staff accounts, Open311 partner keys and the audit log, in the browser.

Thin handlers: the rules and queries are in app.accounts.administration, the permissions in
app.accounts.policy. The router's guard lets in those who manage accounts somewhere (admins,
province supervisors); each change then checks its own target.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import (
    HTTP_303_SEE_OTHER,
    HTTP_400_BAD_REQUEST,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
)

from app.accounts import administration as admin
from app.accounts.lockout import account_lock
from app.accounts.people import UserError
from app.accounts.policy import Act, Actor, Role, may_anywhere, may_deactivate, may_grant_admin
from app.accounts.routes import provide_actor
from app.platform import clock
from app.platform.i18n import gettext as _
from app.platform.params import Page, RowId
from app.platform.text import LONG_TEXT, SHORT_TEXT, clean_text
from app.platform.throttle import AttemptCounter

PEOPLE = "/staff/admin/people"


async def _manages_accounts(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    if not may_anywhere(await provide_actor(connection), Act.MANAGE_ACCOUNTS):
        raise PermissionDeniedException(_("Only administrators and province supervisors manage accounts."))


async def _manages_keys(connection: ASGIConnection, _handler: BaseRouteHandler) -> None:
    if not may_anywhere(await provide_actor(connection), Act.MANAGE_KEYS):
        raise PermissionDeniedException(_("Only administrators manage partner keys."))


@contextmanager
def _http_errors() -> Iterator[None]:
    """A missing or out-of-remit target answers 404 or 403 with the rule's message."""
    try:
        yield
    except admin.NotFound as error:
        raise NotFoundException(str(error)) from None
    except admin.NotPermitted as error:
        raise PermissionDeniedException(str(error)) from None


REFUSALS = (UserError, admin.NotPermitted, admin.NotFound)


def _refusal_status(error: Exception) -> int:
    if isinstance(error, admin.NotFound):
        return HTTP_404_NOT_FOUND
    return HTTP_403_FORBIDDEN if isinstance(error, admin.NotPermitted) else HTTP_400_BAD_REQUEST


def _common(actor: Actor) -> dict:
    return {"actor": actor, "roles": list(Role), "role_labels": admin.ROLE_LABELS,
            "actions": admin.AUDIT_ACTIONS, "may_grant_admin": may_grant_admin(actor)}  # fmt: skip


@get("/people")
async def people_page(
    actor: NamedDependency[Actor], q: FromQuery[str] = "", page: Page = 1
) -> Template:
    people, more = await admin.list_accounts(actor, clean_text(q, SHORT_TEXT, "q"), page)
    return Template("admin/people.html", context={**_common(actor), "people": people, "more": more,
                                                  "q": q, "page": max(page, 1)})  # fmt: skip


async def _new_form(actor: Actor, values: dict, error: str | None = None, status: int = 200) -> Template:
    return Template("admin/person_new.html", status_code=status, context={
        **_common(actor), "values": values, "error": error, "choices": await admin.scope_choices(actor),
    })  # fmt: skip


@get("/people/new")
async def new_person_form(actor: NamedDependency[Actor]) -> Template:
    return await _new_form(actor, {})


@post("/people/new")
async def create_person(request: Request, actor: NamedDependency[Actor]) -> Response:
    form = await request.form()
    # Normalised here; the account rules bound each field with their own messages.
    fields = ("username", "display_name", "title", "role", "scope")
    values = {k: clean_text(form.get(k), LONG_TEXT, k) for k in fields}
    new = admin.NewAccount(
        username=values["username"], display_name=values["display_name"], title=values["title"],
        role=values["role"], scope_code=values["scope"], is_admin=form.get("is_admin") == "on",
        password=form.get("password") or "",
    )  # fmt: skip
    try:
        created = await admin.create_account(actor, new)
    except REFUSALS as error:
        return await _new_form(actor, values, str(error), _refusal_status(error))
    if created.temporary_password:  # shown this once, never stored in the clear
        return await _person_page(actor, created.person_id, notice="account_created",
                                  secret=created.temporary_password)  # fmt: skip
    return Redirect(f"{PEOPLE}/{created.person_id}?done=account_created", status_code=HTTP_303_SEE_OTHER)


async def _person_page(actor: Actor, person_id: int, *, notice: str = "", secret: str | None = None,
                       error: str | None = None, status: int = 200,
                       attempts: AttemptCounter | None = None) -> Template:  # fmt: skip
    with _http_errors():
        person = await admin.profile(actor, person_id)
    lock = await account_lock(attempts, person.username) if attempts else None
    return Template("admin/person.html", status_code=status, context={
        "lock": lock, "lock_until": clock.now() + timedelta(seconds=lock.expires_in or 0) if lock else None,
        **_common(actor), "person": person, "entries": await admin.history(person_id),
        "choices": await admin.scope_choices(actor), "may_deactivate": may_deactivate(actor, person.account),
        "notice": admin.AUDIT_ACTIONS.get(notice), "secret": secret, "error": error,
    })  # fmt: skip


@get("/people/{person_id:int}")
async def person_page(
    actor: NamedDependency[Actor], attempts: NamedDependency[AttemptCounter], person_id: RowId,
    done: FromQuery[str] = "",
) -> Template:
    return await _person_page(actor, person_id, notice=done, attempts=attempts)


async def _change(actor: Actor, person_id: int, action: str, change) -> Response:
    """Run one change to an account: back to its page with a notice, or the page again with
    the reason it was refused."""
    try:
        secret = await change()
    except REFUSALS as error:  # the page itself answers 403 or 404 if the account is out of reach
        return await _person_page(actor, person_id, error=str(error), status=_refusal_status(error))
    if secret:
        return await _person_page(actor, person_id, notice=action, secret=secret)
    return Redirect(f"{PEOPLE}/{person_id}?done={action}", status_code=HTTP_303_SEE_OTHER)


@post("/people/{person_id:int}/roles")
async def grant_role(request: Request, actor: NamedDependency[Actor], person_id: RowId) -> Response:
    form = await request.form()
    role, scope = (clean_text(form.get(k), LONG_TEXT, k) for k in ("role", "scope"))
    return await _change(actor, person_id, "role_granted",
                         lambda: admin.grant_role(actor, person_id, role, scope))  # fmt: skip


@post("/people/{person_id:int}/roles/{role_id:int}/remove")
async def remove_role(
    actor: NamedDependency[Actor], person_id: RowId, role_id: RowId
) -> Response:
    return await _change(actor, person_id, "role_removed",
                         lambda: admin.remove_role(actor, person_id, role_id))  # fmt: skip


@post("/people/{person_id:int}/password")
async def reset_password(
    request: Request, actor: NamedDependency[Actor], person_id: RowId
) -> Response:
    chosen = (await request.form()).get("password") or ""
    return await _change(actor, person_id, "password_reset",
                         lambda: admin.reset_password(actor, person_id, chosen))  # fmt: skip


@post("/people/{person_id:int}/active")
async def set_active(request: Request, actor: NamedDependency[Actor], person_id: RowId) -> Response:
    active = (await request.form()).get("active") == "1"
    return await _change(actor, person_id, "account_reactivated" if active else "account_deactivated",
                         lambda: admin.set_active(actor, person_id, active))  # fmt: skip


@post("/people/{person_id:int}/admin")
async def set_admin(request: Request, actor: NamedDependency[Actor], person_id: RowId) -> Response:
    make_admin = (await request.form()).get("admin") == "1"
    return await _change(actor, person_id, "admin_granted" if make_admin else "admin_removed",
                         lambda: admin.set_admin(actor, person_id, make_admin))  # fmt: skip


async def _keys_page(actor: Actor, *, notice: str = "", new_key: str | None = None, name: str = "",
                     error: str | None = None, status: int = 200) -> Template:  # fmt: skip
    return Template("admin/keys.html", status_code=status, context={
        **_common(actor), "keys": await admin.partner_keys(), "notice": admin.AUDIT_ACTIONS.get(notice),
        "new_key": new_key, "name": name, "error": error,
    })  # fmt: skip


@get("/keys", guards=[_manages_keys])
async def keys_page(actor: NamedDependency[Actor], done: FromQuery[str] = "") -> Template:
    return await _keys_page(actor, notice=done)


@post("/keys", guards=[_manages_keys])
async def issue_key(request: Request, actor: NamedDependency[Actor]) -> Template:
    name = clean_text((await request.form()).get("name"), LONG_TEXT, "name")
    try:
        key = await admin.issue_partner_key(actor, name)
    except REFUSALS as error:
        return await _keys_page(actor, name=name, error=str(error), status=_refusal_status(error))
    return await _keys_page(actor, notice="key_issued", new_key=key)


@post("/keys/{key_id:int}/revoke", guards=[_manages_keys])
async def revoke_key(actor: NamedDependency[Actor], key_id: RowId) -> Redirect:
    with _http_errors():
        await admin.revoke_key(actor, key_id)
    return Redirect("/staff/admin/keys?done=key_revoked", status_code=HTTP_303_SEE_OTHER)


@get("/audit")
async def audit_page(actor: NamedDependency[Actor], page: Page = 1) -> Template:
    entries, more = await admin.audit_entries(actor, page)
    return Template("admin/audit.html", context={**_common(actor), "entries": entries, "more": more,
                                                 "page": max(page, 1)})  # fmt: skip


admin_router = Router(
    path="/staff/admin",
    guards=[_manages_accounts],
    include_in_schema=False,
    route_handlers=[people_page, new_person_form, create_person, person_page, grant_role, remove_role,
                    reset_password, set_active, set_admin, keys_page, issue_key, revoke_key, audit_page],
)  # fmt: skip
