"""Report counts per ward × day × status × category, kept up to date incrementally.

The pages that show how many reports a ward has (the home page's busiest wards, the map's
clusters when zoomed out) read these rows instead of counting a million reports. Every
change that can move a report between counters calls `count_change` inside the transaction
that writes the report's event and row (app/reporting/reports.py), so a counter is never
seen out of step with the rows it counts. `rebuild_counters` recounts from the rows (the
migration that creates the table, and the benchmark's bulk loader, use it).

The day is the report's creation date in UTC; a report's category never changes, its ward
(by a transfer) and status (by every step) may.

The map's grid cells (`map_cells`) are kept the same way: per zoom level that the map draws as a
grid, the cell a report's position falls in, by status, with the sums of the positions so a
cluster is drawn at its reports' centre. A report's position never changes; its status does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, date, datetime

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

from app.platform import kept
from app.platform.db import write_transaction
from app.platform.tables import MapCell, ReportCount

_UPSERT = (
    "INSERT INTO report_counts (ward, day, status, category, n) VALUES {} "
    "ON CONFLICT (ward, day, status, category) DO UPDATE SET n = report_counts.n + excluded.n"
)


def day_of(created_at: datetime) -> date:
    return created_at.astimezone(UTC).date()


def _key(row: Mapping) -> tuple:
    return (row["ward"], day_of(row["created_at"]), str(row["status"]), row["category"])


async def _add(changes: dict[tuple, int]) -> None:
    """Add to the counters in one statement, their rows in key order: two transactions moving
    reports in opposite directions then lock them in the same order, and cannot deadlock."""
    keys = sorted(changes)
    args = [value for key in keys for value in (*key, changes[key])]
    await ReportCount.raw(_UPSERT.format(", ".join("({}, {}, {}, {}, {})" for _ in keys)), *args)
    kept.changed()


# The zoom levels the public map draws as a grid (app/reporting/api.py: BY_WARD_BELOW_ZOOM up
# to SINGLE_MARKERS_FROM_ZOOM; a test holds the two together), and the cell of each: about
# 60 screen pixels of a 256-pixel tile.
GRID_ZOOMS = range(11, 15)


def cell_degrees(zoom: int) -> float:
    return 360 / 2**zoom / 256 * 60


def cell_of(zoom: int, lat: float, lon: float) -> tuple[int, int]:
    """(y, x) of the grid cell holding this position at this zoom."""
    size = cell_degrees(zoom)
    return math.floor((lat + 90) / size), math.floor((lon + 180) / size)


_CELL_UPSERT = (
    "INSERT INTO map_cells (zoom, y, x, status, n, lat_sum, lon_sum) VALUES {} "
    "ON CONFLICT (zoom, y, x, status) DO UPDATE SET n = map_cells.n + excluded.n, "
    "lat_sum = map_cells.lat_sum + excluded.lat_sum, lon_sum = map_cells.lon_sum + excluded.lon_sum"
)


async def _add_to_cells(lat: float, lon: float, changes: dict[str, int]) -> None:
    """Add `changes` ({status: n}) to the cells of this position at every grid zoom, in one
    statement with its rows in key order (no deadlock, as in _add)."""
    rows = sorted(
        (zoom, *cell_of(zoom, lat, lon), status, n) for zoom in GRID_ZOOMS for status, n in changes.items()
    )
    args = [value for *key, n in rows for value in (*key, n, n * lat, n * lon)]
    await MapCell.raw(_CELL_UPSERT.format(", ".join("({}, {}, {}, {}, {}, {}, {})" for _ in rows)), *args)


async def count_new(row: Mapping) -> None:
    """A report was created: `row` has ward, created_at, status, category, lat and lon."""
    await _add({_key(row): 1})
    await _add_to_cells(row["lat"], row["lon"], {str(row["status"]): 1})


async def count_change(before: Mapping, changes: Mapping) -> None:
    """The report `before` (its row) gets an event that changes `changes` (the projection's
    changed fields, perhaps none)."""
    kept.changed()  # what this process keeps shows support counts, statuses and timelines too
    if "ward" not in changes and "status" not in changes:
        return
    old = _key(before)
    new = _key({**before, **changes})
    if old != new:
        await _add({old: -1, new: 1})
    if "status" in changes and str(changes["status"]) != str(before["status"]):
        moved = {str(before["status"]): -1, str(changes["status"]): 1}
        await _add_to_cells(before["lat"], before["lon"], moved)


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


async def rebuild_map_cells() -> None:
    """Recount the map's grid cells from the report rows (one statement per zoom)."""
    async with write_transaction():  # no filing may land between the delete and the recount
        await _recount_map_cells()


async def _recount_map_cells() -> None:
    sqlite = isinstance(engine_finder(), SQLiteEngine)
    await MapCell.raw("DELETE FROM map_cells")
    for zoom in GRID_ZOOMS:
        size = cell_degrees(zoom)
        # Positions are ≥ 0 once shifted, so SQLite's truncating CAST is the floor.
        y, x = (
            (f"CAST((lat + 90) / {size!r} AS INTEGER)", f"CAST((lon + 180) / {size!r} AS INTEGER)")
            if sqlite
            else (f"FLOOR((lat + 90) / {size!r})::integer", f"FLOOR((lon + 180) / {size!r})::integer")
        )
        await MapCell.raw(
            f"INSERT INTO map_cells (zoom, y, x, status, n, lat_sum, lon_sum) SELECT {zoom}, {y}, {x}, "
            f"status, count(*), sum(lat), sum(lon) FROM reports GROUP BY {y}, {x}, status"
        )
