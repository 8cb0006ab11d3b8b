"""The ward workspace under /staff/: queue, case page, actions, assisted filing."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST, HTTP_409_CONFLICT

from app.accounts.policy import Act, Actor, Place, administers, allows, may_anywhere, wards_where
from app.accounts.rules import ward_officers
from app.casework import case_view, queue
from app.casework import steps as casework
from app.casework.live import announce_new, announce_report
from app.platform import clock
from app.platform.i18n import gettext as _
from app.platform.params import parse_id
from app.platform.photos import MediaStore, PhotoRejected, media_stores, process_photos
from app.platform.settings import Settings
from app.platform.text import LONG_TEXT, SHORT_TEXT, TextTooLong, clean_text
from app.reporting.forms import photo_draft_tokens, read_submission
from app.reporting.lookups import report_row
from app.reporting.map_start import map_start
from app.reporting.moderation import staff_photos
from app.reporting.public import category_list
from app.reporting.routes import report_form_page
from app.reporting.submission import SubmissionError, submit
from notifications.outbox import delivery_summary


@get("/staff/", include_in_schema=False)
async def queue_page(
    request: Request,
    actor: NamedDependency[Actor],
    flag: FromQuery[str] = "open",
    status: FromQuery[str | None] = None,
    category: FromQuery[str | None] = None,
) -> Template:
    now = clock.now()
    chosen = queue.QueueFilter(flag=flag, status=status or None, category=category or None)
    rows = await queue.reports(actor, chosen, now)
    # Bulk assignment is a ward lead's tool, for the officers of their own ward; supervisors
    # and admins, who see many wards, assign case by case.
    assigning_wards = sorted(wards_where(actor, Act.ASSIGN) or ())
    context = {"actor": actor, "rows": rows, "chosen": chosen, "flags": queue.FLAGS,
               "can_assign": bool(assigning_wards)}  # fmt: skip
    if request.headers.get("hx-request"):
        return Template("staff/_queue_list.html", context=context)
    officers = []
    for ward_id in assigning_wards:
        officers += await ward_officers(ward_id)
    return Template("staff/queue.html", context={
        **context, "counts": await queue.counts(actor, now), "categories": await category_list(),
        "officers": officers,
    })  # fmt: skip


@post("/staff/assign", include_in_schema=False)
async def assign_many(request: Request, actor: NamedDependency[Actor]) -> Redirect:
    form = await request.form()
    codes = form.getall("codes") if "codes" in form else []
    assignee = parse_id(form.get("assignee"))
    ids = await case_view.report_ids(codes)
    if assignee is not None and ids:
        await casework.bulk_assign(actor, ids, assignee)
    return Redirect(f"/staff/?flag={form.get('flag') or 'open'}", status_code=HTTP_303_SEE_OTHER)


async def _case_page(
    report: dict, place: Place, actor: Actor, settings: Settings, error: str | None = None
) -> dict:
    return {**await case_view.case_context(report, place, actor), "error": error, "now": clock.now(),
            "tiles_url": settings.map_tiles_url}  # fmt: skip


async def _case(code: str, actor: Actor) -> tuple[dict, Place]:
    report = await report_row(code)
    place = await casework.place_of(report)
    if not allows(actor, Act.VIEW, place):
        raise PermissionDeniedException(_("This report belongs to a ward outside your remit."))
    return report, place


@get("/staff/reports/{code:str}", include_in_schema=False)
async def case_page(
    code: FromPath[str], actor: NamedDependency[Actor], settings: NamedDependency[Settings]
) -> Template:
    report, place = await _case(code, actor)
    return Template("staff/case.html", context=await _case_page(report, place, actor, settings))


@post("/staff/reports/{code:str}/act", include_in_schema=False)
async def act(
    request: Request, code: FromPath[str], actor: NamedDependency[Actor], settings: NamedDependency[Settings]
) -> Response:
    report, place = await _case(code, actor)
    form = await request.form()
    action = form.get("action") or ""
    if not casework.may_attempt(actor, place, action):  # before decoding any photo it brings
        raise PermissionDeniedException(_("You may not do this to a report of this ward."))
    uploads = [u for u in (form.getall("after_photos") if "after_photos" in form else [])
               if getattr(u, "filename", None)]  # fmt: skip
    if uploads and not casework.takes_photos(action):  # said, rather than dropped unseen
        context = await _case_page(report, place, actor, settings, _(
            "Photos of the work go with a change of status, such as resolving the report."))
        return Template("staff/case.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    try:
        photos = await process_photos([await upload.read() for upload in uploads])
        step = casework.Step(
            action=clean_text(action, SHORT_TEXT, "action"),
            public_text=clean_text(form.get("public_text"), LONG_TEXT, "public_text", multiline=True),
            internal_note=clean_text(form.get("internal_note"), LONG_TEXT, "internal_note", multiline=True),
            target_ward_code=clean_text(form.get("target_ward"), SHORT_TEXT, "target_ward"),
            duplicate_code=clean_text(form.get("duplicate_code"), SHORT_TEXT, "duplicate_code"),
            assignee_id=parse_id(form.get("assignee")),
            after_photos=tuple(photos),
            redacted_text=clean_text(form.get("redacted_text"), LONG_TEXT, "redacted_text", multiline=True),
            photo=clean_text(form.get("photo"), SHORT_TEXT, "photo"),
        )  # fmt: skip
        media = MediaStore(settings.media_dir)
        for photo in photos:
            await asyncio.to_thread(media.save, photo)
        updated = await casework.perform(actor, report["id"], step)
    except casework.Refused as refused:
        raise PermissionDeniedException(str(refused)) from None
    except casework.NotNow as error:  # the report as it is now, with the steps it allows now
        report, place = await _case(code, actor)
        context = await _case_page(report, place, actor, settings, str(error))
        return Template("staff/case.html", context=context, status_code=HTTP_409_CONFLICT)
    except (casework.CaseError, PhotoRejected, TextTooLong) as error:
        context = await _case_page(report, place, actor, settings, str(error))
        return Template("staff/case.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    if updated["ward"] != report["ward"]:
        moved = await casework.place_of(updated)
        announce_report(request, updated["code"], moved.ward_id, moved.province_id)
    return Redirect(f"/staff/reports/{updated['code']}", status_code=HTTP_303_SEE_OTHER)


@get("/staff/reports/{code:str}/photos/{digest:str}", include_in_schema=False)
async def staff_photo(
    code: FromPath[str],
    digest: FromPath[str],
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    variant: FromQuery[str] = "display",
) -> File:
    """A report's photo for staff who may read the case, withheld from the public or not."""
    report, _place = await _case(code, actor)
    if digest not in {p["digest"] for p in await staff_photos(report)}:
        raise NotFoundException(_("This report has no such photo."))
    path = MediaStore(settings.media_dir).path(digest, "thumb" if variant == "thumb" else "display")
    return File(path, media_type="image/jpeg", content_disposition_type="inline",
                headers={"Cache-Control": "private, no-store"})  # fmt: skip


@get("/staff/file", include_in_schema=False)
async def file_form(actor: NamedDependency[Actor], settings: NamedDependency[Settings]) -> Template:
    if not may_anywhere(actor, Act.FILE_ASSISTED):
        raise PermissionDeniedException(_("Your role does not file reports for residents."))
    start = await map_start(staff_wards=wards_where(actor, Act.FILE_ASSISTED))
    return await report_form_page(settings, start=start, assisted=True, actor=actor)


@post("/staff/file", include_in_schema=False)
async def file_for_resident(
    request: Request, actor: NamedDependency[Actor], settings: NamedDependency[Settings]
) -> Response:
    """A clerk files for a walk-in or a caller: the channel is recorded and counted."""
    if not may_anywhere(actor, Act.FILE_ASSISTED):
        raise PermissionDeniedException(_("Your role does not file reports for residents."))
    form = await request.form()
    channel = form.get("channel") if form.get("channel") in ("counter", "hotline") else "counter"
    try:
        submission = await read_submission(request, channel=channel)
        submission.filed_by_id = actor.person_id
        outcome = await submit(submission, *media_stores(settings))
    except SubmissionError as error:
        # The photos a caller brought stay on the server a while, as on the residents' form:
        # a refused field never means choosing them again.
        kept = await photo_draft_tokens(request)
        start = await map_start(staff_wards=wards_where(actor, Act.FILE_ASSISTED))
        return await report_form_page(settings, request, error, start, assisted=True, actor=actor,
                                      photo_drafts=kept)  # fmt: skip
    report = outcome.report
    if outcome.created:
        await announce_new(request, report)
    return Redirect(f"/r/{report['code']}?new=1", status_code=HTTP_303_SEE_OTHER)


@get("/staff/outbox", include_in_schema=False)
async def outbox_page(actor: NamedDependency[Actor]) -> Template:
    """Admins see every outbox row's delivery state: pending, sent, or failed after N tries."""
    if not administers(actor):
        raise PermissionDeniedException(_("Only administrators see the delivery queue."))
    counts, rows = await delivery_summary()
    return Template("staff/outbox.html", context={"actor": actor, "counts": counts, "rows": rows})
