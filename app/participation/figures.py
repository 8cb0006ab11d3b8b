"""Participation figures for a ward's service index: how often the ward answered its residents
and its inspection board in time. Each figure is one function below; others (consultations)
join the FIGURES list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.platform import clock
from app.platform.i18n import N_
from app.platform.tables import InspectionRequest, Proposal


@dataclass(frozen=True)
class Figure:
    label: str  # a catalog message, translated where shown
    on_time: int
    total: int  # answered, or past their deadline unanswered

    @property
    def share(self) -> float | None:
        return self.on_time / self.total if self.total else None


def _on_time(rows: list[dict], now) -> tuple[int, int]:
    """(answered by the deadline, answers that were due): an unanswered row counts once its
    deadline has passed."""
    due = [r for r in rows if r["answered_at"] is not None or r["deadline"] < now]
    on_time = sum(1 for r in due if r["answered_at"] is not None and r["answered_at"] <= r["deadline"])
    return on_time, len(due)


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
    proposals_answered_on_time,
    inspection_requests_answered_on_time,
]


async def participation_figures(ward_id: int) -> list[Figure]:
    return [await figure(ward_id) for figure in FIGURES]
