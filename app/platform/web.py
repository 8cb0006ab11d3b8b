"""Routes every capability stands on: health, the installable app, static files and media."""

from pathlib import Path
from urllib.parse import parse_qs

from litestar import Router
from litestar.datastructures import CacheControlHeader, MutableScopeHeaders
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.platform import health, pwa
from app.platform.assets import IMMUTABLE, REVALIDATE, STATIC, is_versioned


def content_addressed_caching(app: ASGIApp) -> ASGIApp:
    """A static file asked for by its current hash (`?v=`) may be kept for a year; any other
    address is checked again each time, so an old copy never outlives a release."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope["path"].removeprefix("/static/")
        version = parse_qs(scope.get("query_string", b"").decode()).get("v", [None])[0]
        policy = IMMUTABLE if is_versioned(path, version) else REVALIDATE

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders.from_message(message)["Cache-Control"] = policy
            await send(message)

        await app(scope, receive, send_with_policy)

    return middleware


def routers(media_dir: Path) -> list[Router]:
    return [
        Router(path="/", route_handlers=[
            health.healthz, pwa.manifest, pwa.service_worker, pwa.offline_page, pwa.robots,
            pwa.favicon, pwa.apple_touch_icon,
        ]),  # fmt: skip
        create_static_files_router(
            path="/static", directories=[STATIC], name="static", middleware=[content_addressed_caching]
        ),
        # Photos are stored under their content's SHA-256: one name, one content, for ever.
        create_static_files_router(
            path="/media", directories=[media_dir], name="media", include_in_schema=False,
            cache_control=CacheControlHeader(public=True, max_age=31_536_000, immutable=True),
        ),  # fmt: skip
    ]
