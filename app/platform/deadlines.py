"""Deadlines as the law counts them: working days on Vietnam's calendar, or hours if urgent.

A case received on a working day counts from the next working day; the deadline falls at the
close of the office day (17:00 Vietnam time) of the last working day allowed. Weekends and
public holidays — Tết included — come from the `holidays` package.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from app.platform.clock import VIETNAM

OFFICE_CLOSES = time(17, 0)


@lru_cache(maxsize=8)
def _calendar(first_year: int) -> holidays.HolidayBase:
    # Two years ahead covers any deadline the categories allow, even around Tết.
    return holidays.country_holidays("VN", years=range(first_year, first_year + 3))


@lru_cache(maxsize=4096)  # asked for every day of every case's service index: worth remembering
def is_working_day(day: date) -> bool:
    return _calendar(day.year).is_working_day(day)


def add_working_days(day: date, count: int) -> date:
    """The `count`-th working day after `day` (not counting `day` itself)."""
    return _calendar(day.year).get_nth_working_day(day, count)


def deadline_for(
    received_at: datetime, *, working_days: int | None = None, hours: int | None = None
) -> datetime:
    if (working_days is None) == (hours is None):
        raise ValueError("give exactly one of working_days or hours")
    if hours is not None:
        return received_at + timedelta(hours=hours)
    local_day = received_at.astimezone(VIETNAM).date()
    last_day = add_working_days(local_day, working_days)
    return datetime.combine(last_day, OFFICE_CLOSES, tzinfo=VIETNAM)


# Office hours used to count "working hours" (e.g. acknowledged within 8 working hours):
# two four-hour blocks, so one working day holds eight working hours.
OFFICE_BLOCKS = ((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0)))


def working_hours_between(start: datetime, end: datetime, cap: float = 400.0) -> float:
    """Office hours on working days between two instants (stops counting past `cap`)."""
    if end <= start:
        return 0.0
    start, end = start.astimezone(VIETNAM), end.astimezone(VIETNAM)
    hours, day = 0.0, start.date()
    while day <= end.date() and hours < cap:
        if is_working_day(day):
            for opens, closes in OFFICE_BLOCKS:
                block_start = max(start, datetime.combine(day, opens, tzinfo=VIETNAM))
                block_end = min(end, datetime.combine(day, closes, tzinfo=VIETNAM))
                if block_end > block_start:
                    hours += (block_end - block_start).total_seconds() / 3600
        day += timedelta(days=1)
    return min(hours, cap)
