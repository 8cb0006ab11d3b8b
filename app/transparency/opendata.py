"""Open data: CSV and GeoJSON exports of the public report fields, Atom feeds per ward and
per category. The same public summaries as the API: nothing personal can be exported."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncGenerator

from feedgen.feed import FeedGenerator
from litestar import Response, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Stream

from app.platform.i18n import gettext as _
from app.platform.settings import Settings
from app.reporting.filters import provide_report_filter
from app.reporting.public import ReportFilter, category_list, list_reports
from app.transparency.queries import ward_name

FILTERED = {"report_filter": Provide(provide_report_filter)}
PAGE = 5000
EXPORT_LIMIT = 200_000
COLUMNS = ["code", "status", "category", "ward_code", "ward", "province", "lat", "lon",
           "created_at", "deadline", "support_count"]  # fmt: skip


def _flat(r: dict) -> dict:
    return {
        "code": r["code"], "status": r["status"], "category": r["category"]["code"],
        "ward_code": r["ward"]["code"], "ward": r["ward"]["name"], "province": r["ward"]["province"]["name"],
        "lat": r["lat"], "lon": r["lon"], "created_at": r["created_at"].isoformat(),
        "deadline": r["deadline"].isoformat(), "support_count": r["support_count"],
    }  # fmt: skip


async def _pages(chosen: ReportFilter) -> AsyncGenerator[list[dict], None]:
    for offset in range(0, EXPORT_LIMIT, PAGE):
        rows = await list_reports(chosen, limit=PAGE, offset=offset)
        if rows:
            yield [_flat(r) for r in rows]
        if len(rows) < PAGE:
            return


@get("/export/reports.csv", dependencies=FILTERED, tags=["open data"],
     summary="Public report fields as CSV (UTF-8), same filters as the map")  # fmt: skip
async def export_csv(report_filter: NamedDependency[ReportFilter]) -> Stream:
    async def lines() -> AsyncGenerator[str, None]:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        buffer.write("\ufeff")  # a byte-order mark, so spreadsheet programs read Vietnamese right
        writer.writeheader()
        async for page in _pages(report_filter):
            writer.writerows(page)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return Stream(lines(), media_type="text/csv",
                  headers={"Content-Disposition": 'attachment; filename="gandan-reports.csv"'})  # fmt: skip


@get("/export/reports.geojson", dependencies=FILTERED, tags=["open data"],
     summary="Public report fields as a GeoJSON FeatureCollection")  # fmt: skip
async def export_geojson(report_filter: NamedDependency[ReportFilter]) -> Stream:
    async def chunks() -> AsyncGenerator[str, None]:
        yield '{"type": "FeatureCollection", "features": ['
        first = True
        async for page in _pages(report_filter):
            for row in page:
                feature = {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                    "properties": {k: v for k, v in row.items() if k not in ("lat", "lon")},
                }
                yield ("" if first else ",") + json.dumps(feature, ensure_ascii=False)
                first = False
        yield "]}"

    return Stream(chunks(), media_type="application/geo+json")


def _feed(settings: Settings, title: str, path: str, reports: list[dict]) -> Response:
    base = settings.link("/").rstrip("/")
    feed = FeedGenerator()
    feed.id(f"{base}{path}")
    feed.title(title)
    feed.link(href=f"{base}{path}", rel="self")
    feed.link(href=base, rel="alternate")
    feed.language("vi")
    feed.updated(reports[0]["created_at"] if reports else None)
    for r in reversed(reports):  # feedgen prepends: add oldest first to list newest first
        entry = feed.add_entry()
        entry.id(f"{base}/r/{r['code']}")
        entry.link(href=f"{base}/r/{r['code']}")
        entry.title(f"{r['code']} · {r['category']['name_vi']} · {r['ward']['name']}")
        entry.summary(r["description"])
        entry.published(r["created_at"])
        entry.updated(r["created_at"])
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")


@get("/wards/{code:str}/feed.atom", tags=["open data"], summary="Atom feed of a ward's reports")
async def ward_feed(code: FromPath[str], settings: NamedDependency[Settings]) -> Response:
    name = await ward_name(code)
    if name is None:
        raise NotFoundException(_("There is no ward with the code %(code)s.") % {"code": code})
    reports = await list_reports(ReportFilter(ward=code), limit=50)
    return _feed(settings, f"Gần Dân · {name}", f"/wards/{code}/feed.atom", reports)


@get("/categories/{code:str}/feed.atom", tags=["open data"], summary="Atom feed of a category's reports")
async def category_feed(code: FromPath[str], settings: NamedDependency[Settings]) -> Response:
    category = next((c for c in await category_list() if c["code"] == code), None)
    if category is None:
        raise NotFoundException(_("There is no category %(code)s.") % {"code": code})
    reports = await list_reports(ReportFilter(category=code), limit=50)
    return _feed(settings, f"Gần Dân · {category['name_vi']}", f"/categories/{code}/feed.atom", reports)
