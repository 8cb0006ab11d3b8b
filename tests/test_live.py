"""Live queue updates over SSE against a running server, and the Redis-backed shared state."""

from __future__ import annotations

import asyncio
import os
import re

import httpx
import pytest

from tests.photos_for_tests import jpeg
from tests.workspace_helpers import staff_accounts

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def test_staff_see_a_new_report_of_their_ward_arrive(live_server):
    await staff_accounts()
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as http:
        page = await http.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        signed = await http.post("/login", data={"username": "canbo.phulien", "password": "gandan-demo",
                                                 "_csrf_token": token})  # fmt: skip
        assert signed.status_code == 303
        async with http.stream("GET", "/staff/live") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            async with asyncio.timeout(10):  # the server says when its subscription stands
                async for line in lines:
                    if line == ": subscribed":
                        break
            async with httpx.AsyncClient(base_url=live_server, timeout=20) as resident:
                elsewhere = await resident.post("/api/v1/reports", data={
                    "category": "roads", "description": "Ổ gà ở Tả Lèng", "lat": "22.4009",
                    "lon": "103.558"}, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])  # fmt: skip
                created = await resident.post("/api/v1/reports", data={
                    "category": "roads", "description": "Ổ gà ở Phù Liễn", "lat": "20.7916",
                    "lon": "106.636"}, files=[("photos", ("a.jpg", jpeg(), "image/jpeg"))])  # fmt: skip
            assert created.status_code == 201 and elsewhere.status_code == 201
            received = []
            async with asyncio.timeout(10):
                async for line in lines:
                    if line.startswith("data:"):
                        received.append(line.split(":", 1)[1].strip())
                        break
            assert received == [created.json()["code"]]  # Tả Lèng's report is not Phù Liễn's news


async def _redis_or_skip():
    from redis.asyncio import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (OSError, RedisConnectionError):  # redis-py wraps a refused connection in its own
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")
    finally:
        await client.aclose()


async def _until_subscribed(channel: str) -> None:
    """Redis itself counts a channel's subscribers: wait until the listener is one of them."""
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        async with asyncio.timeout(5):
            # Each round trip to Redis lets the listener's task run; there is no fixed delay.
            while True:
                if dict(await client.pubsub_numsub(channel)).get(channel.encode(), 0) >= 1:
                    return
    finally:
        await client.aclose()


async def test_sessions_and_throttle_live_in_redis_when_configured(tmp_path):
    await _redis_or_skip()
    from app.platform.settings import load_settings
    from app.platform.stores import make_stores

    settings = load_settings({"VAR_DIR": str(tmp_path), "REDIS_URL": REDIS_URL})
    stores = make_stores(settings)
    assert type(stores["sessions"]).__name__ == "RedisStore"
    await stores["sessions"].set("probe", b"one", expires_in=5)
    again = make_stores(settings)  # another process would build the same
    assert await again["sessions"].get("probe") == b"one"
    await stores["sessions"].delete("probe")


async def test_live_channel_crosses_processes_through_redis(tmp_path):
    await _redis_or_skip()
    from app.casework.live import make_channels
    from app.platform.settings import load_settings

    settings = load_settings({"VAR_DIR": str(tmp_path), "REDIS_URL": REDIS_URL})
    sender, listener = make_channels(settings), make_channels(settings)
    async with sender, listener:
        async with listener.start_subscription(["ward:1"]) as subscriber:
            await _until_subscribed("ward:1")
            sender.publish("HP-2611-0001", ["ward:1"])
            async with asyncio.timeout(5):
                async for event in subscriber.iter_events():
                    assert event == b"HP-2611-0001"
                    break
