"""Static files addressed by their content: `asset("css/app.css")` is
`/static/css/app.css?v=<hash>`, so a browser may keep it a year (`immutable`) and a new release
is a new address. The service worker's version is the hash of them all."""

from __future__ import annotations

import hashlib
from functools import cache

from app.platform.settings import PROJECT_ROOT

STATIC = PROJECT_ROOT / "pwa" / "static"
SERVICE_WORKER = PROJECT_ROOT / "pwa" / "sw.js"
IMMUTABLE = "public, max-age=31536000, immutable"
# Unversioned addresses (a bookmarked icon, a module imported by a relative name) are checked
# again on each use, so no phone keeps an old file under a name whose content changed.
REVALIDATE = "no-cache"


@cache
def file_hashes() -> dict[str, str]:
    """Each static file's path below /static/ → the first 10 hex digits of its SHA-256."""
    return {
        path.relative_to(STATIC).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        for path in sorted(STATIC.rglob("*"))
        if path.is_file()
    }


def asset(path: str) -> str:
    """The versioned address of a static file (its path below /static/)."""
    return f"/static/{path}?v={file_hashes()[path]}"


@cache
def release() -> str:
    """One hash for every static file and the service worker itself."""
    digest = hashlib.sha256(SERVICE_WORKER.read_bytes())
    for path, file_hash in file_hashes().items():
        digest.update(f"{path}={file_hash}".encode())
    return digest.hexdigest()[:12]


def is_versioned(path: str, version: str | None) -> bool:
    """Whether /static/<path>?v=<version> names this file's current content."""
    return version is not None and file_hashes().get(path) == version
