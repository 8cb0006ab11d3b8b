"""Values worth computing once per process for a few seconds: the home page's busiest wards,
the map's counts per ward.

A kept value is served until it is `seconds` old; the first reader after that recomputes it
while the others keep getting the old one (stale while revalidating), so a popular page never
has every request wait on the same slow query. A change written by this process (`changed()`,
called by the report counters) makes every kept value stale at once for its own readers;
other workers see the change within `seconds`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta
from typing import Any

from app.platform import clock

# How stale a public page or API answer may be for readers other than the one who changed it
# (the HTTP Cache-Control max-age of app/platform/http_cache.py, and how long values are kept here).
PUBLIC_MAX_AGE_SECONDS = 10

_generation = 0
_all: weakref.WeakSet = weakref.WeakSet()


def changed() -> None:
    """Something the kept values summarise was written here: none of them may be served again."""
    global _generation
    _generation += 1


def generation() -> int:
    """Changes this process has written so far: a kept value made at another generation is stale."""
    return _generation


def forget_all() -> None:
    for kept in list(_all):
        kept.values.clear()


class Kept:
    def __init__(self, seconds: float, size: int = 1000) -> None:
        self.seconds, self.size = timedelta(seconds=seconds), size
        self.values: dict[Hashable, tuple[int, datetime, Any]] = {}
        self.refreshing: set[Hashable] = set()
        # One lock per event loop (a lock belongs to the loop that first waits on it).
        self.locks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        _all.add(self)

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        kept = self.values.get(key)
        if kept is not None and kept[0] == _generation:
            if clock.now() - kept[1] < self.seconds or key in self.refreshing:
                return kept[2]
            self.refreshing.add(key)  # this reader refreshes; the others get the old value meanwhile
            try:
                return await self._compute(key, compute)
            finally:
                self.refreshing.discard(key)
        # Nothing usable: one reader computes while the others wait for its answer.
        lock = self.locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        async with lock:
            kept = self.values.get(key)
            if kept is not None and kept[0] == _generation and clock.now() - kept[1] < self.seconds:
                return kept[2]
            return await self._compute(key, compute)

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[Any]]) -> Any:
        generation, started = _generation, clock.now()
        value = await compute()
        self.values.pop(key, None)
        self.values[key] = (generation, started, value)
        if len(self.values) > self.size:  # keys come from requests: the oldest go first
            del self.values[next(iter(self.values))]
        return value
