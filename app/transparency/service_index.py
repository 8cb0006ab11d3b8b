"""The ward service index, in the spirit of Decision 766/QĐ-TTg (the index of service to
citizens and businesses): how a ward answers its residents, from its own reports.

The components, each a share between 0 and 1:
- on time: of the reports due by now (resolved, or open past their deadline), the share
  resolved by the deadline first promised, with no apology slip;
- acknowledged: of the reports whose first 8 working hours are over (or that were accepted
  sooner), the share accepted within those 8 hours: a report filed minutes ago, or on a
  Sunday, is not yet late and is not yet counted;
- satisfaction: the average rating, 1–5 stars mapped to 0–1;
- lasting fixes: one minus the share of resolved reports that had to be reopened;
- survey: the ward satisfaction survey (app/participation/survey.py), the mean of its five
  criteria mapped to 0–1, over the finished survey periods (results are not published while a
  period runs) that ended in the last twelve months and reached their minimum number of answers.
The index is 100 × the weighted mean of the components available (weights 40, 20, 25, 15,
20): a ward nobody has rated yet is judged on the rest rather than given zero.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from app.platform.clock import VIETNAM
from app.platform.deadlines import working_hours_between

WEIGHTS = {"on_time": 40, "acknowledged": 20, "satisfaction": 25, "lasting": 15, "survey": 20}
ACKNOWLEDGE_WITHIN_WORKING_HOURS = 8
FORMULA = (
    "Chỉ số = 100 × (40 × tỷ lệ giải quyết đúng hạn + 20 × tỷ lệ tiếp nhận trong 8 giờ làm việc "
    "+ 25 × mức hài lòng + 15 × (1 − tỷ lệ phải mở lại) + 20 × điểm khảo sát hài lòng định kỳ) "
    "÷ tổng trọng số của các thành phần có dữ liệu"
)


@dataclass(frozen=True)
class CaseFacts:
    """What the index needs to know of one report."""

    status: str
    category: str
    channel: str
    created_at: datetime
    deadline: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    was_late: bool  # an apology slip was written: the first deadline was missed
    reopened: bool


@dataclass
class ServiceIndex:
    reports: int = 0
    due: int = 0
    on_time: float | None = None
    acknowledged: float | None = None
    median_days_to_resolve: float | None = None
    satisfaction: float | None = None  # average stars, 1–5
    ratings: int = 0
    reopen_rate: float | None = None
    survey: float | None = None  # the satisfaction survey's score, 0–1
    survey_answers: int = 0  # the answers behind it
    score: float | None = None
    by_category: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    monthly: list[tuple[str, int, int]] = field(default_factory=list)  # (YYYY-MM, received, resolved)


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


# Counting working hours stops just past the limit: whether a case took 9 or 900 of them,
# it was late (counting a year-old case to the end walked every day of its year, per page view).
_PAST_THE_LIMIT = ACKNOWLEDGE_WITHIN_WORKING_HOURS + 1


def _acknowledged_in_time(case: CaseFacts) -> bool:
    return case.acknowledged_at is not None and (
        working_hours_between(case.created_at, case.acknowledged_at, cap=_PAST_THE_LIMIT)
        <= ACKNOWLEDGE_WITHIN_WORKING_HOURS
    )


def compute(
    cases: list[CaseFacts],
    stars: list[int],
    now: datetime,
    months: list[str],
    survey: tuple[float, int] | None = None,
) -> ServiceIndex:
    """`survey`: the survey's score (0–1) and its number of answers, None when no period counts."""
    counted = [c for c in cases if c.status != "rejected"]
    resolved = [c for c in counted if c.resolved_at is not None]
    # Open reports count as due once their first deadline has passed: a missed deadline moves
    # the deadline to the apology slip's new date, but the first promise was still broken.
    overdue_open = [
        c
        for c in counted
        if c.resolved_at is None and c.status != "closed" and (c.was_late or c.deadline < now)
    ]
    due = len(resolved) + len(overdue_open)
    on_time = sum(1 for c in resolved if not c.was_late and c.resolved_at <= c.deadline)
    acknowledged_in_time = [_acknowledged_in_time(c) for c in counted]
    in_time = sum(acknowledged_in_time)
    judged_on_acknowledgement = sum(
        1
        for c, in_time_here in zip(counted, acknowledged_in_time, strict=True)
        if in_time_here
        or working_hours_between(c.created_at, now, cap=_PAST_THE_LIMIT) >= ACKNOWLEDGE_WITHIN_WORKING_HOURS
    )
    index = ServiceIndex(
        reports=len(cases),
        due=due,
        on_time=_share(on_time, due),
        acknowledged=_share(in_time, judged_on_acknowledgement),
        median_days_to_resolve=(
            round(
                statistics.median((c.resolved_at - c.created_at).total_seconds() / 86400 for c in resolved), 1
            )
            if resolved
            else None
        ),
        satisfaction=round(statistics.fmean(stars), 2) if stars else None,
        ratings=len(stars),
        reopen_rate=_share(sum(1 for c in resolved if c.reopened), len(resolved)),
        by_category=dict(Counter(c.category for c in cases).most_common()),
        by_channel=dict(Counter(c.channel for c in cases).most_common()),
        survey=survey[0] if survey else None,
        survey_answers=survey[1] if survey else 0,
    )
    components = {
        "on_time": index.on_time,
        "acknowledged": index.acknowledged,
        "satisfaction": (index.satisfaction - 1) / 4 if index.satisfaction is not None else None,
        "lasting": 1 - index.reopen_rate if index.reopen_rate is not None else None,
        "survey": index.survey,
    }
    present = {k: v for k, v in components.items() if v is not None}
    if present:
        total = sum(WEIGHTS[k] for k in present)
        index.score = round(100 * sum(WEIGHTS[k] * v for k, v in present.items()) / total, 1)
    received = Counter(c.created_at.astimezone(VIETNAM).strftime("%Y-%m") for c in cases)
    done = Counter(c.resolved_at.astimezone(VIETNAM).strftime("%Y-%m") for c in resolved)
    index.monthly = [(m, received.get(m, 0), done.get(m, 0)) for m in months]
    return index
