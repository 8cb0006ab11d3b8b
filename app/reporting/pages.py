"""Public HTML pages."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.residents import device_person_id
from app.platform import clock
from app.platform.tables import Follow, Report, Support
from app.reporting.feedback import FeedbackError, answer, can_confirm, can_rate, rate
from app.reporting.lookups import public_report, report_row
from app.reporting.public import active_wards, recent_reports, report_view
from app.reporting.submission import may_support
from app.transparency.actions import for_report as actions_for_report


@get("/", include_in_schema=False)
async def home() -> Template:
    wards = await active_wards(since=clock.now() - timedelta(days=90))
    reports = await recent_reports(limit=12)
    return Template("home.html", context={"wards": wards, "reports": reports})


@get("/r/{code:str}", include_in_schema=False)
async def report_page(request: Request, code: FromPath[str]) -> Template:
    report = await public_report(code)
    return Template("report.html", context=await report_page_context(request, report))


async def report_page_context(request: Request, report: dict, feedback_error: str | None = None) -> dict:
    person_id = await device_person_id(request)
    row = await Report.select().where(Report.code == report["code"]).first()
    relation = {"following": False, "supported": False, "can_confirm": False, "can_rate": False,
                "may_support": may_support(row, person_id)}  # fmt: skip
    if person_id is not None:
        relation = {
            "following": await Follow.exists().where(Follow.person == person_id, Follow.report == row["id"]),
            "supported": await Support.exists().where(
                Support.person == person_id, Support.report == row["id"]
            ),
            "can_confirm": can_confirm(row, person_id),
            "can_rate": await can_rate(row, person_id),
            "may_support": may_support(row, person_id),
        }
    return {
        "report": report,
        **relation,
        "feedback_error": feedback_error,
        "actions": await actions_for_report(report["code"]),
        "just_filed": request.query_params.get("new") == "1",
        "url": f"{str(request.base_url).rstrip('/')}/r/{report['code']}",
    }


@post("/r/{code:str}/answer", include_in_schema=False)
async def answer_resolution(request: Request, code: FromPath[str]) -> Response:
    """The reporter confirms the fix (→ closed) or says it is not fixed (→ reopened)."""
    form = await request.form()
    return await _feedback(
        request,
        code,
        lambda row, person: answer(
            row, person, fixed=form.get("fixed") == "1", comment=form.get("comment") or ""
        ),
    )


@post("/r/{code:str}/rate", include_in_schema=False)
async def rate_handling(request: Request, code: FromPath[str]) -> Response:
    form = await request.form()
    try:
        stars = int(form.get("stars") or 0)
    except ValueError:
        stars = 0
    return await _feedback(
        request, code, lambda row, person: rate(row, person, stars, form.get("comment") or "")
    )


async def _feedback(request: Request, code: str, do) -> Response:
    row = await report_row(code)
    try:
        await do(row, await device_person_id(request))
    except FeedbackError as error:
        view = await report_view(row["code"])
        return Template("report.html", context=await report_page_context(request, view, str(error)),
                        status_code=HTTP_400_BAD_REQUEST)  # fmt: skip
    return Redirect(f"/r/{row['code']}", status_code=HTTP_303_SEE_OTHER)
