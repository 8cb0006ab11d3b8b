"""The ward satisfaction survey's pages: the public page with its form and results (no
JavaScript needed), and the staff page where the ward lead downloads the desk poster and sets
the period, and the ward's staff read the comments."""

from __future__ import annotations

import asyncio

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.policy import Act, Actor, Place, allows, may_anywhere, wards_where
from app.accounts.residents import device_person_id, ensure_device_person
from app.participation import survey
from app.participation.survey import SurveyError
from app.participation.survey_poster import survey_poster
from app.participation.survey_shared import period_results_or_400
from app.platform import clock
from app.platform.charts import count_bars
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.settings import Settings
from app.transparency.queries import ward_by_code
from app.transparency.service_index import WEIGHTS
from app.transparency.ward_lookup import ward_or_404

NOTICES = {
    "answered": N_("Thank you: your answer is saved, without your name or your device."),
    "already": N_("This device has already answered the survey of this period. Thank you."),
}


async def _page_context(ward: dict, person_id: int | None, settings: Settings, key: str | None) -> dict:
    shown = await period_results_or_400(ward, key, settings.survey_period_months)
    criteria = shown.results.criteria if shown.results else []
    return {
        "ward": ward,
        "current": shown.current,
        "shown": shown.shown,
        "answered": await survey.has_answered(ward["id"], shown.current, person_id),
        "answers": shown.answers,
        "results": shown.results,
        "rows": {c.key: survey.distribution_labels(c) for c in criteria},
        "charts": {c.key: count_bars(survey.distribution_labels(c), _(c.name)) for c in criteria},
        "counts_in_index": shown.counts_in_index,
        "periods": shown.periods,
        "criteria": survey.CRITERIA,
        "scale_labels": survey.SCALE_LABELS,
        "visits": survey.VISITS,
        "publicity": survey.PUBLICITY,
        "minimum": survey.MINIMUM_ANSWERS,
        "comment_limit": survey.COMMENT_LIMIT,
        "weights": WEIGHTS,
        "values": {},
        "errors": {},
        "notice": None,
        "error": None,
    }


@get("/wards/{code:str}/survey", include_in_schema=False)
async def survey_page(
    request: Request,
    code: FromPath[str],
    settings: NamedDependency[Settings],
    period: FromQuery[str | None] = None,
    done: FromQuery[str | None] = None,
) -> Template:
    """Reading the page stores nothing: the device is only looked up, never made."""
    ward = await ward_or_404(code)
    context = await _page_context(ward, await device_person_id(request), settings, period)
    context["notice"] = _(NOTICES[done]) if done in NOTICES else None
    return Template("survey/page.html", context=context)


@post("/wards/{code:str}/survey", include_in_schema=False)
async def survey_answer(
    request: Request, code: FromPath[str], settings: NamedDependency[Settings]
) -> Response:
    ward = await ward_or_404(code)
    form = await request.form()
    try:
        answer = survey.read_answer(form)
    except SurveyError as error:
        # Checked before the device is made: a refused answer leaves nothing behind.
        context = await _page_context(ward, await device_person_id(request), settings, None)
        context |= {"values": dict(form), "errors": error.errors, "error": str(error)}
        return Template("survey/page.html", context=context, status_code=HTTP_400_BAD_REQUEST)
    person, cookies = await ensure_device_person(request)
    period = await survey.current_period(ward["id"], settings.survey_period_months)
    counted = await survey.submit(ward["id"], period, person, answer)
    return Redirect(
        f"/wards/{code}/survey?done={'answered' if counted else 'already'}#results",
        status_code=HTTP_303_SEE_OTHER,
        cookies=cookies,
    )


# Staff ---------------------------------------------------------------------------------------


async def _staff_wards(actor: Actor, code: str | None) -> list[dict]:
    """The wards whose survey the actor sees: their own; an admin names one by its code."""
    ids = wards_where(actor, Act.READ_SURVEY_COMMENTS)
    if ids is None:
        ward = await ward_by_code(code) if code else None
        return [ward] if ward else []
    return [await ward_by_code(w["code"]) for w in await survey.wards_running_survey(ids)]


@get("/staff/survey", include_in_schema=False)
async def staff_survey(
    actor: NamedDependency[Actor], settings: NamedDependency[Settings], ward: FromQuery[str | None] = None
) -> Template:
    if not may_anywhere(actor, Act.READ_SURVEY_COMMENTS):
        raise PermissionDeniedException(_("The survey's comments are for the ward's staff."))
    listed = []
    now = clock.now()
    for w in await _staff_wards(actor, ward):
        current = await survey.current_period(w["id"], settings.survey_period_months, now)
        counts = dict(await survey.answered_periods(w["id"]))
        # The newest finished period with answers (a changed period length can leave the one
        # just before today's empty); the running period's comments wait for its end.
        finished = next((p for p in counts if p.finished(now)), current.previous())
        place = Place(w["id"], w["province_id"])
        listed.append({
            **w, "current": current, "finished": finished,
            "months": await survey.period_months(w["id"], settings.survey_period_months),
            "runs": allows(actor, Act.RUN_SURVEY, place),
            "answers": counts.get(current, 0),
            "comments": await survey.comments(w["id"], finished, now),
        })  # fmt: skip
    return Template("survey/staff.html", context={
        "actor": actor, "wards": listed, "lengths": survey.PERIOD_LENGTHS, "admin_ward": ward or "",
    })  # fmt: skip


async def _run_survey(actor: Actor, code: str) -> dict:
    ward = await ward_or_404(code)
    if not allows(actor, Act.RUN_SURVEY, Place(ward["id"], ward["province_id"])):
        raise PermissionDeniedException(_("Only the ward's leads run its survey."))
    return ward


@post("/staff/survey/{code:str}/period", include_in_schema=False)
async def set_period(actor: NamedDependency[Actor], request: Request, code: FromPath[str]) -> Redirect:
    ward = await _run_survey(actor, code)
    raw = (await request.form()).get("months") or ""
    try:
        await survey.set_period_months(actor, ward, int(raw) if raw.isdigit() else 0)
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except SurveyError as error:
        raise ClientException(str(error)) from None
    return Redirect(f"/staff/survey?ward={code}", status_code=HTTP_303_SEE_OTHER)


@get("/staff/survey/{code:str}/poster.pdf", include_in_schema=False)
async def poster(
    actor: NamedDependency[Actor], code: FromPath[str], settings: NamedDependency[Settings]
) -> Response:
    """The A4 poster for the one-stop desk, rendered off the event loop."""
    ward = await _run_survey(actor, code)
    pdf = await asyncio.to_thread(survey_poster, ward["name"], settings.link(f"/wards/{code}/survey"))
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="khao-sat-{code}.pdf"',
    })  # fmt: skip
