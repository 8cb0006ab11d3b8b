"""The one clock. Everything that asks "what time is it" asks here, so tests can fix time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock that stands still until moved; for tests and reproducible demo data."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


_current: Clock = Clock()


def now() -> datetime:
    """The current instant, timezone-aware (UTC)."""
    return _current.now()


def local_now() -> datetime:
    """The current instant on Vietnam's wall clock (UTC+7, no daylight saving)."""
    return _current.now().astimezone(VIETNAM)


def use(clock: Clock) -> Clock:
    """Make `clock` the clock everybody reads; returns the previous one to restore it."""
    global _current
    previous, _current = _current, clock
    return previous
