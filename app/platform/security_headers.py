"""Headers every response carries: what the browser may load, frame and send on.

The Content-Security-Policy allows scripts only from this site (no inline scripts or
handlers: the pages keep theirs in /static/js), map tiles from the configured tile server,
push registration with Firebase when it is configured, and no framing at all.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.platform.settings import Settings

FIREBASE_HOSTS = (
    "https://firebaseinstallations.googleapis.com",
    "https://fcmregistrations.googleapis.com",
    "https://www.gstatic.com",
)
# Pages that show a staff member's work or a person's own data: never kept by a cache.
PERSONAL_PREFIXES = ("/staff/", "/me/", "/login", "/api/v1/devices")
# Cookies that make a page personal to whoever sends them.
PERSONAL_COOKIES = (b"session=", b"gd_device=")


def content_security_policy(settings: Settings) -> str:
    tiles = urlsplit(settings.map_tiles_url)
    tile_origin = f"{tiles.scheme}://{tiles.netloc.replace('{s}', '*')}"
    connect = ["'self'", *(FIREBASE_HOSTS if settings.firebase_web_config else ())]
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Leaflet positions tiles and markers with style attributes.
        "style-src-attr 'unsafe-inline'",
        f"img-src 'self' data: blob: {tile_origin}",
        f"connect-src {' '.join(connect)}",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])  # fmt: skip


# The API reference (Litestar's ReDoc page) starts ReDoc with an inline script, and ReDoc
# injects its styles and runs a search worker from a blob: it is our own static page with no
# user content, so it alone gets these allowances.
API_DOCS_PREFIX = "/schema"
API_DOCS_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
])  # fmt: skip


def is_personal(scope: Scope) -> bool:
    """Whether the response may show a person's own data: no cache may keep it."""
    path = scope["path"]
    cookie = b"".join(v for k, v in scope["headers"] if k == b"cookie")
    return path.startswith(PERSONAL_PREFIXES) or (
        not path.startswith(("/static/", "/media/")) and any(c in cookie for c in PERSONAL_COOKIES)
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": content_security_policy(settings),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "X-Frame-Options": "DENY",
        }
        if settings.public_url.startswith("https://"):
            self.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        personal = is_personal(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in self.headers.items():
                    headers[name] = value
                if path.startswith(API_DOCS_PREFIX) and not path.endswith(".json"):
                    headers["Content-Security-Policy"] = API_DOCS_POLICY
                if personal:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
