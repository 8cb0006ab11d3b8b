"""Reading the service index and the rankings from the database (no personal data)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from app.participation.survey import index_shares
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.i18n import vietnamese_sort_key
from app.platform.kept import PUBLIC_MAX_AGE_SECONDS, Kept
from app.platform.tables import DeadlineMark, Follow, Province, Rating, Report, ReportEvent, Ward
from app.transparency import index_snapshots
from app.transparency.service_index import CaseFacts, ServiceIndex, compute

PERIOD_DAYS = 365


def last_months(now: datetime, count: int = 12) -> list[str]:
    local = now.astimezone(VIETNAM)
    year, month = local.year, local.month
    labels = []
    for _ in range(count):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return labels[::-1]


async def _facts_by_ward(ward_ids: list[int], since: datetime) -> tuple[dict[int, list[CaseFacts]], dict]:
    rows = await Report.select(
        Report.id,
        Report.ward,
        Report.status,
        Report.channel,
        Report.category.code,
        Report.created_at,
        Report.deadline,
        Report.acknowledged_at,
        Report.resolved_at,
    ).where(Report.ward.is_in(ward_ids or [0]), Report.created_at >= since, Report.duplicate_of.is_null())
    ids = [r["id"] for r in rows] or [0]
    late = {m["report"] for m in await DeadlineMark.select(DeadlineMark.report).where(
        DeadlineMark.kind == "overdue", DeadlineMark.report.is_in(ids))}  # fmt: skip
    reopened = {
        e["report"]
        for e in await ReportEvent.select(ReportEvent.report).where(
            ReportEvent.report.is_in(ids),
            ReportEvent.kind == "status",
            ReportEvent.from_status.is_in(["resolved", "closed"]),
            ReportEvent.to_status == "in_progress",
        )
    }
    stars: dict[int, list[int]] = defaultdict(list)
    for rating in await Rating.select(Rating.stars, Rating.report.ward).where(Rating.report.is_in(ids)):
        stars[rating["report.ward"]].append(rating["stars"])
    facts: dict[int, list[CaseFacts]] = defaultdict(list)
    for r in rows:
        facts[r["ward"]].append(CaseFacts(
            status=r["status"], category=r["category.code"], channel=r["channel"],
            created_at=r["created_at"], deadline=r["deadline"], acknowledged_at=r["acknowledged_at"],
            resolved_at=r["resolved_at"], was_late=r["id"] in late, reopened=r["id"] in reopened,
        ))  # fmt: skip
    return facts, stars


async def _live_indexes(ward_ids: list[int], now: datetime) -> dict[int, ServiceIndex]:
    """The wards' indexes computed from a year of their cases."""
    facts, stars = await _facts_by_ward(ward_ids, now - timedelta(days=PERIOD_DAYS))
    surveys = await index_shares(ward_ids, now)
    months = last_months(now)
    return {w: compute(facts.get(w, []), stars.get(w, []), now, months, surveys.get(w)) for w in ward_ids}


async def _indexes(ward_ids: list[int], now: datetime) -> dict[int, ServiceIndex]:
    """The stored snapshot where one may be served (index_snapshots), else computed now."""
    indexes = await index_snapshots.servable(ward_ids, now)
    if missing := [w for w in ward_ids if w not in indexes]:
        indexes |= await _live_indexes(missing, now)
    return indexes


# The same for every reader for a few seconds.
_ward_indexes = Kept(PUBLIC_MAX_AGE_SECONDS)


async def ward_index(ward_id: int, now: datetime | None = None) -> ServiceIndex:
    if now is not None:
        return (await _indexes([ward_id], now))[ward_id]
    return await _ward_indexes.get(ward_id, lambda: ward_index(ward_id, clock.now()))


async def refresh_ward_indexes(
    now: datetime | None = None,
    *,
    wards: list[int] | None = None,
    batch: int = 5,
    progress: Callable[[Iterable], Iterable] = iter,
) -> int:
    """The sweep's part: store a new snapshot for every ward (or each of `wards`) whose
    snapshot is missing, changed or ageing, a few wards at a time (a batch reads the cases on
    the event loop's thread, so it is kept short); returns how many were stored. `progress`
    wraps the wards due, as the other long commands' progress bars do."""
    now = now or clock.now()
    changes_read = await index_snapshots.due(now, wards)  # read before the cases, as store() requires
    stored, chunk = 0, []

    async def refresh(chunk: list[int]) -> int:
        kept = 0
        for ward_id, index in (await _live_indexes(chunk, now)).items():
            kept += await index_snapshots.store(ward_id, index, now, changes_read[ward_id])
        await asyncio.sleep(0)  # the pages' readers go between batches
        return kept

    for ward_id in progress(sorted(changes_read)):
        chunk.append(ward_id)
        if len(chunk) == batch:
            stored, chunk = stored + await refresh(chunk), []
    return stored + (await refresh(chunk) if chunk else 0)


async def province_ranking(province_id: int, now: datetime | None = None) -> list[dict]:
    """Every ward of the province with its index, best first; wards without reports last."""
    now = now or clock.now()
    wards = await Ward.select(Ward.id, Ward.code, Ward.name).where(Ward.province == province_id)
    indexes = await _indexes([w["id"] for w in wards], now)
    ranked = [{**w, "index": indexes[w["id"]]} for w in wards]
    ranked.sort(key=lambda w: (w["index"].score is None, -(w["index"].score or 0), not w["index"].reports,
                               vietnamese_sort_key(w["name"])))  # fmt: skip
    for position, ward in enumerate(ranked, start=1):
        ward["rank"] = position if ward["index"].score is not None else None
    return ranked


# Every page about a ward starts here: written out, as Piccolo's joins through
# Ward.province.… cost more to build than the read.
_WARD_BY_CODE = (
    "SELECT w.id, w.code, w.name, w.kind, w.area_km2, p.id AS province_id, p.code AS province_code, "
    "p.name AS province_name FROM wards w LEFT JOIN provinces p ON p.id = w.province WHERE w.code = {}"
)


async def ward_by_code(code: str) -> dict | None:
    rows = await Ward.raw(_WARD_BY_CODE, code)
    return rows[0] if rows else None


async def province_by_code(code: str) -> dict | None:
    return await Province.select().where(Province.code == code).first()


async def follows_ward(person_id: int | None, ward_id: int) -> bool:
    return person_id is not None and await Follow.exists().where(
        Follow.person == person_id, Follow.ward == ward_id
    )


async def set_ward_follow(person_id: int, ward_id: int, following: bool) -> None:
    """Follow a ward (be told of what it publishes), or stop."""
    if not following:
        await Follow.delete().where(Follow.person == person_id, Follow.ward == ward_id)
    elif not await follows_ward(person_id, ward_id):
        await Follow.insert(Follow(person=person_id, ward=ward_id, created_at=clock.now()))


async def ward_name(code: str) -> str | None:
    row = await Ward.select(Ward.name).where(Ward.code == code).first()
    return row["name"] if row else None
