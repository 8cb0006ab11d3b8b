"""The sign-in throttle's Redis branch (issue #14, item 2), against the real Redis that .ci/run
starts, on database 15 (set aside for tests): the count is atomic under concurrency, always
expires, and fifty concurrent wrong passwords through the app check at most the limit."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import redis.asyncio as aioredis
from litestar.stores.redis import RedisStore

from app.platform.throttle import AttemptCounter
from tests.workspace_helpers import csrf

REDIS_URL = "redis://127.0.0.1:6379/15"


async def forget_counts(client) -> None:
    """Only the throttle's keys: other suites on this machine may be using database 15."""
    async for key in client.scan_iter("gandan_throttle:*"):
        await client.delete(key)


@pytest.fixture
async def redis_db():
    client = aioredis.Redis.from_url(REDIS_URL)
    await forget_counts(client)
    yield client
    await forget_counts(client)
    await client.aclose()


@pytest.fixture
async def counter(redis_db):
    store = RedisStore.with_client(url=REDIS_URL, namespace="gandan").with_namespace("throttle")
    yield AttemptCounter(store)
    await store._redis.aclose()


async def test_fifty_concurrent_hits_are_fifty_counts_with_one_expiry(counter, redis_db):
    counts = await asyncio.gather(*[counter.hit("user:x", timedelta(minutes=15)) for _ in range(50)])
    assert sorted(counts) == list(range(1, 51))
    ttl = await redis_db.ttl("gandan_throttle:user:x")
    assert 0 < ttl <= 15 * 60
    assert (await counter.read("user:x")).attempts == 50


async def test_a_count_that_lost_its_expiry_gets_one_again(counter, redis_db):
    """A worker that died between INCR and EXPIRE left a count that never expired: a lockout
    for ever. The next attempt gives it an expiry; an existing expiry is never pushed back."""
    await redis_db.set("gandan_throttle:user:y", 7)  # no expiry, as the crash left it
    assert await counter.hit("user:y", timedelta(minutes=15)) == 8
    assert 0 < await redis_db.ttl("gandan_throttle:user:y") <= 15 * 60
    await redis_db.expire("gandan_throttle:user:y", 30)
    await counter.hit("user:y", timedelta(minutes=15))
    assert await redis_db.ttl("gandan_throttle:user:y") <= 30


async def test_extend_and_forget(counter, redis_db):
    await counter.hit("address:1", timedelta(minutes=1))
    await counter.extend("address:1", timedelta(hours=2))
    assert 3600 < (await counter.read("address:1")).expires_in <= 7200
    await counter.forget("address:1")
    assert (await counter.read("address:1")).attempts == 0


async def test_fifty_concurrent_wrong_passwords_through_redis_check_at_most_the_limit(
    client_with, demo_data, redis_db, monkeypatch
):
    from app.accounts import rules
    from app.accounts.lockout import MAX_ACCOUNT_ATTEMPTS

    checked = []
    real_verify = rules.verify_password

    def counting_verify(stored, password):
        checked.append(password)
        return real_verify(stored, password)

    monkeypatch.setattr(rules, "verify_password", counting_verify)
    async with client_with(redis_url=REDIS_URL) as http:
        page = await http.get("/login")
        token = csrf(page.text)
        answers = await asyncio.gather(*[
            http.post("/login", data={"username": "canbo.phulien", "password": f"wrong-{i}",
                                      "_csrf_token": token})
            for i in range(50)
        ])  # fmt: skip
    statuses = sorted(a.status_code for a in answers)
    assert 1 <= len(checked) <= MAX_ACCOUNT_ATTEMPTS
    assert statuses == [400] * len(checked) + [429] * (50 - len(checked))
    # The count lives in Redis, where every worker sees it, with an expiry.
    keys = [k.decode() for k in await redis_db.keys("gandan_throttle:*")]
    assert any("canbo.phulien" in k for k in keys)
    assert all([await redis_db.ttl(k) > 0 for k in keys])
