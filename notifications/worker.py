"""The outbox worker: started by the server's lifespan, or alone with `gandan worker`."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from dataclasses import dataclass, field

from app.platform import clock
from app.platform.tables import Device, Person, Report
from notifications import outbox
from notifications.fcm import Push
from notifications.inbox import page_path
from notifications.messages import render

logger = logging.getLogger("gandan.worker")
CLAIM = 500


@dataclass
class Round:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    pruned: list[str] = field(default_factory=list)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{id(asyncio.get_running_loop()):x}"


async def deliver_due(sender, worker_id: str, base_url: str = "") -> Round:
    """Claim what is due, push it to every device of each recipient, record the outcome."""
    now = clock.now()
    rows = await outbox.claim(worker_id, CLAIM, now)
    result = Round(claimed=len(rows))
    if not rows:
        return result
    people = {p["id"]: p for p in await Person.select(Person.id, Person.language).where(
        Person.id.is_in([r.recipient for r in rows]))}  # fmt: skip
    devices: dict[int, list[str]] = {}
    for d in await Device.select(Device.person, Device.fid).where(Device.person.is_in(list(people))):
        devices.setdefault(d["person"], []).append(d["fid"])
    codes = {r["id"]: r["code"] for r in await Report.select(Report.id, Report.code).where(
        Report.id.is_in([r.report for r in rows if r.report] or [0]))}  # fmt: skip
    pushes: list[Push] = []
    owners: list[outbox.Claimed] = []
    for row in rows:
        code = codes.get(row.report)
        title, body = render(row.kind, people[row.recipient]["language"], code, row.payload)
        # A notification about something other than a report names its page by a local path.
        path = page_path(row.payload)
        link = f"{base_url}/r/{code}" if code else f"{base_url}{path}" if path else f"{base_url}/me/"
        for fid in devices.get(row.recipient, []):
            pushes.append(Push(fid, title, body, link))
            owners.append(row)
    outcomes = await sender.send(pushes) if pushes else []
    per_row: dict[int, list[tuple[str, str]]] = {}
    for row, push, (outcome, error) in zip(owners, pushes, outcomes, strict=True):
        per_row.setdefault(row.id, []).append((outcome, error))
        if outcome == "dead":
            result.pruned.append(push.fid)
    if result.pruned:
        await Device.delete().where(Device.fid.is_in(result.pruned))
    sent_ids = []
    for row in rows:
        seen = per_row.get(row.id, [])
        retry = [error for outcome, error in seen if outcome in ("retry", "error")]
        if retry and not any(outcome == "ok" for outcome, _ in seen):
            await outbox.mark_retry(row, retry[0], now)
            result.retried += 1
        else:
            sent_ids.append(row.id)
    await outbox.mark_sent(sent_ids, now)
    result.sent = len(sent_ids)
    return result


async def run_forever(sender, base_url: str = "", idle_seconds: float = 1.0) -> None:
    worker_id = worker_name()
    while True:
        try:
            done = await deliver_due(sender, worker_id, base_url)
        except Exception:  # one bad round must not stop delivery; it is logged and retried
            logger.exception("outbox round failed")
            done = Round()
        if done.claimed < CLAIM:
            await asyncio.sleep(idle_seconds)
