"""The resident's reporting flow: the form, its live hints, the receipt, follow and support."""

from __future__ import annotations

import io
import uuid

import segno
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.residents import device_person_id, ensure_device_person, unless_stored
from app.casework.live import announce_new
from app.platform.abuse_limits import network_fingerprint
from app.platform.params import Latitude, Longitude, WardCode
from app.platform.photos import media_stores
from app.platform.settings import Settings
from app.reporting.following import stop_following
from app.reporting.forms import photo_draft_tokens, read_submission
from app.reporting.lookups import report_row
from app.reporting.map_start import COUNTRY, MapStart, map_start
from app.reporting.public import category_list
from app.reporting.routing import OutsideVietnam, locator
from app.reporting.submission import SubmissionError, nearby_open_reports, submit, support
from app.reporting.submission import follow as follow_report


async def report_form_page(
    settings: Settings,
    request: Request | None = None,
    error: SubmissionError | None = None,
    start: MapStart = COUNTRY,
    **extra,
) -> Template:
    """The report form, blank or filled again with what was sent and every problem named: the
    same page for residents and for clerks filing on someone's behalf (`extra`). Its map opens
    at `start`."""
    values = {}
    if request is not None:
        form = await request.form()
        values = {k: form.get(k) for k in form.keys() if k not in ("photos", "photo_draft")}
    context = {
        "values": values,
        "errors": error.errors if error else {},
        "idempotency_key": values.get("idempotency_key") or str(uuid.uuid4()),
        "tiles_url": settings.map_tiles_url,
        "start": start,
        "categories": await category_list(),
        **extra,
    }
    return Template("report_form.html", context=context,
                    status_code=HTTP_400_BAD_REQUEST if error else 200)  # fmt: skip


@get("/reports/new", include_in_schema=False)
async def report_form(
    request: Request, settings: NamedDependency[Settings], ward: WardCode = None
) -> Template:
    """`?ward=` (a ward's page links it so) opens the map on that ward."""
    return await report_form_page(settings, start=await map_start(ward, await device_person_id(request)))


@post("/reports/new", include_in_schema=False)
async def report_submit(request: Request, settings: NamedDependency[Settings]) -> Response:
    person_id, cookies = await ensure_device_person(request)
    # The page's script (and its offline outbox) asks for JSON, to keep the photos it holds
    # and to send each report once; without JavaScript the form gets a page back.
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        submission = await read_submission(request, channel="web")
        submission.reporter_id = person_id
        outcome = await submit(submission, *media_stores(settings))
    except SubmissionError as error:
        if wants_json:
            return Response({"errors": error.errors}, status_code=HTTP_400_BAD_REQUEST, cookies=cookies)
        kept = await photo_draft_tokens(request)
        start = await map_start(person_id=person_id)
        page = await report_form_page(settings, request, error, start, photo_drafts=kept)
        page.cookies = [*page.cookies, *cookies]
        return page
    if outcome.created:
        await announce_new(request, outcome.report)
    if wants_json:
        code = outcome.report["code"]
        return Response({"code": code, "url": f"/r/{code}?new=1"}, cookies=cookies,
                        status_code=HTTP_201_CREATED if outcome.created else HTTP_200_OK)  # fmt: skip
    return Redirect(f"/r/{outcome.report['code']}?new=1", status_code=HTTP_303_SEE_OTHER,
                    cookies=cookies)  # fmt: skip


@get("/reports/ward-hint", include_in_schema=False)
async def ward_hint(lat: Latitude, lon: Longitude) -> Template:
    """htmx fragment: which ward will receive a report made here, with the neighbours whose
    border is within 200 m (or, without polygons, the next-best guesses)."""
    try:
        match = (await locator()).locate(lat, lon, neighbours=True)
    except OutsideVietnam:
        return Template("_ward_hint.html", context={"match": None})
    return Template("_ward_hint.html", context={"match": match})


@get("/reports/nearby", include_in_schema=False)
async def nearby(
    lat: Latitude,
    lon: Longitude,
    category: FromQuery[str],
    settings: NamedDependency[Settings],
) -> Template:
    """htmx fragment: open reports of the same kind close by, to support instead of repeat."""
    reports = await nearby_open_reports(category, lat, lon, settings.duplicate_radius_m)
    return Template("_nearby.html", context={"reports": reports})


async def _report_id(code: str) -> int:
    return (await report_row(code))["id"]


@post("/r/{code:str}/follow", include_in_schema=False)
async def follow(request: Request, code: FromPath[str]) -> Redirect:
    report_id = await _report_id(code)
    person_id, cookies = await ensure_device_person(request)
    await follow_report(person_id, report_id)
    return Redirect(f"/r/{code.upper()}", status_code=HTTP_303_SEE_OTHER, cookies=cookies)


@post("/r/{code:str}/unfollow", include_in_schema=False)
async def unfollow(request: Request, code: FromPath[str]) -> Redirect:
    report_id = await _report_id(code)
    if (person_id := await device_person_id(request)) is not None:
        await stop_following(person_id, report_id)
    return Redirect(f"/r/{code.upper()}", status_code=HTTP_303_SEE_OTHER)


@post("/r/{code:str}/support", include_in_schema=False)
async def support_report(
    request: Request, code: FromPath[str], settings: NamedDependency[Settings]
) -> Redirect:
    report_id = await _report_id(code)
    person_id, cookies = await ensure_device_person(request)
    counted = await support(person_id, report_id, network_fingerprint(request, settings))
    return Redirect(f"/r/{code.upper()}?supported=1", status_code=HTTP_303_SEE_OTHER,
                    cookies=await unless_stored(person_id, cookies, counted))  # fmt: skip


@get("/r/{code:str}/qr.svg", include_in_schema=False)
async def receipt_qr(code: FromPath[str], settings: NamedDependency[Settings]) -> Response:
    await _report_id(code)
    url = settings.link(f"/r/{code.upper()}")
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=2, title=code.upper())
    return Response(out.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip
