"""The inspection board's pages: a ward's requests and answers, the board's form to ask, the
ward lead's form to answer, and the yearly supervision report. Thin: rules in inspection.py."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.policy import Act, Actor, administers, wards_where
from app.participation import inspection
from app.participation.inspection import TARGETS, InspectionError, NewRequest, NewSupervisionReport
from app.participation.proposals import wards_named
from app.platform import clock
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore
from app.platform.settings import Settings
from app.transparency.actions import Upload
from app.transparency.ward_lookup import ward_or_404


@get("/wards/{code:str}/inspection", include_in_schema=False)
async def ward_inspection(code: FromPath[str]) -> Template:
    ward = await ward_or_404(code)
    return Template(
        "inspection/ward.html",
        context={
            "ward": ward,
            "targets": TARGETS,
            "now": clock.now(),
            "requests": await inspection.ward_requests(code),
            "supervision_reports": await inspection.supervision_reports(code),
        },
    )


async def _wards_for(actor: Actor, act: Act) -> list[dict]:
    wards = await wards_named(wards_where(actor, act))
    if not wards and not administers(actor):
        raise PermissionDeniedException(_("Only the ward's people's inspection board may do this."))
    return wards


def _request_context(actor: Actor, wards: list[dict], values: dict, errors: dict) -> dict:
    return {"actor": actor, "wards": wards, "targets": TARGETS, "values": values, "errors": errors}


@get("/staff/inspection/new", include_in_schema=False)
async def request_form(
    actor: NamedDependency[Actor], kind: FromQuery[str] = "report", target: FromQuery[str] = ""
) -> Template:
    wards = await _wards_for(actor, Act.REQUEST_EXPLANATION)
    values = {"target_kind": kind, "target": target}
    return Template("inspection/request_form.html", context=_request_context(actor, wards, values, {}))


@post("/staff/inspection/new", include_in_schema=False)
async def request_create(request: Request, actor: NamedDependency[Actor]) -> Response:
    form = await request.form()
    values = {k: form.get(k) or "" for k in ("ward", "target_kind", "target", "question")}
    try:
        await inspection.request_explanation(
            actor,
            NewRequest(
                ward_code=values["ward"],
                target_kind=values["target_kind"],
                target=values["target"],
                question=values["question"],
            ),
        )
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except InspectionError as error:
        wards = await _wards_for(actor, Act.REQUEST_EXPLANATION)
        return Template(
            "inspection/request_form.html",
            context=_request_context(actor, wards, values, error.errors),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/wards/{values['ward']}/inspection", status_code=HTTP_303_SEE_OTHER)


async def _request_or_404(request_id: int) -> dict:
    row = await inspection.public_request(request_id)
    if row is None:
        raise NotFoundException(_("This inspection request does not exist."))
    return row


@get("/staff/inspection/{request_id:int}/answer", include_in_schema=False)
async def answer_form(actor: NamedDependency[Actor], request_id: FromPath[int]) -> Template:
    row = await _request_or_404(request_id)
    return Template(
        "inspection/answer.html",
        context={"actor": actor, "r": row, "targets": TARGETS, "values": {}, "errors": {}},
    )


@post("/staff/inspection/{request_id:int}/answer", include_in_schema=False)
async def answer_request(
    request: Request, actor: NamedDependency[Actor], request_id: FromPath[int]
) -> Response:
    row = await _request_or_404(request_id)
    form = await request.form()
    try:
        await inspection.answer_request(actor, request_id, form.get("answer") or "")
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except InspectionError as error:
        return Template(
            "inspection/answer.html",
            context={
                "actor": actor,
                "r": row,
                "targets": TARGETS,
                "values": {"answer": form.get("answer")},
                "errors": error.errors,
            },
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(
        f"/wards/{row['ward.code']}/inspection#request-{request_id}", status_code=HTTP_303_SEE_OTHER
    )


@get("/staff/supervision-reports/new", include_in_schema=False)
async def supervision_form(actor: NamedDependency[Actor]) -> Template:
    wards = await _wards_for(actor, Act.PUBLISH_SUPERVISION)
    return Template(
        "inspection/supervision_form.html",
        context={"actor": actor, "wards": wards, "values": {"year": clock.now().year - 1}, "errors": {}},
    )


@post("/staff/supervision-reports/new", include_in_schema=False)
async def supervision_publish(
    request: Request, actor: NamedDependency[Actor], settings: NamedDependency[Settings]
) -> Response:
    form = await request.form()
    values = {k: form.get(k) or "" for k in ("ward", "year", "title", "body")}
    uploads = [
        Upload(u.filename, await u.read())
        for u in (form.getall("attachments") if "attachments" in form else [])
        if getattr(u, "filename", None)
    ]
    new = NewSupervisionReport(
        ward_code=values["ward"],
        year=int(values["year"]) if values["year"].isdigit() else 0,
        title=values["title"],
        body=values["body"],
        attachments=uploads,
    )
    try:
        await inspection.publish_supervision_report(actor, new, MediaStore(settings.media_dir))
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except InspectionError as error:
        wards = await _wards_for(actor, Act.PUBLISH_SUPERVISION)
        return Template(
            "inspection/supervision_form.html",
            context={"actor": actor, "wards": wards, "values": values, "errors": error.errors},
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/wards/{values['ward']}/inspection", status_code=HTTP_303_SEE_OTHER)
