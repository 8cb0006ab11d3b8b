"""The public report filters, parsed once for the API, the map, the exports and the feeds."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from app.casework.workflow import Status
from app.platform import clock
from app.platform.i18n import gettext as _
from app.reporting.public import ReportFilter


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
    except ValueError:
        raise ValidationException(_("bbox must be four numbers: west,south,east,north")) from None
    if not (west < east and south < north):
        raise ValidationException(_("bbox must be four numbers: west,south,east,north"))
    return west, south, east, north


async def provide_report_filter(
    bbox: Annotated[str | None, QueryParameter(description="west,south,east,north (WGS 84)")] = None,
    status: Annotated[str | None, QueryParameter(description="received, accepted, …")] = None,
    category: Annotated[str | None, QueryParameter(description="a category code")] = None,
    ward: Annotated[str | None, QueryParameter(description="a ward code, e.g. 11446")] = None,
    days: Annotated[int | None, QueryParameter(ge=1, le=3660, description="only the last N days")] = None,
) -> ReportFilter:
    if status and status not in {s.value for s in Status}:
        raise ValidationException(_("Unknown status %(status)s.") % {"status": status})
    return ReportFilter(
        bbox=parse_bbox(bbox),
        status=status or None,
        category=category or None,
        ward=ward or None,
        since=clock.now() - timedelta(days=days) if days else None,
    )
