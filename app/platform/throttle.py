"""Counters of attempts that expire: sign-in failures per account and per address.

The count is taken *before* the attempt is checked, in one atomic step (Redis INCR; in a
single process, no await between reading and writing), so fifty attempts sent at once are
fifty counts and only the first few are ever checked. Reading, then writing after an await,
lost updates: every one of the fifty read "0 failures".
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore


@dataclass(frozen=True)
class Count:
    attempts: int
    expires_in: int | None  # seconds until the count is forgotten


class AttemptCounter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = asyncio.Lock()

    async def hit(self, key: str, window: timedelta) -> int:
        """Count one attempt; the count lives `window` from its first attempt. Returns it."""
        if isinstance(self.store, RedisStore):
            # One transaction: a worker dying between the count and the expiry left a count
            # that never expired (a lockout for ever); EXPIRE NX gives any count without an
            # expiry one, and never moves an existing one (Redis 7).
            name = self.store._make_key(key)
            async with self.store._redis.pipeline(transaction=True) as pipe:
                count, _ = await pipe.incr(name).expire(name, window, nx=True).execute()
            return int(count)
        if not isinstance(self.store, MemoryStore):
            raise TypeError("attempts are counted in memory or in Redis")
        async with self._lock:  # get and set of a MemoryStore never wait on anything else
            expires = await self.store.expires_in(key)
            count = int(await self.store.get(key) or 0) + 1
            await self.store.set(key, str(count), expires_in=expires if expires and expires > 0 else window)
            return count

    async def extend(self, key: str, until: timedelta) -> None:
        """Keep the count at least `until` from now: a lockout that grows."""
        if (value := await self.store.get(key)) is not None:
            await self.store.set(key, value, expires_in=until)

    async def read(self, key: str) -> Count:
        value = await self.store.get(key)
        return Count(int(value or 0), await self.store.expires_in(key) if value else None)

    async def forget(self, key: str) -> None:
        await self.store.delete(key)
