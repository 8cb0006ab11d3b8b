"""Finding a report by its tracking code for a handler, or answering 404 with the code: the
web's side of `reports.report_by_code` and `public.report_view`."""

from __future__ import annotations

from litestar.exceptions import NotFoundException

from app.platform.i18n import gettext as _
from app.reporting.public import report_view
from app.reporting.reports import report_by_code


def no_such_report(code: str) -> NotFoundException:
    return NotFoundException(_("No report has the tracking code %(code)s.") % {"code": code})


async def report_row(code: str) -> dict:
    """The report's full row (staff and reporter-side handlers)."""
    row = await report_by_code(code)
    if row is None:
        raise no_such_report(code)
    return row


async def public_report(code: str) -> dict:
    """The report's public view (public pages and the API)."""
    view = await report_view(code.upper())
    if view is None:
        raise no_such_report(code)
    return view
