"""Report counts per ward × day × status × category, kept up to date incrementally.

The pages that show how many reports a ward has (the home page's busiest wards, the map's
clusters when zoomed out) read these rows instead of counting a million reports. Every
change that can move a report between counters calls `count_change` inside the transaction
that writes the report's event and row (app/reporting/reports.py), so a counter is never
seen out of step with the rows it counts. `rebuild_counters` recounts from the rows (the
migration that creates the table, and the benchmark's bulk loader, use it).

The day is the report's creation date in UTC; a report's category never changes, its ward
(by a transfer) and status (by every step) may.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

from app.platform import kept
from app.platform.tables import ReportCount

_UPSERT = (
    "INSERT INTO report_counts (ward, day, status, category, n) VALUES ({}, {}, {}, {}, {}) "
    "ON CONFLICT (ward, day, status, category) DO UPDATE SET n = report_counts.n + excluded.n"
)


def day_of(created_at: datetime) -> date:
    return created_at.astimezone(UTC).date()


def _key(row: Mapping) -> tuple:
    return (row["ward"], day_of(row["created_at"]), str(row["status"]), row["category"])


async def _add(key: tuple, n: int) -> None:
    await ReportCount.raw(_UPSERT, *key, n)
    kept.changed()


async def count_new(row: Mapping) -> None:
    """A report was created: `row` has ward, created_at, status and category."""
    await _add(_key(row), 1)


async def count_change(before: Mapping, changes: Mapping) -> None:
    """The report `before` (its row) gets an event that changes `changes` (the projection's
    changed fields, perhaps none)."""
    kept.changed()  # what this process keeps shows support counts, statuses and timelines too
    if "ward" not in changes and "status" not in changes:
        return
    old = _key(before)
    new = _key({**before, **changes})
    if old != new:
        await _add(old, -1)
        await _add(new, 1)


async def rebuild_counters() -> None:
    """Recount every counter from the report rows (one statement; run it in a quiet moment)."""
    day = (
        "date(created_at)"
        if isinstance(engine_finder(), SQLiteEngine)
        else "(created_at AT TIME ZONE 'UTC')::date"
    )
    await ReportCount.raw("DELETE FROM report_counts")
    await ReportCount.raw(
        f"INSERT INTO report_counts (ward, day, status, category, n) SELECT ward, {day}, status, category, "
        f"count(*) FROM reports GROUP BY ward, {day}, status, category"
    )
