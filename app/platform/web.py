"""Routes every capability stands on: health, the installable app, static files and media."""

from pathlib import Path

from litestar import Router
from litestar.static_files import create_static_files_router

from app.platform import health, pwa
from app.platform.settings import PROJECT_ROOT

STATIC = PROJECT_ROOT / "pwa" / "static"


def routers(media_dir: Path) -> list[Router]:
    return [
        Router(path="/", route_handlers=[health.healthz, pwa.manifest, pwa.service_worker]),
        create_static_files_router(path="/static", directories=[STATIC], name="static"),
        create_static_files_router(
            path="/media", directories=[media_dir], name="media", include_in_schema=False
        ),
    ]
