"""Household decision pages: the public decision page (turnout while voting runs, results
once closed), /vote for a household's code (typed, or opened from the sheet's QR code; plain
forms, no JavaScript needed), and the staff pages to keep the household register, open a
decision, print its sheets, record a meeting, close it, and cast a ballot at the counter."""

from __future__ import annotations

from datetime import date

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.policy import Act, Actor, administers, wards_where
from app.participation import ballots, decisions, households
from app.participation.ballots import BallotError
from app.participation.decisions import DecisionError, NewDecision
from app.participation.households import RegisterError
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.params import RowId, parse_id, parse_ids
from app.platform.photos import MediaStore
from app.platform.settings import Settings
from app.transparency.actions import Upload, wards_named

CANDIDATE_ROWS = 12


async def _decision(decision_id: int) -> dict:
    decision = await decisions.detail(decision_id)
    if decision is None:
        raise NotFoundException(_("This decision does not exist."))
    return decision


def _labels() -> dict:
    return {
        "kinds": decisions.KINDS,
        "methods": decisions.METHODS,
        "status_labels": decisions.STATUS_LABELS,
    }


def _public_context(decision: dict) -> dict:
    results = decisions.results(decision)
    return {
        "d": decision,
        "results": results,
        "threshold": decisions.threshold_label(decision),
        "option_labels": [decisions.option_label(decision, o) for o in decision["options"]],
        **_labels(),
    }


NOTICES = {
    "voted": N_("Thank you: your household's ballot is counted. The results are published at closing.")
}


@get("/decisions/{decision_id:int}", include_in_schema=False)
async def decision_page(decision_id: RowId, done: FromQuery[str | None] = None) -> Template:
    context = _public_context(await _decision(decision_id))
    context["notice"] = _(NOTICES[done]) if done in NOTICES else None
    return Template("decisions/page.html", context=context)


async def _vote_context(code: str, error: str | None = None, *, staff: Actor | None = None) -> dict:
    """What /vote shows for a code: the ballot of its decision, or why it cannot vote."""
    context = {"code": code, "error": error, "decision": None, "staff": staff, "actor": staff}
    if not code or error:
        return context
    found = await ballots.lookup(code)
    if found is None or found["decision"]["method"] != "ballot":
        context["error"] = _(ballots.REFUSED)
    elif found["used"]:
        context["error"] = _("This code has already been used: the household's ballot is counted.")
    elif found["decision"]["status"] == "upcoming":
        context["error"] = _("Voting has not opened yet.")
    elif found["decision"]["status"] != "open":
        context["error"] = _("Voting has ended: the ballot can no longer be taken.")
    else:
        decision = found["decision"]
        context["decision"] = decision
        context["option_labels"] = [decisions.option_label(decision, o) for o in decision["options"]]
        context["threshold"] = decisions.threshold_label(decision)
    return context


def _code(value: object) -> str:
    return str(value or "").strip()[:40]


@get("/vote", include_in_schema=False)
async def vote_form(code: FromQuery[str] = "") -> Template:
    return Template("decisions/vote.html", context=await _vote_context(_code(code)))


async def _cast(request: Request) -> tuple[int, str]:
    form = await request.form()
    code = _code(form.get("code"))
    decision = parse_id(form.get("decision"))
    if decision is None:
        raise BallotError(_(ballots.REFUSED))
    chosen = [
        int(v) for v in (form.getall("choice") if "choice" in form else []) if str(v).isdigit() and len(v) < 4
    ]
    await ballots.cast(decision, code, chosen)
    return decision, code


@post("/vote", include_in_schema=False)
async def vote(request: Request) -> Response:
    try:
        decision_id, _code_used = await _cast(request)
    except BallotError as error:
        code = _code((await request.form()).get("code"))
        context = await _vote_context(code)
        context["error"] = str(error)
        return Template("decisions/vote.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    return Redirect(f"/decisions/{decision_id}?done=voted", status_code=HTTP_303_SEE_OTHER)


# Staff pages ---------------------------------------------------------------------------


async def _wards(actor: Actor, act: Act) -> list[dict]:
    ids = wards_where(actor, act)
    return await wards_named(ids) if ids else []


async def _ward_groups(actor: Actor) -> list[dict]:
    """The actor's wards with the groups they may run decisions for (a group head: theirs)."""
    listed = []
    headed = await households.headed_groups(actor.person_id)
    for ward in await _wards(actor, Act.RUN_DECISION):
        found = await households.ward_for_code(ward["code"])
        groups = await households.ward_register(found["id"])
        mine = [g for g in groups
                if await households.may_keep(actor, Act.RUN_DECISION, found, {g["id"]}, headed)]  # fmt: skip
        listed.append({**ward, "groups": mine, "headed": headed})
    return listed


def _refuse_unless(allowed: bool) -> None:
    if not allowed:
        raise PermissionDeniedException(_("Only ward leads and group heads run household decisions."))


@get("/staff/decisions", include_in_schema=False)
async def staff_decisions(actor: NamedDependency[Actor]) -> Template:
    ids = wards_where(actor, Act.RUN_DECISION)
    _refuse_unless(ids is None or bool(ids))
    return Template(
        "decisions/staff_list.html",
        context={"actor": actor, "decisions": await decisions.for_wards(ids), **_labels()},
    )


async def _form_context(actor: Actor, values: dict, error: str | None) -> dict:
    wards = await _ward_groups(actor)
    _refuse_unless(bool(wards))
    return {
        "actor": actor,
        "wards": wards,
        "values": values,
        "error": error,
        "thresholds": decisions.THRESHOLDS,
        "candidate_rows": range(CANDIDATE_ROWS),
        **_labels(),
    }


@get("/staff/decisions/new", include_in_schema=False)
async def decision_form(actor: NamedDependency[Actor]) -> Template:
    return Template("decisions/staff_form.html", context=await _form_context(actor, {}, None))


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


async def _uploads(form, name: str) -> list[Upload]:
    files = form.getall(name) if name in form else []
    return [Upload(u.filename, await u.read()) for u in files if getattr(u, "filename", None)]


def _number(value: object) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


@post("/staff/decisions/new", include_in_schema=False)
async def decision_create(
    request: Request, actor: NamedDependency[Actor], settings: NamedDependency[Settings]
) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    opens_on, closes_on = _day(form.get("opens_on")), _day(form.get("closes_on"))
    try:
        if opens_on is None or closes_on is None:
            raise DecisionError(_("Give the opening and closing dates."))
        new = NewDecision(
            ward_code=form.get("ward") or "",
            kind=form.get("kind") or "",
            method=form.get("method") or "",
            title=form.get("title") or "",
            summary=form.get("summary") or "",
            opens_on=opens_on,
            closes_on=closes_on,
            group_ids=parse_ids(form, "groups"),
            threshold=form.get("threshold") or "1/2",
            candidates=[form.get(f"candidate{i}") or "" for i in range(CANDIDATE_ROWS)],
            seats=_number(form.get("seats")),
            documents=await _uploads(form, "documents"),
        )
        decision_id = await decisions.open_decision(actor, new, MediaStore(settings.media_dir))
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except DecisionError as error:
        return Template(
            "decisions/staff_form.html",
            context=await _form_context(actor, values, str(error)),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/staff/decisions/{decision_id}", status_code=HTTP_303_SEE_OTHER)


async def _staff_context(actor: Actor, decision: dict, error: str | None = None) -> dict:
    _refuse_unless(await decisions.may_run(actor, decision))
    return {
        **_public_context(decision),
        "actor": actor,
        "error": error,
        "unvoted": await ballots.households_to_print(decision["id"])
        if decision["method"] == "ballot"
        else [],
        "today": decisions.today(),
    }


@get("/staff/decisions/{decision_id:int}", include_in_schema=False)
async def staff_decision(actor: NamedDependency[Actor], decision_id: RowId) -> Template:
    decision = await _decision(decision_id)
    return Template("decisions/staff_page.html", context=await _staff_context(actor, decision))


async def _staff_refusal(actor: Actor, decision_id: int, error: str) -> Template:
    decision = await _decision(decision_id)
    return Template(
        "decisions/staff_page.html",
        context=await _staff_context(actor, decision, error),
        status_code=HTTP_400_BAD_REQUEST,
    )


@post("/staff/decisions/{decision_id:int}/sheets", include_in_schema=False)
async def print_sheets(
    request: Request,
    actor: NamedDependency[Actor],
    decision_id: RowId,
    settings: NamedDependency[Settings],
) -> Response:
    await _decision(decision_id)
    household = parse_id((await request.form()).get("household"))
    try:
        pdf = await ballots.print_sheets(
            actor, decision_id, settings.link("/vote"), [household] if household is not None else None
        )
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except DecisionError as error:
        return await _staff_refusal(actor, decision_id, str(error))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="phieu-bieu-quyet-{decision_id}.pdf"',
            "cache-control": "no-store",
        },
    )


@post("/staff/decisions/{decision_id:int}/meeting", include_in_schema=False)
async def record_meeting(
    request: Request,
    actor: NamedDependency[Actor],
    decision_id: RowId,
    settings: NamedDependency[Settings],
) -> Response:
    decision = await _decision(decision_id)
    form = await request.form()
    tallies = [_number(form.get(f"tally{o['position']}")) for o in decision["options"]]
    minutes = await _uploads(form, "minutes")
    try:
        if any(t is None for t in tallies):
            raise DecisionError(_("Give a count for every option, 0 or more."))
        meeting_on = _day(form.get("meeting_on"))
        if meeting_on is None:
            raise DecisionError(_("Give the day of the meeting."))
        await decisions.record_meeting(
            actor,
            decision_id,
            meeting_on,
            tallies,
            minutes[0] if minutes else None,
            MediaStore(settings.media_dir),
        )
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except DecisionError as error:
        return await _staff_refusal(actor, decision_id, str(error))
    return Redirect(f"/decisions/{decision_id}", status_code=HTTP_303_SEE_OTHER)


@post("/staff/decisions/{decision_id:int}/close", include_in_schema=False)
async def close_decision(
    actor: NamedDependency[Actor], decision_id: RowId, settings: NamedDependency[Settings]
) -> Response:
    await _decision(decision_id)
    try:
        await decisions.close(actor, decision_id, MediaStore(settings.media_dir))
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except DecisionError as error:
        return await _staff_refusal(actor, decision_id, str(error))
    return Redirect(f"/decisions/{decision_id}", status_code=HTTP_303_SEE_OTHER)


# The counter: a clerk enters the ballot of a household that brings its sheet. Nothing about
# the clerk is stored with the ballot or the code (see docs/ballot-secrecy.md).


def _may_cast(actor: Actor) -> None:
    ids = wards_where(actor, Act.CAST_FOR_HOUSEHOLD)
    if not (ids is None or ids):
        raise PermissionDeniedException(_("Only the one-stop desk enters ballots for households."))


async def _counter_context(actor: Actor, code: str, error: str | None = None) -> dict:
    context = await _vote_context(code, error, staff=actor)
    decision = context["decision"]
    ids = wards_where(actor, Act.CAST_FOR_HOUSEHOLD)
    if decision is not None and ids is not None and decision["ward_id"] not in ids:
        context["decision"] = None
        context["error"] = _("This sheet belongs to another ward's decision.")
    return context


@get("/staff/vote", include_in_schema=False)
async def counter_form(actor: NamedDependency[Actor], code: FromQuery[str] = "") -> Template:
    _may_cast(actor)
    return Template("decisions/staff_vote.html", context=await _counter_context(actor, _code(code)))


@post("/staff/vote", include_in_schema=False)
async def counter_vote(request: Request, actor: NamedDependency[Actor]) -> Response:
    _may_cast(actor)
    form = await request.form()
    code = _code(form.get("code"))
    checked = await _counter_context(actor, code)
    try:
        if checked["decision"] is None:
            raise BallotError(checked["error"] or _(ballots.REFUSED))
        await _cast(request)
    except BallotError as error:
        context = await _counter_context(actor, code)
        context["error"] = str(error)
        return Template("decisions/staff_vote.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    context = await _counter_context(actor, "")
    context["notice"] = _("The household's ballot is counted. Hand the sheet back: it cannot be used again.")
    return Template("decisions/staff_vote.html", context=context)


# The household register ----------------------------------------------------------------


async def _register_context(actor: Actor, error: str | None = None, notice: str | None = None) -> dict:
    wards = []
    headed = await households.headed_groups(actor.person_id)
    for ward in await _wards(actor, Act.KEEP_HOUSEHOLDS):
        found = await households.ward_for_code(ward["code"])
        keeps = Act.KEEP_HOUSEHOLDS
        groups = [g for g in await households.ward_register(found["id"])
                  if await households.may_keep(actor, keeps, found, {g["id"]}, headed)]  # fmt: skip
        ward_wide = await households.may_keep(actor, Act.KEEP_HOUSEHOLDS, found, set(), headed)
        heads = await households.head_candidates(found["id"]) if ward_wide else []
        wards.append({**ward, "groups": groups, "ward_wide": ward_wide, "heads": heads})
    if not wards and not administers(actor):
        raise PermissionDeniedException(_("Only ward leads and group heads keep the household register."))
    return {"actor": actor, "wards": wards, "error": error, "notice": notice}


@get("/staff/households", include_in_schema=False)
async def register_page(actor: NamedDependency[Actor]) -> Template:
    return Template("decisions/staff_households.html", context=await _register_context(actor))


@post("/staff/households", include_in_schema=False)
async def register_upload(request: Request, actor: NamedDependency[Actor]) -> Template:
    form = await request.form()
    ward = form.get("ward") or ""
    if ward not in {w["code"] for w in await _wards(actor, Act.KEEP_HOUSEHOLDS)}:
        raise PermissionDeniedException(_("Only ward leads and group heads keep the household register."))
    upload = form.get("file")
    try:
        raw = await upload.read() if getattr(upload, "filename", None) else b""
        rows = households.read_households(raw.decode("utf-8"), only_ward=ward)
        stored = await households.import_households(actor, rows)
    except UnicodeDecodeError:
        error = _("Save the file as CSV in UTF-8.")
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except RegisterError as refused:
        error = str(refused)
    else:
        notice = _("%(n)d households imported.") % {"n": stored}
        return Template(
            "decisions/staff_households.html", context=await _register_context(actor, notice=notice)
        )
    return Template(
        "decisions/staff_households.html",
        context=await _register_context(actor, error=error),
        status_code=HTTP_400_BAD_REQUEST,
    )


async def _group_context(actor: Actor, group_id: int, error: str | None = None) -> dict:
    group = await households.group_with_ward(group_id)
    if group is None:
        raise NotFoundException(_("This residential group does not exist."))
    ward = {"id": group["ward_id"], "province": group["province"]}
    if not await households.may_keep(actor, Act.KEEP_HOUSEHOLDS, ward, {group_id}):
        raise PermissionDeniedException(_("You may not keep the register of this group."))
    return {
        "actor": actor,
        "group": group,
        "households": await households.register_of(group_id),
        "error": error,
    }


@get("/staff/households/groups/{group_id:int}", include_in_schema=False)
async def group_register(actor: NamedDependency[Actor], group_id: RowId) -> Template:
    return Template("decisions/staff_group.html", context=await _group_context(actor, group_id))


@post("/staff/households/groups/{group_id:int}", include_in_schema=False)
async def group_register_change(request: Request, actor: NamedDependency[Actor], group_id: RowId) -> Response:
    form = await request.form()
    try:
        if form.get("label") is not None:
            await households.add_household(actor, group_id, form.get("label") or "")
        else:
            household = parse_id(form.get("household"))
            if household is None:
                raise RegisterError(_("This household is not in the register."))
            await households.set_active(actor, household, form.get("active") == "1")
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except RegisterError as error:
        return Template(
            "decisions/staff_group.html",
            context=await _group_context(actor, group_id, str(error)),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/staff/households/groups/{group_id}", status_code=HTTP_303_SEE_OTHER)


@post("/staff/households/groups/{group_id:int}/head", include_in_schema=False)
async def group_head(request: Request, actor: NamedDependency[Actor], group_id: RowId) -> Response:
    person = parse_id((await request.form()).get("person"))
    try:
        await households.set_group_head(actor, group_id, person)
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except RegisterError as error:
        return Template(
            "decisions/staff_households.html",
            context=await _register_context(actor, error=str(error)),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect("/staff/households", status_code=HTTP_303_SEE_OTHER)
