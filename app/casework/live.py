"""Live updates for the staff queue: Server-Sent Events fed by Litestar's channels.

In-process by default; Redis pub/sub when REDIS_URL is set, so a report filed through one
process reaches staff connected to another.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from litestar import Request, get
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.di import NamedDependency
from litestar.response import ServerSentEvent, ServerSentEventMessage

from app.accounts.policy import Actor, visible_scope
from app.casework.steps import place_of
from app.platform.settings import Settings

EVERYTHING = "reports"


def make_channels(settings: Settings) -> ChannelsPlugin:
    if settings.redis_url:
        from redis.asyncio import Redis

        backend = RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url))
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True)


def topics_for(ward_id: int, province_id: int) -> list[str]:
    return [EVERYTHING, f"ward:{ward_id}", f"province:{province_id}"]


def announce_report(request: Request, report_code: str, ward_id: int, province_id: int) -> None:
    """Tell connected staff that a report arrived in (or moved to) a ward."""
    request.app.plugins.get(ChannelsPlugin).publish(report_code, topics_for(ward_id, province_id))


async def announce_new(request: Request, report: dict) -> None:
    place = await place_of(report)
    announce_report(request, report["code"], place.ward_id, place.province_id)


def _subscriptions(actor: Actor) -> list[str]:
    scope = visible_scope(actor)
    if scope.ward_ids is None:
        return [EVERYTHING]
    return [f"ward:{w}" for w in scope.ward_ids] + [f"province:{p}" for p in scope.province_ids]


@get("/staff/live", include_in_schema=False)
async def live(request: Request, actor: NamedDependency[Actor]) -> ServerSentEvent:
    channels = request.app.plugins.get(ChannelsPlugin)

    async def events() -> AsyncGenerator[ServerSentEventMessage, None]:
        async with channels.start_subscription(_subscriptions(actor)) as subscriber:
            # A comment line (ignored by browsers) says the subscription stands: from here on
            # nothing announced is missed, which clients and tests can wait for.
            yield ServerSentEventMessage(data=None, comment="subscribed")
            async for code in subscriber.iter_events():
                yield ServerSentEventMessage(data=code.decode(), event="new-report")

    return ServerSentEvent(events())
