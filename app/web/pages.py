"""Public HTML pages."""

from __future__ import annotations

from datetime import timedelta

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from app import clock
from app.domain.public import active_wards, recent_reports, report_view
from app.i18n import gettext as _


@get("/", include_in_schema=False)
async def home() -> Template:
    wards = await active_wards(since=clock.now() - timedelta(days=90))
    reports = await recent_reports(limit=12)
    return Template("home.html", context={"wards": wards, "reports": reports})


@get("/r/{code:str}", include_in_schema=False)
async def report_page(code: FromPath[str]) -> Template:
    report = await report_view(code.upper())
    if report is None:
        raise NotFoundException(_("No report has the tracking code %(code)s.") % {"code": code})
    return Template("report.html", context={"report": report})
