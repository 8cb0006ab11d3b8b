"""Public HTML pages."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from app import clock
from app.domain.public import active_wards, recent_reports, report_view
from app.i18n import gettext as _
from app.tables import Follow, Report, Support
from app.web.residents import device_person_id


@get("/", include_in_schema=False)
async def home() -> Template:
    wards = await active_wards(since=clock.now() - timedelta(days=90))
    reports = await recent_reports(limit=12)
    return Template("home.html", context={"wards": wards, "reports": reports})


@get("/r/{code:str}", include_in_schema=False)
async def report_page(request: Request, code: FromPath[str]) -> Template:
    report = await report_view(code.upper())
    if report is None:
        raise NotFoundException(_("No report has the tracking code %(code)s.") % {"code": code})
    person_id = await device_person_id(request)
    relation = {"following": False, "supported": False}
    if person_id is not None:
        report_id = await Report.select(Report.id).where(Report.code == report["code"]).first()
        relation = {
            "following": await Follow.exists().where(
                Follow.person == person_id, Follow.report == report_id["id"]
            ),
            "supported": await Support.exists().where(
                Support.person == person_id, Support.report == report_id["id"]
            ),
        }
    return Template("report.html", context={
        "report": report, **relation,
        "just_filed": request.query_params.get("new") == "1",
        "url": f"{str(request.base_url).rstrip('/')}/r/{report['code']}",
    })  # fmt: skip
