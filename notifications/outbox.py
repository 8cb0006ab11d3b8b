"""The transactional outbox: rows written with the change that causes them, claimed by
workers, delivered with retries.

Claiming is one UPDATE … RETURNING over the due rows; on PostgreSQL the inner SELECT takes
FOR UPDATE SKIP LOCKED, so several workers never claim one row; on SQLite the one writer
lock serialises claimers. A claim is a lease: a worker that dies between claim and send
leaves the row to be claimed again once the lease expires — delivered twice rather than lost.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from piccolo.engine import engine_finder
from piccolo.engine.sqlite import SQLiteEngine

from app.platform import clock
from app.platform.tables import Device, Outbox, Person
from notifications import preferences

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Claimed:
    id: int
    recipient: int
    kind: str
    report: int | None
    payload: dict
    attempts: int


async def enqueue(people: list[int], kind: str, report_id: int | None, payload: dict, urgent: bool) -> int:
    """Outbox rows for the people who have a device and want this kind pushed."""
    if not people:
        return 0
    with_devices = {
        d["person"] for d in await Device.select(Device.person).where(Device.person.is_in(people))
    }
    if not with_devices:
        return 0
    now = clock.now()
    rows = []
    for person in await Person.select(Person.id, Person.preferences).where(
        Person.id.is_in(list(with_devices))
    ):
        chosen = preferences.load(person["preferences"])
        if preferences.wants_push(chosen, kind):
            rows.append(Outbox(
                recipient=person["id"], kind=kind, report=report_id, payload=json.dumps(payload),
                urgent=urgent, next_attempt_at=preferences.deliver_at(now, chosen, urgent), created_at=now,
            ))  # fmt: skip
    if rows:
        await Outbox.insert(*rows)
    return len(rows)


async def claim(worker_id: str, limit: int, now: datetime | None = None) -> list[Claimed]:
    now = now or clock.now()
    lock = "" if isinstance(engine_finder(), SQLiteEngine) else " FOR UPDATE SKIP LOCKED"
    rows = await Outbox.raw(
        "UPDATE outbox SET claimed_at = {}, claimed_by = {} WHERE id IN ("
        "SELECT id FROM outbox WHERE state = 'pending' AND next_attempt_at <= {} "
        "AND (claimed_at IS NULL OR claimed_at < {}) ORDER BY id LIMIT {}" + lock + ") "
        "RETURNING id, recipient, kind, report, payload, attempts",
        now, worker_id, now, now - LEASE, limit,
    )  # fmt: skip
    return [
        Claimed(r["id"], r["recipient"], r["kind"], r["report"],
                json.loads(r["payload"]) if isinstance(r["payload"], str) else r["payload"], r["attempts"])
        for r in sorted(rows, key=lambda r: r["id"])
    ]  # fmt: skip


async def mark_sent(ids: list[int], now: datetime) -> None:
    if ids:
        await Outbox.update({Outbox.state: "sent", Outbox.sent_at: now, Outbox.claimed_at: None}).where(
            Outbox.id.is_in(ids)
        )


async def mark_retry(row: Claimed, error: str, now: datetime) -> None:
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        changes = {Outbox.state: "failed", Outbox.attempts: attempts, Outbox.last_error: error[:500],
                   Outbox.claimed_at: None}  # fmt: skip
    else:
        # Exponential backoff: 2, 4, 8 … seconds, at most ten minutes.
        delay = timedelta(seconds=min(600, 2**attempts))
        changes = {Outbox.attempts: attempts, Outbox.last_error: error[:500], Outbox.claimed_at: None,
                   Outbox.next_attempt_at: now + delay}  # fmt: skip
    await Outbox.update(changes).where(Outbox.id == row.id)


async def delivery_summary(limit: int = 200) -> tuple[dict[str, int], list[dict]]:
    """How many rows are pending, sent and failed, and the newest rows, for the admins' page."""
    states = ("pending", "sent", "failed")
    counts = {state: await Outbox.count().where(Outbox.state == state) for state in states}
    rows = await Outbox.select(
        Outbox.id, Outbox.kind, Outbox.state, Outbox.attempts, Outbox.last_error, Outbox.next_attempt_at,
        Outbox.sent_at, Outbox.created_at, Outbox.report.code,
    ).order_by(Outbox.id, ascending=False).limit(limit)  # fmt: skip
    return counts, rows
