"""The participation sweep, run with the deadline sweep (inside the server and by `gandan
sweep`): proposals that missed their threshold expire, answers past their deadline are marked
overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.participation import inspection, proposals
from app.platform import clock


@dataclass
class ParticipationSweepResult:
    expired: int = 0
    proposals_overdue: int = 0
    inspections_overdue: int = 0


async def sweep_participation(now: datetime | None = None) -> ParticipationSweepResult:
    now = now or clock.now()
    expired, overdue = await proposals.expire_and_mark_overdue(now)
    return ParticipationSweepResult(expired, overdue, await inspection.mark_overdue(now))
