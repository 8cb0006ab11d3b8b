"""Participation figures for a ward's service index: how many consultations the ward held, and
how often it answered its residents (syntheses, proposals) and its inspection board in time.
Each figure is one function below, listed in FIGURES in the order the page shows them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.participation.consultations import SYNTHESIS_WORKING_DAYS
from app.platform import clock
from app.platform.deadlines import deadline_for
from app.platform.i18n import N_
from app.platform.tables import Consultation, InspectionRequest, Proposal


@dataclass(frozen=True)
class Figure:
    label: str  # a catalog message, translated where shown
    on_time: int
    total: int  # answered, or past their deadline unanswered
    tally: bool = False  # a plain count (total), not a share answered on time

    @property
    def share(self) -> float | None:
        return self.on_time / self.total if self.total and not self.tally else None


def _on_time(rows: list[dict], now) -> tuple[int, int]:
    """(answered by the deadline, answers that were due): an unanswered row counts once its
    deadline has passed."""
    due = [r for r in rows if r["answered_at"] is not None or r["deadline"] < now]
    on_time = sum(1 for r in due if r["answered_at"] is not None and r["answered_at"] <= r["deadline"])
    return on_time, len(due)


async def consultations_held(ward_id: int) -> Figure:
    """Consultations that have opened to the residents (closed ones and those running now)."""
    held = await Consultation.count().where(
        Consultation.ward == ward_id, Consultation.opens_at <= clock.now()
    )
    return Figure(N_("Consultations held"), held, held, tally=True)


async def syntheses_on_time(ward_id: int) -> Figure:
    """Syntheses published by the date first promised. An apology slip moves `synthesis_due`,
    so the first promise is counted again from the closing date, as the consultation set it."""
    rows = await Consultation.select(
        Consultation.closes_at, Consultation.synthesis_published_at.as_alias("answered_at")
    ).where(Consultation.ward == ward_id)
    for row in rows:
        row["deadline"] = deadline_for(row["closes_at"], working_days=SYNTHESIS_WORKING_DAYS)
    return Figure(N_("Syntheses published on time"), *_on_time(rows, clock.now()))


async def proposals_answered_on_time(ward_id: int) -> Figure:
    rows = await Proposal.select(Proposal.answered_at, Proposal.answer_deadline.as_alias("deadline")).where(
        Proposal.ward == ward_id, Proposal.answer_deadline.is_not_null()
    )
    return Figure(N_("Proposals answered on time"), *_on_time(rows, clock.now()))


async def inspection_requests_answered_on_time(ward_id: int) -> Figure:
    rows = await InspectionRequest.select(InspectionRequest.answered_at, InspectionRequest.deadline).where(
        InspectionRequest.ward == ward_id
    )
    return Figure(N_("Inspection requests answered on time"), *_on_time(rows, clock.now()))


FIGURES: list[Callable[[int], Awaitable[Figure]]] = [
    consultations_held,
    syntheses_on_time,
    proposals_answered_on_time,
    inspection_requests_answered_on_time,
]


async def participation_figures(ward_id: int) -> list[Figure]:
    return [await figure(ward_id) for figure in FIGURES]
