"""The application factory: wiring only; the rules live in each capability package."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from litestar import Litestar, Request, Response
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import ClientException, HTTPException, InternalServerException
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import RedocRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from app.accounts import web as accounts_web
from app.accounts.policy import Act, may_anywhere
from app.accounts.residents import DEVICE_COOKIE
from app.accounts.routes import provide_actor
from app.casework import web as casework_web
from app.casework.labels import event_label, status_label
from app.casework.live import make_channels
from app.casework.sweep import sweep
from app.participation import web as participation_web
from app.participation.sweep import sweep_participation
from app.platform import clock, db, i18n
from app.platform import web as platform_web
from app.platform.abuse_limits import abuse_limit_middleware
from app.platform.assets import asset, resolve
from app.platform.errors import log_server_error, server_error_message
from app.platform.head_requests import allow_with_head, answer_head_as_get
from app.platform.http_cache import PublicCachingMiddleware
from app.platform.language import LanguageMiddleware
from app.platform.media_sweep import MEDIA_SWEEP_INTERVAL_SECONDS, sweep_media
from app.platform.openapi import complete_openapi
from app.platform.params import refuse_out_of_range_path_ids
from app.platform.photos import MAX_UPLOAD_BYTES, media_stores
from app.platform.security_headers import SecurityHeadersMiddleware
from app.platform.sessions import SessionConfig
from app.platform.settings import Settings, get_settings
from app.platform.stores import make_stores, purge_expired_sessions
from app.platform.text import TextTooLong
from app.platform.throttle import AttemptCounter
from app.reporting import web as reporting_web
from app.reporting.labels import channel_label, location_source_label, photo_stage_label
from app.reporting.moderation import photo_withheld
from app.reporting.submission import MAX_PHOTOS
from app.transparency import web as transparency_web
from app.transparency.queries import refresh_ward_indexes

logger = logging.getLogger("gandan")
# Each capability keeps its own templates; the names are unique across them.
TEMPLATES = sorted(Path(__file__).resolve().parent.glob("*/templates"))

def _iso_date(value: str) -> str:
    """2026-11-25 → 25/11/2026, as dates are written in Vietnam."""
    year, month, day = value.split("-")
    return f"{day}/{month}/{year}"


def _configure_jinja(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals["current_language"] = i18n.current_language.get
    env.globals["now"] = clock.now
    env.globals["asset"] = asset
    for label in (status_label, event_label, channel_label, location_source_label, photo_stage_label):
        env.globals[label.__name__] = label
    env.globals["may"] = lambda actor, act: may_anywhere(actor, Act(act))
    env.filters["vn_date"] = _iso_date
    env.filters["number"] = i18n.number
    env.filters["local"] = lambda dt, fmt="%d/%m/%Y %H:%M": dt.astimezone(clock.VIETNAM).strftime(fmt)


def _error_response(request: Request, exc: HTTPException) -> Response:
    """Errors as a page for browsers, as JSON (with a message a person can act on) for APIs."""
    if exc.headers and "allow" in exc.headers:  # a 405, whose Allow includes HEAD, answered too
        exc.headers = {"Allow": allow_with_head(exc.headers.pop("allow"))} | exc.headers
    wants_html = "text/html" in request.headers.get("accept", "")
    if wants_html and not request.url.path.startswith(("/api/", "/open311/")):
        if exc.status_code == 401 and isinstance(exc.extra, dict) and "login" in exc.extra:
            return Redirect(exc.extra["login"], status_code=303)
        return Template(
            "error.html",
            context={"status_code": exc.status_code, "detail": exc.detail},
            status_code=exc.status_code,
            headers=exc.headers,  # Allow on a 405, Retry-After on a 429
        )
    # Per-field errors: ours come as a dict, Litestar's validation as a list naming each key.
    extra = exc.extra if isinstance(exc.extra, dict) else {"errors": exc.extra} if exc.extra else {}
    return Response(
        {"status_code": exc.status_code, "detail": exc.detail, **extra},
        status_code=exc.status_code,
        headers=exc.headers,
    )


def _text_too_long(request: Request, exc: TextTooLong) -> Response:
    return _error_response(request, ClientException(detail=str(exc)))


def _server_error(request: Request, exc: Exception) -> Response:
    """Every unexpected failure: its traceback logged, the person shown the id to quote."""
    error_id = log_server_error(request, exc)
    response = _error_response(request, InternalServerException(detail=server_error_message(error_id)))
    response.headers["X-Error-Id"] = error_id
    return response


async def _sweep_forever(settings: Settings) -> None:
    """The deadline sweep inside the server. Every worker may run one: the sweep's marks make
    concurrent runs harmless, so no leader election is needed."""
    while True:
        try:
            await sweep()
        except Exception:  # a failed round must not stop the next; it is logged
            logger.exception("deadline sweep failed")
        try:
            await sweep_participation(media_stores(settings)[0])
        except Exception:  # as with the deadline sweep: logged, and tried again next round
            logger.exception("participation sweep failed")
        try:
            await refresh_ward_indexes()
        except Exception:  # as with the deadline sweep: logged, and tried again next round
            logger.exception("ward index refresh failed")
        await asyncio.sleep(settings.sweep_interval_seconds)


async def _sweep_media_forever(settings: Settings, stores) -> None:
    """Media files no row references, removed after their grace period; expired sessions,
    photo drafts and restore links (Redis expires its own); hourly is plenty."""
    while True:
        try:
            await sweep_media(*media_stores(settings))
            await purge_expired_sessions(settings)
            for name in ("photo_drafts", "restore_links"):
                if hasattr(store := stores.get(name), "delete_expired"):
                    await store.delete_expired()
        except Exception:  # as with the deadline sweep: logged, and tried again next round
            logger.exception("media and session sweep failed")
        await asyncio.sleep(MEDIA_SWEEP_INTERVAL_SECONDS)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    i18n.compile_catalogs()
    i18n.use_default_language(settings.default_language)
    resolve("")  # hash the static files now, not inside the first request's event loop

    @asynccontextmanager
    async def lifespan(app: Litestar):
        await db.migrate(settings)
        await db.start_pool()
        complete_openapi(app.openapi_schema)  # before the first request reads it
        tasks, sender = [], None
        if settings.sweep_interval_seconds:
            tasks.append(asyncio.create_task(_sweep_forever(settings)))
            tasks.append(asyncio.create_task(_sweep_media_forever(settings, app.stores)))
        if settings.firebase_credentials:
            # Imported only when push is configured: firebase-admin is 16 MB in every worker.
            from notifications.fcm import FirebaseSender
            from notifications.worker import run_forever

            sender = FirebaseSender(settings.firebase_credentials, settings.fcm_url)
            tasks.append(asyncio.create_task(run_forever(sender, settings.public_url)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            if sender:
                await sender.close()
            await db.close_pool()

    # Behind HTTPS (as PUBLIC_URL says), cookies are never sent over plain HTTP.
    https = settings.public_url.startswith("https://")
    template_config = TemplateConfig(
        directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_configure_jinja
    )
    stores = make_stores(settings)
    attempts = AttemptCounter(stores["throttle"])  # one, so that its lock is shared
    app = Litestar(
        route_handlers=[
            *platform_web.routers(settings.media_dir, photo_withheld),
            *accounts_web.routers,
            *reporting_web.routers,
            *casework_web.routers,
            *transparency_web.routers,
            *participation_web.routers,
        ],
        lifespan=[lifespan],
        before_request=refuse_out_of_range_path_ids,
        middleware=[
            DefineMiddleware(SecurityHeadersMiddleware, settings=settings),
            LanguageMiddleware(settings.default_language),
            *abuse_limit_middleware(settings, DEVICE_COOKIE),
            PublicCachingMiddleware,
            SessionConfig(store="sessions", max_age=12 * 3600, secure=https).middleware,
        ],
        stores=stores,
        state=State({"secure_cookies": https}),
        plugins=[make_channels(settings)],
        # Settings are read once, here, and handed to every handler that names them.
        dependencies={
            "actor": Provide(provide_actor),
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "attempts": Provide(lambda: attempts, use_cache=True, sync_to_thread=False),
        },
        template_config=template_config,
        # The API's reader works without internet: ReDoc from our own static files, no web fonts.
        openapi_config=OpenAPIConfig(title="Gần Dân API", version="1", path="/schema", render_plugins=[
            RedocRenderPlugin(js_url=asset("vendor/redoc-2.5.2/redoc.standalone.js"), google_fonts=False,
                              favicon='<link rel="icon" href="/favicon.ico">'),
        ]),  # fmt: skip
        # Pages and scripts travel compressed (Brotli, else gzip); photos already are, as JPEG.
        compression_config=CompressionConfig(backend="brotli", exclude=["^/media/"]),
        exception_handlers={
            HTTPException: _error_response,
            TextTooLong: _text_too_long,
            Exception: _server_error,
        },
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="gd_csrf",
            cookie_secure=https,
            header_name="x-csrftoken",
            # The JSON API and Open311 take no cookies-only authority: they are exempt.
            exclude=["^/api/", "^/open311/"],
        ),
        # Five photos of up to 20 MB each, plus the form's text.
        request_max_body_size=MAX_PHOTOS * MAX_UPLOAD_BYTES + 1_000_000,
    )
    # In front of Litestar's router, which would refuse a HEAD to every GET route.
    app.asgi_handler = answer_head_as_get(app.asgi_handler)
    return app
