"""The participation sweep, the one entry point for every periodic step of participation, run
after the deadline sweep inside the server and by `gandan sweep`:

- consultations: announced when they open, reminded a day before closing, an apology slip for
  a synthesis not published by its date (consultation_sweep.py);
- proposals that missed their threshold expire, answers past their deadline are marked
  overdue (proposals.py);
- inspection requests past their deadline unanswered are marked overdue (inspection.py);
- household ballots whose voting period is over are closed and their results published
  (decisions.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.participation import decisions, inspection, proposals
from app.participation.consultation_sweep import ConsultationSweep, sweep_consultations
from app.platform import clock
from app.platform.photos import MediaStore


@dataclass
class ParticipationSweepResult:
    expired: int = 0
    proposals_overdue: int = 0
    inspections_overdue: int = 0
    decisions_closed: int = 0
    consultations: ConsultationSweep = field(default_factory=ConsultationSweep)


async def sweep_participation(media: MediaStore, now: datetime | None = None) -> ParticipationSweepResult:
    """`media`: where a closed decision's published result keeps its files."""
    now = now or clock.now()
    consulted = await sweep_consultations(now)
    expired, overdue = await proposals.expire_and_mark_overdue(now)
    closed = await decisions.close_due(media, now)
    return ParticipationSweepResult(
        expired, overdue, await inspection.mark_overdue(now), closed, consulted
    )
