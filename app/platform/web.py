"""Routes every capability stands on: health, the installable app, static files and media."""

from collections.abc import Awaitable, Callable
from pathlib import Path, PurePath

from litestar import Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException
from litestar.file_system import BaseLocalFileSystem
from litestar.params import FromPath
from litestar.response.file import ASGIFileResponse
from litestar.static_files import StaticFiles, create_static_files_router
from litestar.types import ASGIApp, Receive, Scope, Send

from app.platform import health, pwa
from app.platform.assets import IMMUTABLE, REVALIDATE, STATIC, resolve

# Only names `resolve` knows are served, so no address reaches outside pwa/static/.
_FILES = StaticFiles(is_html_mode=False, directories=[STATIC], file_system=BaseLocalFileSystem())


async def _static(file_path: PurePath, is_head_response: bool) -> ASGIFileResponse:
    """A file asked for by its current content's name may be kept for a year; by any other
    name it is checked again each time, so an old copy never outlives a release."""
    found = resolve(file_path.as_posix().lstrip("/"))
    if found is None:
        raise NotFoundException()
    response = await _FILES.handle(path=found.path, is_head_response=is_head_response)
    response.headers["Cache-Control"] = IMMUTABLE if found.immutable else REVALIDATE
    return response


# A HEAD is answered as this GET without its body (head_requests.answer_head_as_get).
@get("/static/{file_path:path}", name="static", include_in_schema=False, cache=False)
async def static_file(file_path: FromPath[PurePath]) -> ASGIFileResponse:
    return await _static(file_path, is_head_response=False)


def withholding(is_withheld: Callable[[str], Awaitable[bool]]) -> Callable[[ASGIApp], ASGIApp]:
    """Media middleware: a file whose content (named by its digest) `is_withheld` — a report
    photo a moderator hid — answers 410 Gone, whatever caches once held it."""

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            name = scope["path"].rsplit("/", 1)[-1]
            digest = name.split(".", 1)[0]
            if len(digest) == 64 and await is_withheld(digest):
                await send({"type": "http.response.start", "status": 410, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store"),
                ]})  # fmt: skip
                await send({"type": "http.response.body", "body": b"Gone"})
                return
            await app(scope, receive, send)

        return middleware

    return wrap


def routers(media_dir: Path, is_withheld: Callable[[str], Awaitable[bool]] | None = None) -> list[Router]:
    return [
        Router(path="/", route_handlers=[
            health.healthz, pwa.manifest, pwa.service_worker, pwa.offline_page, pwa.robots,
            pwa.favicon, pwa.apple_touch_icon, static_file,
        ]),  # fmt: skip
        # Photos are stored under their content's SHA-256: one name, one content, for ever.
        create_static_files_router(
            path="/media", directories=[media_dir], name="media", include_in_schema=False,
            cache_control=CacheControlHeader(public=True, max_age=31_536_000, immutable=True),
            middleware=[withholding(is_withheld)] if is_withheld else None,
        ),  # fmt: skip
    ]
