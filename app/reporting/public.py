"""What the public may see. Every public surface reads reports through these functions,
so the reporter's contact data (name unless shown, phone, email, device) cannot leak."""

from __future__ import annotations

import asyncio
import time
import weakref
from dataclasses import dataclass
from datetime import datetime

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.query.functions.aggregate import Avg, Count
from piccolo.querystring import QueryString

from app.casework.workflow import OPEN_STATUSES
from app.platform.photos import media_name
from app.platform.tables import Category, Photo, Rating, Report, ReportEvent, Ward
from app.reporting.routing import locator


def photo_urls(digest: str) -> dict:
    return {
        "url": f"/media/{media_name(digest)}",
        "thumbnail_url": f"/media/{media_name(digest, 'thumb')}",
    }


_SUMMARY_COLUMNS = (
    Report.id, Report.code, Report.status, Report.description, Report.lat, Report.lon,
    Report.created_at, Report.deadline, Report.support_count, Report.escalated,
    Report.category.code, Report.category.name_vi, Report.category.name_en,
    Report.ward.code, Report.ward.name, Report.ward.province.code, Report.ward.province.short_name,
)  # fmt: skip


def _summary(row: dict) -> dict:
    return {
        "code": row["code"],
        "status": row["status"],
        "description": row["description"],
        "lat": row["lat"],
        "lon": row["lon"],
        "created_at": row["created_at"],
        "deadline": row["deadline"],
        "support_count": row["support_count"],
        "escalated": row["escalated"],
        "category": {
            "code": row["category.code"],
            "name_vi": row["category.name_vi"],
            "name_en": row["category.name_en"],
        },  # fmt: skip
        "ward": {
            "code": row["ward.code"],
            "name": row["ward.name"],
            "province": {"code": row["ward.province.code"], "name": row["ward.province.short_name"]},
        },  # fmt: skip
    }


async def _first_photos(report_ids: list[int]) -> dict[int, str]:
    if not report_ids:
        return {}
    rows = await Photo.select(Photo.report, Photo.digest).where(
        Photo.report.is_in(report_ids), Photo.stage == "before", Photo.position == 0
    )
    return {r["report"]: r["digest"] for r in rows}


def status_is_open(is_open: bool = True):
    """The condition "the report is still being worked on" (or, with False, "it is not")."""
    values = [str(s) for s in OPEN_STATUSES]
    return Report.status.is_in(values) if is_open else Report.status.not_in(values)


@dataclass(frozen=True)
class ReportFilter:
    """The public filters shared by the map, the list API, the exports and the feeds."""

    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    status: str | None = None
    category: str | None = None
    ward: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    is_open: bool | None = None  # only open (True) or only finished (False) reports
    categories: tuple[str, ...] = ()  # any of these category codes

    def apply(self, query):
        if self.bbox:
            west, south, east, north = self.bbox
            query = query.where(
                Report.lat >= south, Report.lat <= north, Report.lon >= west, Report.lon <= east
            )
        if self.status:
            query = query.where(Report.status == self.status)
        if self.category:
            query = query.where(Report.category.code == self.category)
        if self.ward:
            query = query.where(Report.ward.code == self.ward)
        if self.since:
            query = query.where(Report.created_at >= self.since)
        if self.until:
            query = query.where(Report.created_at <= self.until)
        if self.is_open is not None:
            query = query.where(status_is_open(self.is_open))
        if self.categories:
            query = query.where(Report.category.code.is_in(list(self.categories)))
        return query


EVERYTHING = ReportFilter()


async def _newest(chosen: ReportFilter, limit: int, offset: int = 0) -> list[dict]:
    query = chosen.apply(Report.select(*_SUMMARY_COLUMNS)).order_by(Report.created_at, ascending=False)
    return await query.limit(limit).offset(offset)


async def list_reports(chosen: ReportFilter = EVERYTHING, limit: int = 200, offset: int = 0) -> list[dict]:
    """Public summaries, newest first."""
    return [_summary(r) for r in await _newest(chosen, limit, offset)]


async def recent_reports(chosen: ReportFilter = EVERYTHING, limit: int = 12) -> list[dict]:
    """Public summaries with their first photo, for the cards on the home and ward pages."""
    rows = await _newest(chosen, limit)
    photos = await _first_photos([r["id"] for r in rows])
    return [
        {**_summary(r), "photo": photo_urls(photos[r["id"]]) if r["id"] in photos else None} for r in rows
    ]


async def clusters(chosen: ReportFilter, cell_degrees: float, limit: int = 2000) -> list[dict]:
    """Reports grouped on a grid of `cell_degrees`, for the map when zoomed out: a count and
    the mean position per cell. Computed in the database, so a million reports stay cheap."""
    # Grid cells by integer division; SQLite truncates with CAST, PostgreSQL needs FLOOR.
    if isinstance(engine_finder(), SQLiteEngine):
        cell = "CAST((reports.lat + 90) / {} AS INTEGER), CAST((reports.lon + 180) / {} AS INTEGER)"
    else:
        cell = "FLOOR((reports.lat + 90) / {}), FLOOR((reports.lon + 180) / {})"
    query = chosen.apply(
        Report.select(Count(alias="n"), Avg(Report.lat, alias="lat"), Avg(Report.lon, alias="lon"))
    )
    grouped = QueryString(
        f"{{}} GROUP BY {cell} LIMIT {int(limit)}", query.querystrings[0], cell_degrees, cell_degrees
    )
    rows = await engine_finder().run_querystring(grouped)
    return [{"count": r["n"], "lat": round(r["lat"], 5), "lon": round(r["lon"], 5)} for r in rows]


# Zoomed out, the map groups by administrative unit instead of scanning the box: one count
# per ward (an index walk over `reports.ward`), placed at the ward's centroid, and merged per
# province when the whole country is in view. The same counts serve everyone looking at the
# map for a minute, so a popular front page costs one query a minute per process.
BY_WARD_BELOW_ZOOM = 11
BY_PROVINCE_BELOW_ZOOM = 7
UNIT_COUNTS_TTL_SECONDS = 60
_unit_counts: dict[tuple, tuple[float, dict[int, int]]] = {}


# One lock per event loop (a lock belongs to the loop that first waits on it).
_unit_counts_locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


async def _counts_per_ward(chosen: ReportFilter) -> dict[int, int]:
    key = (chosen.status, chosen.category, chosen.ward, chosen.since.date() if chosen.since else None)
    cached = _unit_counts.get(key)
    if cached and time.monotonic() - cached[0] < UNIT_COUNTS_TTL_SECONDS:
        return cached[1]
    # One request counts while the others wait for its answer, rather than all counting at once.
    lock = _unit_counts_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        cached = _unit_counts.get(key)
        if cached and time.monotonic() - cached[0] < UNIT_COUNTS_TTL_SECONDS:
            return cached[1]
        return await _count_per_ward(key, chosen)


async def _count_per_ward(key: tuple, chosen: ReportFilter) -> dict[int, int]:
    unboxed = ReportFilter(
        status=chosen.status, category=chosen.category, ward=chosen.ward, since=chosen.since
    )
    rows = await unboxed.apply(Report.select(Report.ward, Count(alias="n"))).group_by(Report.ward)
    counts = {r["ward"]: r["n"] for r in rows}
    _unit_counts[key] = (time.monotonic(), counts)
    return counts


def forget_unit_counts() -> None:
    _unit_counts.clear()


async def unit_clusters(chosen: ReportFilter, zoom: int) -> list[dict]:
    """Report counts per ward (or per province when zoomed far out) inside the view's box."""
    places = (await locator()).places
    by_id = {p.id: p for p in places}
    west, south, east, north = chosen.bbox or (-180, -90, 180, 90)
    groups: dict[str, list] = {}
    for ward_id, count in (await _counts_per_ward(chosen)).items():
        place = by_id.get(ward_id)
        if place is None:
            continue
        key = place.province_code if zoom < BY_PROVINCE_BELOW_ZOOM else place.code
        total, lat, lon = groups.get(key, (0, 0.0, 0.0))
        groups[key] = (total + count, lat + place.lat * count, lon + place.lon * count)
    result = []
    for total, lat_sum, lon_sum in groups.values():
        lat, lon = lat_sum / total, lon_sum / total
        if south <= lat <= north and west <= lon <= east:
            result.append({"count": total, "lat": round(lat, 5), "lon": round(lon, 5)})
    return result


async def report_view(code: str) -> dict | None:
    row = (
        await Report.select(*_SUMMARY_COLUMNS, Report.show_name, Report.reporter_name)
        .where(Report.code == code)
        .first()
    )
    if row is None:
        return None
    view = _summary(row)
    view["reporter_name"] = row["reporter_name"] if row["show_name"] else None
    rating = await Rating.select(Rating.stars).where(Rating.report == row["id"]).first()
    view["rating"] = rating["stars"] if rating else None
    photos = (
        await Photo.select(Photo.digest, Photo.stage)
        .where(Photo.report == row["id"])
        .order_by(Photo.position)
    )
    view["photos"] = [{**photo_urls(p["digest"]), "stage": p["stage"]} for p in photos]
    events = await ReportEvent.select(
        ReportEvent.kind, ReportEvent.from_status, ReportEvent.to_status,
        ReportEvent.public_text, ReportEvent.data, ReportEvent.created_at,
    ).where(ReportEvent.report == row["id"], ReportEvent.is_public.eq(True)).order_by(
        ReportEvent.id  # the order they were written, as the projection folds them
    ).output(load_json=True)  # fmt: skip
    view["timeline"] = events
    return view


async def active_wards(since: datetime, limit: int = 6) -> list[dict]:
    """The wards with the most reports since `since`, with their counts by status.

    The ranking reuses the map's cached per-ward counts; only the few wards shown are then
    counted by status, so the front page stays cheap at millions of reports."""
    per_ward = await _counts_per_ward(ReportFilter(since=since))
    busiest = sorted(per_ward, key=lambda w: -per_ward[w])[:limit]
    rows = (
        await Report.select(Report.ward, Report.status, Count(alias="n"))
        .where(Report.ward.is_in(busiest or [0]), Report.created_at >= since)
        .group_by(Report.ward, Report.status)
    )
    by_ward: dict[int, dict[str, int]] = {w: {} for w in busiest}
    for row in rows:
        by_ward[row["ward"]][row["status"]] = row["n"]
    wards = {
        w["id"]: w
        for w in await Ward.select(Ward.id, Ward.code, Ward.name).where(Ward.id.is_in(busiest or [0]))
    }
    return [
        {
            "code": wards[w]["code"],
            "name": wards[w]["name"],
            "counts": by_ward[w],
            "total": sum(by_ward[w].values()),
        }
        for w in busiest
    ]


async def category_list() -> list[dict]:
    return await Category.select(
        Category.code, Category.name_vi, Category.name_en, Category.deadline_working_days,
        Category.deadline_hours,
    ).where(Category.active.eq(True)).order_by(Category.sort_order)  # fmt: skip
