"""Public HTML pages."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.residents import device_person_id
from app.participation.comments import FLAG_REASONS
from app.platform import clock
from app.platform.i18n import gettext as _
from app.platform.settings import Settings
from app.platform.text import clean_text
from app.reporting.codes import normalise_code
from app.reporting.feedback import FeedbackError, answer, rate
from app.reporting.following import relation
from app.reporting.lookups import public_report, report_row
from app.reporting.moderation import DESCRIPTION_NOTES
from app.reporting.public import active_wards, recent_reports, report_view
from app.reporting.submission import support_tally
from app.transparency.actions import for_report as actions_for_report


@get("/", include_in_schema=False)
async def home() -> Template:
    wards = await active_wards(since=clock.now() - timedelta(days=90))
    reports = await recent_reports(limit=12)
    return Template("home.html", context={"wards": wards, "reports": reports})


@get("/track", include_in_schema=False)
async def track(code: FromQuery[str] = "") -> Redirect:
    """The header's tracking-code box: the code as typed, to its receipt page."""
    if (printed := normalise_code(code)) is None:
        raise HTTPException(status_code=HTTP_400_BAD_REQUEST, detail=_(
            "A tracking code looks like HP-2611-0042: letters, four digits, then the number."))  # fmt: skip
    return Redirect(f"/r/{printed}", status_code=HTTP_303_SEE_OTHER)


@get("/r/{code:str}", include_in_schema=False)
async def report_page(request: Request, code: FromPath[str], settings: NamedDependency[Settings]) -> Template:
    report = await public_report(code)
    return Template("report.html", context=await report_page_context(request, settings, report))


async def report_page_context(
    request: Request, settings: Settings, report: dict, feedback_error: str | None = None
) -> dict:
    row = await report_row(report["code"])
    return {
        "report": report,
        "supports": await support_tally(row["id"]),
        **await relation(await device_person_id(request), row),
        "feedback_error": feedback_error,
        "actions": await actions_for_report(report["code"]),
        "just_filed": request.query_params.get("new") == "1",
        "just_rated": request.query_params.get("rated") == "1",
        "flagged": request.query_params.get("flagged") == "1",
        "flag_reasons": FLAG_REASONS,
        "description_notes": DESCRIPTION_NOTES,
        "url": settings.link(f"/r/{report['code']}"),
    }


# A resident's word on how their report was handled: a paragraph, not a letter.
MAX_COMMENT = 1000


@post("/r/{code:str}/answer", include_in_schema=False)
async def answer_resolution(
    request: Request, code: FromPath[str], settings: NamedDependency[Settings]
) -> Response:
    """The reporter confirms the fix (→ closed) or says it is not fixed (→ reopened)."""
    form = await request.form()
    comment = clean_text(form.get("comment"), MAX_COMMENT, "comment", multiline=True)
    return await _feedback(
        request,
        settings,
        code,
        lambda row, person: answer(row, person, fixed=form.get("fixed") == "1", comment=comment),
    )


@post("/r/{code:str}/rate", include_in_schema=False)
async def rate_handling(
    request: Request, code: FromPath[str], settings: NamedDependency[Settings]
) -> Response:
    form = await request.form()
    try:
        stars = int(form.get("stars") or 0)
    except ValueError:
        stars = 0
    comment = clean_text(form.get("comment"), MAX_COMMENT, "comment", multiline=True)
    return await _feedback(
        request, settings, code, lambda row, person: rate(row, person, stars, comment), then="?rated=1#rated"
    )


async def _feedback(request: Request, settings: Settings, code: str, do, then: str = "") -> Response:
    row = await report_row(code)
    try:
        await do(row, await device_person_id(request))
    except FeedbackError as error:
        view = await report_view(row["code"])
        return Template("report.html", context=await report_page_context(request, settings, view, str(error)),
                        status_code=HTTP_400_BAD_REQUEST)  # fmt: skip
    return Redirect(f"/r/{row['code']}{then}", status_code=HTTP_303_SEE_OTHER)
