"""What the public may see. Every public surface reads reports through these functions,
so the reporter's contact data (name unless shown, phone, email, device) cannot leak."""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from piccolo.columns.combination import WhereRaw
from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.query.functions.aggregate import Avg, Count, Sum
from piccolo.querystring import QueryString

from app.casework.workflow import OPEN_STATUSES
from app.platform.kept import PUBLIC_MAX_AGE_SECONDS, Kept, forget_all
from app.platform.photos import media_name
from app.platform.tables import Category, MapCell, Photo, Report, ReportCount, Ward
from app.reporting.counters import GRID_ZOOMS, cell_degrees, cell_of, day_of
from app.reporting.moderation import (
    description_moderation,
    public_description,
    public_timeline,
    withheld_photos,
)
from app.reporting.routing import WardPlace, locator


def photo_urls(digest: str) -> dict:
    return {
        "url": f"/media/{media_name(digest)}",
        "thumbnail_url": f"/media/{media_name(digest, 'thumb')}",
    }


def _summary(row: dict) -> dict:
    """A report's public fields: the description as moderation left it, never who sent it."""
    return {
        "code": row["code"],
        "status": row["status"],
        "description": public_description(row),
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


async def _first_photos(reports: list[dict]) -> dict[int, str]:
    """Each report's first photo the public may see (withheld ones are passed over)."""
    if not reports:
        return {}
    withheld = {r["id"]: withheld_photos(r) for r in reports}
    rows = await Photo.select(Photo.report, Photo.digest).where(
        Photo.report.is_in(list(withheld)), Photo.stage == "before"
    ).order_by(Photo.position)
    first: dict[int, str] = {}
    for r in rows:
        if r["digest"] not in withheld[r["report"]]:
            first.setdefault(r["report"], r["digest"])
    return first


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

    def condition(self) -> tuple[str, list]:
        """The filter as one SQL condition on the `reports` table and its arguments, with the
        "{}" placeholders Piccolo's raw queries and WhereRaw take: the one translation of the
        filter, for the hand-written queries and for those built with Piccolo (`apply`).
        Categories and wards are matched by subquery, so the condition needs no join and the
        database can walk the index of the report's ward or category."""
        parts: list[str] = []
        args: list = []
        if self.bbox:
            west, south, east, north = self.bbox
            parts.append("reports.lat >= {} AND reports.lat <= {}")
            parts.append("reports.lon >= {} AND reports.lon <= {}")
            args += [south, north, west, east]
        if self.status:
            parts.append("reports.status = {}")
            args.append(self.status)
        if self.category:
            parts.append("reports.category IN (SELECT id FROM categories WHERE code = {})")
            args.append(self.category)
        if self.ward:
            parts.append("reports.ward IN (SELECT id FROM wards WHERE code = {})")
            args.append(self.ward)
        if self.since:
            parts.append("reports.created_at >= {}")
            args.append(self.since)
        if self.until:
            parts.append("reports.created_at <= {}")
            args.append(self.until)
        if self.is_open is not None:
            values = [str(s) for s in OPEN_STATUSES]
            negation = "" if self.is_open else "NOT "
            parts.append("reports.status " + negation + "IN (" + ", ".join("{}" for _ in values) + ")")
            args += values
        if self.categories:
            codes = ", ".join("{}" for _ in self.categories)
            parts.append("reports.category IN (SELECT id FROM categories WHERE code IN (" + codes + "))")
            args += list(self.categories)
        return " AND ".join(parts), args

    def apply(self, query):
        """`query` (a Piccolo select on Report) narrowed to this filter."""
        sql, args = self.condition()
        return query.where(WhereRaw(sql, *args)) if sql else query


EVERYTHING = ReportFilter()


# The summaries of the lists, the map's markers and the pages' cards, written out: built
# with Piccolo, its joins cost more per request than the query itself.
_NEWEST = (
    "SELECT reports.id, reports.code, reports.status, reports.description, reports.lat, reports.lon, "
    "reports.created_at, reports.deadline, reports.support_count, reports.escalated, "
    'c.code AS "category.code", c.name_vi AS "category.name_vi", c.name_en AS "category.name_en", '
    'w.code AS "ward.code", w.name AS "ward.name", p.code AS "ward.province.code", '
    'p.short_name AS "ward.province.short_name", reports.description_state, '
    "reports.redacted_description, reports.photo_moderation "
    "FROM reports LEFT JOIN categories c ON c.id = reports.category LEFT JOIN wards w ON w.id = reports.ward "
    "LEFT JOIN provinces p ON p.id = w.province"
)


async def _newest(chosen: ReportFilter, limit: int, offset: int = 0) -> list[dict]:
    condition, args = chosen.condition()
    where = f" WHERE {condition}" if condition else ""
    order = f" ORDER BY reports.created_at DESC LIMIT {int(limit)} OFFSET {int(offset)}"
    return await Report.raw(_NEWEST + where + order, *args)


async def list_reports(chosen: ReportFilter = EVERYTHING, limit: int = 200, offset: int = 0) -> list[dict]:
    """Public summaries, newest first."""
    return [_summary(r) for r in await _newest(chosen, limit, offset)]


async def recent_reports(chosen: ReportFilter = EVERYTHING, limit: int = 12) -> list[dict]:
    """Public summaries with their first photo, for the cards on the home and ward pages."""
    rows = await _newest(chosen, limit)
    photos = await _first_photos(rows)
    return [
        {**_summary(r), "photo": photo_urls(photos[r["id"]]) if r["id"] in photos else None} for r in rows
    ]


async def clusters(chosen: ReportFilter, zoom: int, limit: int = 2000) -> list[dict]:
    """Reports grouped on the grid of this zoom (counters.cell_degrees), for the map between
    the ward clusters and single reports: a count and the mean position per cell."""
    if zoom in GRID_ZOOMS and chosen.bbox and _only_box_and_status(chosen):
        return await _clusters_from_cells(chosen, zoom, limit)
    # Grid cells by integer division; SQLite truncates with CAST, PostgreSQL needs FLOOR.
    if isinstance(engine_finder(), SQLiteEngine):
        cell = "CAST((reports.lat + 90) / {} AS INTEGER), CAST((reports.lon + 180) / {} AS INTEGER)"
    else:
        cell = "FLOOR((reports.lat + 90) / {}), FLOOR((reports.lon + 180) / {})"
    query = chosen.apply(
        Report.select(Count(alias="n"), Avg(Report.lat, alias="lat"), Avg(Report.lon, alias="lon"))
    )
    size = cell_degrees(zoom)
    grouped = QueryString(f"{{}} GROUP BY {cell} LIMIT {int(limit)}", query.querystrings[0], size, size)
    rows = await engine_finder().run_querystring(grouped)
    return [{"count": r["n"], "lat": round(r["lat"], 5), "lon": round(r["lon"], 5)} for r in rows]


def _only_box_and_status(chosen: ReportFilter) -> bool:
    return chosen == ReportFilter(bbox=chosen.bbox, status=chosen.status)


_CELLS_IN_BOX = (
    "SELECT SUM(n) AS n, SUM(lat_sum) AS lat_sum, SUM(lon_sum) AS lon_sum FROM map_cells "
    "WHERE zoom = {} AND y >= {} AND y <= {} AND x >= {} AND x <= {}"
)


async def _clusters_from_cells(chosen: ReportFilter, zoom: int, limit: int) -> list[dict]:
    """The same grid read from the cells kept by app/reporting/counters.py: a few hundred rows
    instead of every report in view. A cell the view's edge cuts is counted whole, as a map
    draws it (the computed grid cut it at the edge, so a cluster changed as the map moved)."""
    west, south, east, north = chosen.bbox
    (bottom, left), (top, right) = cell_of(zoom, south, west), cell_of(zoom, north, east)
    sql, args = _CELLS_IN_BOX, [zoom, bottom, top, left, right]
    if chosen.status:
        sql, args = sql + " AND status = {}", [*args, chosen.status]
    rows = await MapCell.raw(sql + f" GROUP BY y, x HAVING SUM(n) > 0 LIMIT {int(limit)}", *args)
    return [
        {"count": r["n"], "lat": round(r["lat_sum"] / r["n"], 5), "lon": round(r["lon_sum"] / r["n"], 5)}
        for r in rows
    ]


# Zoomed out, the map groups by administrative unit instead of scanning the box: one count
# per ward, summed from the report counters (app/reporting/counters.py), placed at the ward's
# centroid, and merged per province when the whole country is in view. The same counts serve
# everyone looking at the map for PUBLIC_MAX_AGE_SECONDS (app/platform/kept.py).
BY_WARD_BELOW_ZOOM = 11
BY_PROVINCE_BELOW_ZOOM = 7
# Keyed by the map's filters, which a reader chooses: a few dozen are kept (≈ 0.2 MB of counts
# and ≈ 1.3 MB of grouped clusters each at 3,321 wards), not a thousand.
_unit_counts = Kept(PUBLIC_MAX_AGE_SECONDS, size=32)
_busiest_wards = Kept(PUBLIC_MAX_AGE_SECONDS)
_unit_groups = Kept(PUBLIC_MAX_AGE_SECONDS, size=32)


async def _counts_per_ward(chosen: ReportFilter) -> dict[int, int]:
    return await _unit_counts.get(_unit_key(chosen), lambda: _count_per_ward(*_unit_key(chosen)))


def _unit_key(chosen: ReportFilter) -> tuple:
    return (chosen.status, chosen.category, chosen.ward, day_of(chosen.since) if chosen.since else None)


async def _count_per_ward(
    status: str | None, category: str | None, ward: str | None, since
) -> dict[int, int]:
    query = ReportCount.select(ReportCount.ward, Sum(ReportCount.n, alias="n")).group_by(ReportCount.ward)
    if status:
        query = query.where(ReportCount.status == status)
    if category:
        query = query.where(ReportCount.category.code == category)
    if ward:
        query = query.where(ReportCount.ward.code == ward)
    if since:
        query = query.where(ReportCount.day >= since)
    return {r["ward"]: r["n"] for r in await query if r["n"]}


def forget_unit_counts() -> None:
    forget_all()


@dataclass(frozen=True)
class _UnitGroups:
    """One filter's counts grouped by ward or province, each placed at its weighted centre and
    sorted by latitude: a view's box is then a bisection and a short scan, not a pass over
    every ward per request (which was most of a zoomed-out map request's time)."""

    lats: list[float]
    groups: list[tuple[float, dict]]  # (lon, the cluster as answered), in the order of lats

    @classmethod
    def of(cls, counts: dict[int, int], places: dict[int, WardPlace], by_province: bool) -> _UnitGroups:
        sums: dict[str, tuple[int, float, float]] = {}
        for ward_id, count in counts.items():
            place = places.get(ward_id)
            if place is None:
                continue
            key = place.province_code if by_province else place.code
            total, lat, lon = sums.get(key, (0, 0.0, 0.0))
            sums[key] = (total + count, lat + place.lat * count, lon + place.lon * count)
        centres = sorted((lat / total, lon / total, total) for total, lat, lon in sums.values())
        return cls(
            [lat for lat, _, _ in centres],
            [(lon, {"count": n, "lat": round(lat, 5), "lon": round(lon, 5)}) for lat, lon, n in centres],
        )

    def inside(self, west: float, south: float, east: float, north: float) -> list[dict]:
        """The clusters in the box; shared between answers, so read, never changed."""
        first, last = bisect_left(self.lats, south), bisect_right(self.lats, north)
        return [cluster for lon, cluster in self.groups[first:last] if west <= lon <= east]


async def unit_clusters(chosen: ReportFilter, zoom: int) -> list[dict]:
    """Report counts per ward (or per province when zoomed far out) inside the view's box."""
    by_province = zoom < BY_PROVINCE_BELOW_ZOOM
    key = (*_unit_key(chosen), by_province)

    async def grouped() -> _UnitGroups:
        places = {p.id: p for p in (await locator()).places}
        return _UnitGroups.of(await _counts_per_ward(chosen), places, by_province)

    return (await _unit_groups.get(key, grouped)).inside(*(chosen.bbox or (-180, -90, 180, 90)))


# The public view of one report in one query: its row, rating, photos and public timeline
# (four round trips and four Piccolo query builds before; the page is what a link opens).
_REPORT_VIEW = """
SELECT r.id, r.code, r.status, r.description, r.lat, r.lon, r.created_at, r.deadline, r.support_count,
       r.escalated, c.code AS "category.code", c.name_vi AS "category.name_vi",
       c.name_en AS "category.name_en", w.code AS "ward.code", w.name AS "ward.name",
       p.code AS "ward.province.code", p.short_name AS "ward.province.short_name",
       r.show_name, r.reporter_name, r.description_state, r.redacted_description, r.photo_moderation,
       (SELECT stars FROM ratings WHERE ratings.report = r.id) AS rating,
       {photos} AS photos, {timeline} AS timeline
FROM reports r JOIN categories c ON c.id = r.category JOIN wards w ON w.id = r.ward
     JOIN provinces p ON p.id = w.province
WHERE r.code = {{}}
"""
_LISTS = {
    "sqlite": {
        "photos": "(SELECT json_group_array(json_array(digest, stage)) FROM (SELECT digest, stage "
                  "FROM photos WHERE photos.report = r.id ORDER BY position, id))",
        "timeline": "(SELECT json_group_array(json_array(kind, from_status, to_status, public_text, "
                    "json(data), created_at)) FROM (SELECT * FROM report_events e WHERE e.report = r.id "
                    "AND e.is_public ORDER BY e.id))",
    },
    "postgres": {
        "photos": "(SELECT json_agg(json_build_array(digest, stage) ORDER BY position, id) FROM photos "
                  "WHERE photos.report = r.id)",
        "timeline": "(SELECT json_agg(json_build_array(kind, from_status, to_status, public_text, data, "
                    "created_at) ORDER BY e.id) FROM report_events e WHERE e.report = r.id AND e.is_public)",
    },
}  # fmt: skip
_EVENT_FIELDS = ("kind", "from_status", "to_status", "public_text", "data", "created_at")


def _listed(value) -> list:
    """A JSON array from the database: text on SQLite and asyncpg alike, NULL when empty."""
    return json.loads(value) if isinstance(value, str | bytes) else value or []


async def report_view(code: str) -> dict | None:
    engine = "sqlite" if isinstance(engine_finder(), SQLiteEngine) else "postgres"
    rows = await Report.raw(_REPORT_VIEW.format(**_LISTS[engine]), code)
    if not rows:
        return None
    row = rows[0]
    view = _summary(row)
    view["escalated"] = bool(row["escalated"])
    view["description_moderation"] = description_moderation(row)
    withheld = withheld_photos(row)
    view["reporter_name"] = row["reporter_name"] if row["show_name"] else None
    view["rating"] = row["rating"]
    view["photos"] = [
        {**photo_urls(digest), "stage": stage}
        for digest, stage in _listed(row["photos"])
        if digest not in withheld
    ]
    # In the order they were written, as the projection folds them.
    events = [
        dict(zip(_EVENT_FIELDS, event, strict=True))
        | {"data": _json_data(event[4]), "created_at": datetime.fromisoformat(event[5])}
        for event in _listed(row["timeline"])
    ]
    view["timeline"] = public_timeline(events, withheld)
    return view


def _json_data(value):
    return json.loads(value) if isinstance(value, str) else value


async def active_wards(since: datetime, limit: int = 6) -> list[dict]:
    """The wards with the most reports since `since` (by day), with their counts by status.

    Read from the report counters and kept for PUBLIC_MAX_AGE_SECONDS: the front page is what
    a newspaper links to, and must not count a million reports per reader."""
    return await _busiest_wards.get((day_of(since), limit), lambda: _busiest_since(day_of(since), limit))


async def _busiest_since(since: date, limit: int) -> list[dict]:
    rows = (
        await ReportCount.select(ReportCount.ward, ReportCount.status, Sum(ReportCount.n, alias="n"))
        .where(ReportCount.day >= since)
        .group_by(ReportCount.ward, ReportCount.status)
    )
    by_ward: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        if row["n"]:
            by_ward[row["ward"]][row["status"]] = row["n"]
    busiest = sorted(by_ward, key=lambda w: -sum(by_ward[w].values()))[:limit]
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
