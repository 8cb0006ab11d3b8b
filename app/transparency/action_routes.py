"""Government actions: the public list and detail, and the ward lead's publishing form."""

from __future__ import annotations

from datetime import date

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.policy import Act, Actor, administers, wards_where
from app.platform.i18n import gettext as _
from app.platform.params import Page, RowId
from app.platform.photos import MediaStore
from app.platform.settings import Settings
from app.platform.text import LONG_TEXT, SHORT_TEXT, clean_text
from app.transparency.actions import (
    FORM_KINDS,
    KINDS,
    ActionError,
    NewAction,
    Upload,
    detail,
    publish,
    search,
    wards_named,
)

PAGE = 30


@get("/actions", include_in_schema=False)
async def action_list(
    q: FromQuery[str] = "", ward: FromQuery[str | None] = None, kind: FromQuery[str | None] = None,
    page: Page = 1,
) -> Template:  # fmt: skip
    q = clean_text(q, SHORT_TEXT, "q")
    rows = await search(
        query=q, ward_code=ward or None, kind=kind or None, limit=PAGE + 1, offset=(page - 1) * PAGE
    )
    return Template("actions.html", context={
        "actions": rows[:PAGE], "more": len(rows) > PAGE, "page": page, "q": q, "ward": ward or "",
        "kind": kind or "", "kinds": KINDS,
    })  # fmt: skip


@get("/actions/{action_id:int}", include_in_schema=False)
async def action_page(action_id: RowId) -> Template:
    action = await detail(action_id)
    if action is None:
        raise NotFoundException(_("This government action does not exist."))
    return Template("action.html", context={"action": action, "kinds": KINDS})


async def _publishing_wards(actor: Actor) -> list[dict]:
    ids = wards_where(actor, Act.PUBLISH)
    if ids is None:
        return []  # admins type the ward code
    return await wards_named(ids)


@get("/staff/actions/new", include_in_schema=False)
async def action_form(actor: NamedDependency[Actor]) -> Template:
    wards = await _publishing_wards(actor)
    if not wards and not administers(actor):
        raise PermissionDeniedException(_("Only ward leads publish government actions."))
    return Template("staff/action_form.html", context={"actor": actor, "wards": wards, "kinds": FORM_KINDS,
                                                       "values": {}, "error": None})  # fmt: skip


@post("/staff/actions/new", include_in_schema=False)
async def action_publish(
    request: Request, actor: NamedDependency[Actor], settings: NamedDependency[Settings]
) -> Response:
    form = await request.form()
    uploads = [
        Upload(u.filename, await u.read())
        for u in (form.getall("attachments") if "attachments" in form else [])
        if getattr(u, "filename", None)
    ]
    try:
        effective = date.fromisoformat(form.get("effective_date")) if form.get("effective_date") else None
    except ValueError:
        effective = None
    new = NewAction(
        ward_code=clean_text(form.get("ward"), SHORT_TEXT, "ward"),
        kind=clean_text(form.get("kind"), SHORT_TEXT, "kind"),
        title=clean_text(form.get("title"), SHORT_TEXT * 2, "title"),
        body=clean_text(form.get("body"), LONG_TEXT, "body", multiline=True), effective_date=effective,
        report_codes=clean_text(form.get("reports"), LONG_TEXT, "reports").replace(";", ",").split(","),
        attachments=uploads,
    )  # fmt: skip
    try:
        action_id = await publish(actor, new, MediaStore(settings.media_dir))
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except ActionError as error:
        values = {k: form.get(k) for k in ("ward", "kind", "title", "body", "effective_date", "reports")}
        return Template("staff/action_form.html", context={
            "actor": actor, "wards": await _publishing_wards(actor), "kinds": FORM_KINDS, "values": values,
            "error": str(error)}, status_code=HTTP_400_BAD_REQUEST)  # fmt: skip
    return Redirect(f"/actions/{action_id}", status_code=HTTP_303_SEE_OTHER)
