"""Consultation pages: the public page with its answer form and comments (usable without
JavaScript; htmx for supports), the ward's Atom feed, and the ward lead's pages to open a
consultation, read its answers, moderate its comments and publish its synthesis."""

from __future__ import annotations

from datetime import date

from feedgen.feed import FeedGenerator
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.policy import Act, Actor, administers, wards_where
from app.accounts.residents import device_person_id, ensure_device_person, unless_stored
from app.participation import comments, consultations
from app.participation.consultations import ConsultationError, NewConsultation, NewQuestion, Synthesis
from app.participation.groups import GroupImportError, groups_of, import_groups, read_groups
from app.participation.moderation import moderate_comment
from app.platform.charts import choice_bars
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.params import parse_ids
from app.platform.photos import MediaStore
from app.platform.settings import Settings
from app.transparency.actions import Upload, wards_named
from app.transparency.queries import ward_by_code
from app.transparency.ward_lookup import ward_or_404

QUESTION_SLOTS = 5  # question rows on the form; enough for a draft, and no JavaScript needed


async def _consultation(consultation_id: int) -> dict:
    consultation = await consultations.detail(consultation_id)
    if consultation is None:
        raise NotFoundException(_("This consultation does not exist."))
    return consultation


def _charts(results: dict) -> dict[int, str]:
    legend = (_("Verified residents"), _("Other residents"))
    return {
        q["id"]: choice_bars(
            [(o["label"], o["verified"], o["unverified"]) for o in q["options"]], legend, q["prompt"]
        )
        for q in results["questions"]
    }


async def _public_context(consultation: dict, person_id: int | None) -> dict:
    results = (
        await consultations.results(consultation) if consultations.results_visible(consultation) else None
    )
    return {
        "c": consultation,
        "matters": consultations.MATTERS,
        "status_labels": consultations.STATUS_LABELS,
        "scale": consultations.SCALE,
        "mine": await consultations.answer_of(consultation["id"], person_id),
        "verified": person_id is not None and await consultations.counts_as_verified(person_id, consultation),
        "results": results,
        "charts": _charts(results) if results else {},
        "comments": await comments.thread("consultation", consultation["id"], person_id),
        "flag_reasons": comments.FLAG_REASONS,
        "comment_states": comments.STATE_LABELS,
        "error": None,
        "notice": None,
    }


NOTICES = {
    "answered": N_("Thank you: your answer is saved. You may change it until closing."),
    "commented": N_("Your comment is published."),
    "flagged": N_("Thank you: the moderators will look at it."),
}


@get("/consultations/{consultation_id:int}", include_in_schema=False)
async def consultation_page(
    request: Request, consultation_id: FromPath[int], done: FromQuery[str | None] = None
) -> Template:
    consultation = await _consultation(consultation_id)
    context = await _public_context(consultation, await device_person_id(request))
    context["notice"] = _(NOTICES[done]) if done in NOTICES else None
    return Template("consultations/page.html", context=context)


async def _refused(consultation: dict, person_id: int, error: str, cookies: list) -> Template:
    cookies = await unless_stored(person_id, cookies, stored=False)
    context = {**await _public_context(consultation, person_id), "error": error}
    return Template(
        "consultations/page.html", context=context, status_code=HTTP_400_BAD_REQUEST, cookies=cookies
    )


def _form_lists(form) -> dict[str, list[str]]:
    return {key: [v for v in form.getall(key) if isinstance(v, str)] for key in form}


@post("/consultations/{consultation_id:int}/answers", include_in_schema=False)
async def submit_answers(request: Request, consultation_id: FromPath[int]) -> Response:
    consultation = await _consultation(consultation_id)
    person, cookies = await ensure_device_person(request)
    try:
        await consultations.answer(consultation_id, person, _form_lists(await request.form()))
    except ConsultationError as error:
        return await _refused(consultation, person, str(error), cookies)
    return Redirect(
        f"/consultations/{consultation_id}?done=answered#answer",
        status_code=HTTP_303_SEE_OTHER,
        cookies=cookies,
    )


@post("/consultations/{consultation_id:int}/comments", include_in_schema=False)
async def submit_comment(request: Request, consultation_id: FromPath[int]) -> Response:
    consultation = await _consultation(consultation_id)
    person, cookies = await ensure_device_person(request)
    form = await request.form()
    parent = form.get("parent") or ""
    try:
        consultations.ensure_open(consultation)
        await comments.post(
            "consultation",
            consultation_id,
            consultation["ward_id"],
            person,
            form.get("body") or "",
            int(parent) if parent.isdigit() else None,
        )
    except (ConsultationError, comments.CommentError) as error:
        return await _refused(consultation, person, str(error), cookies)
    return Redirect(
        f"/consultations/{consultation_id}?done=commented#comments",
        status_code=HTTP_303_SEE_OTHER,
        cookies=cookies,
    )


async def _comment_page(comment_id: int) -> str:
    page = await comments.page_of(comment_id)
    if page is None:
        raise NotFoundException(_("This comment does not exist."))
    return page


@post("/comments/{comment_id:int}/support", include_in_schema=False)
async def support_comment(request: Request, comment_id: FromPath[int]) -> Response:
    page = await _comment_page(comment_id)
    person, cookies = await ensure_device_person(request)
    count = await comments.support(comment_id, person)
    if request.headers.get("hx-request"):
        return Template(
            "consultations/_support.html",
            context={"comment": {"id": comment_id, "support_count": count, "supported": True}},
            cookies=cookies,
        )
    return Redirect(f"{page}#comment-{comment_id}", status_code=HTTP_303_SEE_OTHER, cookies=cookies)


@post("/comments/{comment_id:int}/flag", include_in_schema=False)
async def flag_comment(
    request: Request, comment_id: FromPath[int], settings: NamedDependency[Settings]
) -> Response:
    page = await _comment_page(comment_id)
    person, cookies = await ensure_device_person(request)
    form = await request.form()
    try:
        await comments.flag("comment", comment_id, person, form.get("reason") or "", settings.flags_to_hide)
    except comments.CommentError as error:
        await unless_stored(person, cookies, stored=False)
        raise ClientException(str(error)) from None
    return Redirect(
        f"{page}?done=flagged#comment-{comment_id}", status_code=HTTP_303_SEE_OTHER, cookies=cookies
    )


@get(
    "/wards/{code:str}/consultations.atom", tags=["open data"], summary="Atom feed of a ward's consultations"
)
async def consultations_feed(code: FromPath[str], settings: NamedDependency[Settings]) -> Response:
    ward = await ward_or_404(code)
    rows = await consultations.for_ward(code)
    base, path = settings.link("/").rstrip("/"), f"/wards/{code}/consultations.atom"
    feed = FeedGenerator()
    feed.id(f"{base}{path}")
    feed.title(f"Gần Dân · {ward['name']} · Lấy ý kiến")
    feed.link(href=f"{base}{path}", rel="self")
    feed.link(href=f"{base}/wards/{code}/participation", rel="alternate")
    feed.language("vi")
    feed.updated(max((r["created_at"] for r in rows), default=None))
    for row in sorted(rows, key=lambda r: r["opens_at"]):  # feedgen prepends: oldest first
        entry = feed.add_entry()
        entry.id(f"{base}/consultations/{row['id']}")
        entry.link(href=f"{base}/consultations/{row['id']}")
        entry.title(row["title"])
        entry.summary(row["summary"] or row["title"])
        entry.published(row["opens_at"])
        entry.updated(row["synthesis_published_at"] or row["created_at"])
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")


# Staff pages ---------------------------------------------------------------------------


async def _consulting_wards(actor: Actor) -> list[dict]:
    ids = wards_where(actor, Act.CONSULT)
    if ids is None:
        return []  # admins type the ward code
    return await wards_named(ids)


async def _form_context(actor: Actor, values: dict, error: str | None) -> dict:
    wards = await _consulting_wards(actor)
    if not wards and not administers(actor):
        raise PermissionDeniedException(_("Only ward leads open consultations."))
    groups = {}
    for ward in wards:
        found = await ward_by_code(ward["code"])
        groups[ward["code"]] = await groups_of(found["id"])
    return {
        "actor": actor,
        "wards": wards,
        "groups": groups,
        "matters": consultations.MATTERS,
        "question_kinds": consultations.QUESTION_KINDS,
        "slots": range(QUESTION_SLOTS),
        "values": values,
        "error": error,
    }


@get("/staff/consultations", include_in_schema=False)
async def staff_consultations(actor: NamedDependency[Actor]) -> Template:
    wards = await _consulting_wards(actor)
    if not wards and not administers(actor):
        raise PermissionDeniedException(_("Only ward leads open consultations."))
    listed = [{**w, "consultations": await consultations.for_ward(w["code"])} for w in wards]
    return Template(
        "consultations/staff_list.html",
        context={"actor": actor, "wards": listed, "status_labels": consultations.STATUS_LABELS},
    )


@get("/staff/consultations/new", include_in_schema=False)
async def consultation_form(actor: NamedDependency[Actor]) -> Template:
    return Template("consultations/staff_form.html", context=await _form_context(actor, {}, None))


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@post("/staff/consultations/new", include_in_schema=False)
async def consultation_create(
    request: Request, actor: NamedDependency[Actor], settings: NamedDependency[Settings]
) -> Response:
    form = await request.form()
    documents = [
        Upload(u.filename, await u.read())
        for u in (form.getall("documents") if "documents" in form else [])
        if getattr(u, "filename", None)
    ]
    questions = [
        NewQuestion(
            form.get(f"q{i}_kind") or "",
            form.get(f"q{i}_prompt") or "",
            (form.get(f"q{i}_options") or "").splitlines(),
        )
        for i in range(QUESTION_SLOTS)
    ]
    opens_on, closes_on = _day(form.get("opens_on")), _day(form.get("closes_on"))
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        if opens_on is None or closes_on is None:
            raise ConsultationError(_("Give the opening and closing dates."))
        new = NewConsultation(
            ward_code=form.get("ward") or "",
            matter=form.get("matter") or "",
            title=form.get("title") or "",
            summary=form.get("summary") or "",
            opens_on=opens_on,
            closes_on=closes_on,
            questions=questions,
            results_while_open=form.get("results_while_open") == "1",
            group_ids=parse_ids(form, "groups"),
            documents=documents,
        )
        consultation_id = await consultations.create(actor, new, MediaStore(settings.media_dir))
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except ConsultationError as error:
        return Template(
            "consultations/staff_form.html",
            context=await _form_context(actor, values, str(error)),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/staff/consultations/{consultation_id}", status_code=HTTP_303_SEE_OTHER)


async def _staff_context(actor: Actor, consultation: dict, error: str | None = None) -> dict:
    if consultation["ward_id"] not in (wards_where(actor, Act.CONSULT) or {consultation["ward_id"]}):
        raise PermissionDeniedException(_("This consultation belongs to another ward."))
    results = await consultations.results(consultation)
    return {
        "actor": actor,
        "c": consultation,
        "results": results,
        "charts": _charts(results),
        "free": await consultations.free_answers(consultation),
        "matters": consultations.MATTERS,
        "status_labels": consultations.STATUS_LABELS,
        "flagged": await comments.flagged("consultation", [consultation["id"]]),
        "flag_reasons": comments.FLAG_REASONS,
        "error": error,
    }


@get("/staff/consultations/{consultation_id:int}", include_in_schema=False)
async def staff_consultation(actor: NamedDependency[Actor], consultation_id: FromPath[int]) -> Template:
    consultation = await _consultation(consultation_id)
    return Template("consultations/staff_page.html", context=await _staff_context(actor, consultation))


@post("/staff/consultations/{consultation_id:int}/synthesis", include_in_schema=False)
async def publish_synthesis(
    request: Request,
    actor: NamedDependency[Actor],
    consultation_id: FromPath[int],
    settings: NamedDependency[Settings],
) -> Response:
    consultation = await _consultation(consultation_id)
    form = await request.form()
    documents = [
        Upload(u.filename, await u.read())
        for u in (form.getall("documents") if "documents" in form else [])
        if getattr(u, "filename", None)
    ]
    synthesis = Synthesis(
        form.get("said") or "", form.get("taken_up") or "", form.get("not_taken_up") or "", documents
    )
    try:
        await consultations.publish_synthesis(
            actor, consultation_id, synthesis, MediaStore(settings.media_dir)
        )
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except ConsultationError as error:
        context = await _staff_context(actor, consultation, str(error))
        context["values"] = {k: form.get(k) for k in ("said", "taken_up", "not_taken_up")}
        return Template("consultations/staff_page.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    return Redirect(f"/consultations/{consultation_id}", status_code=HTTP_303_SEE_OTHER)


@post("/staff/comments/{comment_id:int}/moderate", include_in_schema=False)
async def moderate(request: Request, actor: NamedDependency[Actor], comment_id: FromPath[int]) -> Response:
    form = await request.form()
    try:
        await moderate_comment(
            actor, comment_id, hide=form.get("decision") == "hide", reason=form.get("reason") or ""
        )
    except LookupError:
        raise NotFoundException(_("This comment does not exist.")) from None
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except comments.CommentError as error:
        raise ClientException(str(error)) from None
    back = form.get("back") or ""
    return Redirect(back if back.startswith("/staff/") else "/staff/", status_code=HTTP_303_SEE_OTHER)


@get("/staff/groups", include_in_schema=False)
async def groups_page(actor: NamedDependency[Actor]) -> Template:
    return Template("consultations/staff_groups.html", context=await _groups_context(actor, None, None))


async def _groups_context(actor: Actor, error: str | None, notice: str | None) -> dict:
    wards = await _consulting_wards(actor)
    if not wards:
        raise PermissionDeniedException(_("Only ward leads manage their ward's residential groups."))
    listed = []
    for ward in wards:
        found = await ward_by_code(ward["code"])
        listed.append({**ward, "groups": await groups_of(found["id"])})
    return {"actor": actor, "wards": listed, "error": error, "notice": notice}


@post("/staff/groups", include_in_schema=False)
async def groups_upload(request: Request, actor: NamedDependency[Actor]) -> Template:
    form = await request.form()
    ward = form.get("ward") or ""
    if ward not in {w["code"] for w in await _consulting_wards(actor)}:
        raise PermissionDeniedException(_("Only ward leads manage their ward's residential groups."))
    upload = form.get("file")
    try:
        raw = await upload.read() if getattr(upload, "filename", None) else b""
        rows = read_groups(raw.decode("utf-8"), only_ward=ward)
        stored = await import_groups(rows)
    except UnicodeDecodeError:
        error = _("Save the file as CSV in UTF-8.")
        return Template(
            "consultations/staff_groups.html",
            context=await _groups_context(actor, error, None),
            status_code=HTTP_400_BAD_REQUEST,
        )
    except GroupImportError as refused:
        return Template(
            "consultations/staff_groups.html",
            context=await _groups_context(actor, str(refused), None),
            status_code=HTTP_400_BAD_REQUEST,
        )
    notice = _("%(n)d residential groups imported.") % {"n": stored.stored}
    if stored.counted_by_register:
        notice += " " + _(
            "%(n)d of them keep the number of households counted from their register, not the file's."
        ) % {"n": stored.counted_by_register}
    return Template("consultations/staff_groups.html", context=await _groups_context(actor, None, notice))
