"""The installable app: manifest, the root-scope service worker (pwa/sw.js: offline pages,
static files, photos and tiles, the report outbox, and Firebase background messages when push
is configured), the offline page and the files browsers ask for by fixed names."""

from __future__ import annotations

import json

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.response import File, Template

from app.platform.assets import SERVICE_WORKER, STATIC, asset, release
from app.platform.settings import Settings

MANIFEST = {
    "name": "Gần Dân — phản ánh hiện trường",
    "short_name": "Gần Dân",
    "description": "Phản ánh vấn đề ở xã, phường và theo dõi kết quả xử lý.",
    "lang": "vi",
    "start_url": "/?source=pwa",
    "scope": "/",
    "display": "standalone",
    "background_color": "#faf7f2",
    "theme_color": "#b3261e",
    "shortcuts": [{"name": "Gửi phản ánh", "url": "/reports/new"}],
}


def manifest_document() -> dict:
    """The web app manifest; its icons by their hashed names, like every other static file."""
    return {
        **MANIFEST,
        "icons": [
            {"src": asset(f"icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png",
             "purpose": "any maskable"}
            for n in (192, 512)
        ],
    }


# Static files the resident's pages need, cached on install so the app opens without signal.
SHELL = [
    "css/app.css",
    "vendor/htmx-2.0.11.min.js",
    "vendor/leaflet-1.9.4/leaflet.js",
    "vendor/leaflet-1.9.4/leaflet.css",
    "js/app.js",
    "js/report-form.js",
    "icon-192.png",
]
# Modules that other modules import by their plain name (one module, one address).
MODULES = ["js/outbox.js", "js/photos.js", "js/places.js", "vendor/exifr-7.1.3/mini.esm.js"]
FIREBASE_SDK = "/static/vendor/firebase-13.2.0"
FIREBASE_IMPORTS = (
    f'import {{ initializeApp }} from "{FIREBASE_SDK}/firebase-app.js";\n'
    f'import {{ getMessaging, onBackgroundMessage }} from "{FIREBASE_SDK}/firebase-messaging-sw.js";'
)
ROBOTS = "User-agent: *\nDisallow: /staff/\nDisallow: /me/\nDisallow: /api/\n"


@get("/manifest.webmanifest", include_in_schema=False)
async def manifest() -> Response:
    return Response(manifest_document(), media_type="application/manifest+json")


def service_worker_script(firebase_web_config: dict | None) -> str:
    """pwa/sw.js with its release, shell and (public) Firebase config filled in."""
    public = {k: v for k, v in (firebase_web_config or {}).items() if k != "vapidKey"} or None
    script = SERVICE_WORKER.read_text(encoding="utf-8")
    shell = [asset(path) for path in SHELL] + ["/static/" + path for path in MODULES]
    # Service workers allow no top-level await, so the Firebase modules are imported
    # statically, and only when push is configured.
    return (
        script.replace("/* firebase imports */", FIREBASE_IMPORTS if public else "")
        .replace('const VERSION = "dev";', f"const VERSION = {json.dumps(release())};")
        .replace("const SHELL = [];", f"const SHELL = {json.dumps(shell)};")
        .replace("const FIREBASE = null;", f"const FIREBASE = {json.dumps(public)};")
        .replace('const ICON = "";', f"const ICON = {json.dumps(asset('icon-192.png'))};")
    )


@get("/sw.js", include_in_schema=False, cache=False)
async def service_worker(settings: NamedDependency[Settings]) -> Response:
    return Response(service_worker_script(settings.firebase_web_config), media_type="text/javascript",
                    headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"})  # fmt: skip


@get("/offline", include_in_schema=False)
async def offline_page() -> Template:
    """What the service worker shows for a page it never kept, when there is no signal."""
    return Template("offline.html")


@get("/robots.txt", include_in_schema=False, media_type="text/plain")
async def robots() -> str:
    return ROBOTS


@get("/favicon.ico", include_in_schema=False)
async def favicon() -> File:
    return File(STATIC / "favicon.ico", content_disposition_type="inline",
                headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip


@get("/apple-touch-icon.png", include_in_schema=False)
async def apple_touch_icon() -> File:
    return File(STATIC / "apple-touch-icon.png", content_disposition_type="inline",
                headers={"Cache-Control": "public, max-age=86400"})  # fmt: skip
