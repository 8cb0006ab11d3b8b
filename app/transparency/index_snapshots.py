"""Each ward's service index as a stored snapshot, so that the ward page and the province
ranking read one row instead of a year of the ward's cases (≈40 ms per ward at 1 M reports).

When a snapshot may be served instead of computing the index:
- every write that can move a ward's index (a report filed, a step that changes its status,
  dates or deadline, a transfer, for both wards, a rating) bumps the ward's `changes` in the
  same transaction as the write (`ward_changed`);
- the sweep stores a snapshot together with the `changes` it read before computing, and only
  if `changes` still has that value, so a change made meanwhile leaves the snapshot stale;
- a reader serves it only while `computed_changes` equals `changes` and it is younger than
  MAX_AGE, because time alone moves the index too (an open report passing its deadline, a
  survey period ending, a new month): MAX_AGE is the most it may lag behind the clock.
Otherwise the index is computed from the cases, as it always was.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import datetime, timedelta

from piccolo.columns.combination import WhereRaw

from app.platform.tables import WardIndexSnapshot
from app.transparency.service_index import ServiceIndex

MAX_AGE = timedelta(hours=2)
# The sweep recomputes a snapshot at half its age, so that one sweep missed or late still
# leaves it servable.
REFRESH_AFTER = MAX_AGE / 2

_UNCHANGED = WhereRaw("computed_changes = changes")
# The report fields the index reads (service_index.CaseFacts) that a step can change; a
# missed deadline also writes an apology, which moves `deadline`.
MOVES_THE_INDEX = frozenset({"status", "ward", "duplicate_of", "deadline", "acknowledged_at", "resolved_at"})


async def ward_changed(*ward_ids: int | None) -> None:
    """Inside the transaction of a write that can move these wards' indexes. An upsert, so a
    ward whose row the sweep has not made yet gets one now: the sweep's own insert then waits
    for this transaction and reads the count it leaves."""
    wards = sorted({w for w in ward_ids if w is not None})  # in order: no deadlock between two writers
    if wards:
        await WardIndexSnapshot.raw(
            "INSERT INTO ward_index_snapshots (ward, changes, computed_changes, payload) VALUES "
            + ", ".join("({}, 1, -1, '')" for _ in wards)
            + " ON CONFLICT (ward) DO UPDATE SET changes = ward_index_snapshots.changes + 1",
            *wards,
        )


# A snapshot written by another version of ServiceIndex (a deploy that changed its fields) is
# not served: it is recomputed at the next sweep and the index computed meanwhile.
_FIELDS = [f.name for f in fields(ServiceIndex)]


def _encoded(index: ServiceIndex) -> str:
    return json.dumps({"fields": _FIELDS, "index": asdict(index)}, ensure_ascii=False)


def _decoded(payload: str) -> ServiceIndex | None:
    stored = json.loads(payload) if payload else {}
    if stored.get("fields") != _FIELDS:
        return None
    index = stored["index"]
    return ServiceIndex(**{**index, "monthly": [tuple(month) for month in index["monthly"]]})


async def servable(ward_ids: list[int], now: datetime) -> dict[int, ServiceIndex]:
    """The snapshots of these wards that nothing has changed since and that are not too old."""
    rows = await WardIndexSnapshot.select(WardIndexSnapshot.ward, WardIndexSnapshot.payload).where(
        WardIndexSnapshot.ward.is_in(ward_ids or [0]),
        _UNCHANGED,
        WardIndexSnapshot.computed_at > now - MAX_AGE,
        WardIndexSnapshot.computed_at <= now,
    )
    decoded = {row["ward"]: _decoded(row["payload"]) for row in rows}
    return {ward: index for ward, index in decoded.items() if index is not None}


async def due(now: datetime, wards: list[int] | None = None) -> dict[int, int]:
    """{ward: its `changes` now} for every ward (or each of `wards`) whose snapshot is missing,
    changed or ageing; first gives every ward without one its row, to be counted from now."""
    # ON CONFLICT: two workers' sweeps may add the same new ward at once.
    await WardIndexSnapshot.raw(
        "INSERT INTO ward_index_snapshots (ward, changes, computed_changes, payload) "
        "SELECT id, 0, -1, '' FROM wards WHERE id NOT IN (SELECT ward FROM ward_index_snapshots) "
        "ON CONFLICT (ward) DO NOTHING"
    )
    query = WardIndexSnapshot.select(WardIndexSnapshot.ward, WardIndexSnapshot.changes).where(
        WhereRaw("computed_changes <> changes")
        | WardIndexSnapshot.computed_at.is_null()
        | (WardIndexSnapshot.computed_at <= now - REFRESH_AFTER)
        | (WardIndexSnapshot.computed_at > now)
    )
    if wards is not None:
        query = query.where(WardIndexSnapshot.ward.is_in(wards or [0]))
    return {row["ward"]: row["changes"] for row in await query}


async def store(ward_id: int, index: ServiceIndex, computed_at: datetime, changes_read: int) -> bool:
    """Keep the snapshot unless the ward changed after `changes_read` was read; True if kept."""
    kept = (
        await WardIndexSnapshot.update(
            {
                WardIndexSnapshot.payload: _encoded(index),
                WardIndexSnapshot.computed_at: computed_at,
                WardIndexSnapshot.computed_changes: changes_read,
            }
        )
        .where(WardIndexSnapshot.ward == ward_id, WardIndexSnapshot.changes == changes_read)
        .returning(WardIndexSnapshot.id)
    )
    return bool(kept)
