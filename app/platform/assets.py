"""Static files addressed by their content: `asset("css/app.css")` is
`/static/css/app.3f2a9c1b04.css` — the file's name with the first digits of its SHA-256 before
the suffix — so a browser and the service worker may keep it a year (`immutable`) and a new
release is a new address. Only the name changes, never the folder, so the relative addresses
inside a file (Leaflet's CSS names its `images/`) still resolve. The plain name is served too,
for old links and for ES modules that import one another by name (a module imported under two
addresses would run twice), but is checked again on each use. The service worker's version is
the hash of them all."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache

from app.platform.settings import PROJECT_ROOT

STATIC = PROJECT_ROOT / "pwa" / "static"
SERVICE_WORKER = PROJECT_ROOT / "pwa" / "sw.js"
IMMUTABLE = "public, max-age=31536000, immutable"
# Unversioned addresses (a bookmarked icon, a module imported by its plain name, a page kept
# from an earlier release) are checked again on each use, so no phone keeps an old file under
# a name whose content changed.
REVALIDATE = "no-cache"
HASH_DIGITS = 10
# `name.<hash>.suffix`, as `hashed_name` writes it; also how a past release's address is read.
_HASHED = re.compile(rf"^(?P<stem>.+)\.[0-9a-f]{{{HASH_DIGITS}}}(?P<suffix>\.[^./]+)$")


@cache
def file_hashes() -> dict[str, str]:
    """Each static file's path below /static/ → the first digits of its SHA-256."""
    return {
        path.relative_to(STATIC).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_DIGITS]
        for path in sorted(STATIC.rglob("*"))
        if path.is_file()
    }


def hashed_name(path: str, file_hash: str) -> str:
    """`css/app.css` → `css/app.<hash>.css`; `vendor/htmx-2.0.11.min.js` → `…min.<hash>.js`."""
    folder, _, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    hashed = f"{stem}.{file_hash}.{suffix}" if dot and stem else f"{name}.{file_hash}"
    return f"{folder}/{hashed}" if folder else hashed


@cache
def _by_hashed_name() -> dict[str, str]:
    return {hashed_name(path, file_hash): path for path, file_hash in file_hashes().items()}


def asset(path: str) -> str:
    """The content-addressed URL of a static file (its path below /static/)."""
    return f"/static/{hashed_name(path, file_hashes()[path])}"


@dataclass(frozen=True)
class StaticFile:
    path: str  # below /static/
    immutable: bool  # asked for by its current content's name


def resolve(requested: str) -> StaticFile | None:
    """Which file an address below /static/ names, and whether it may be kept for ever.
    A past release's hashed name gets today's file (better than a broken page kept offline),
    but not for ever: its name does not promise this content."""
    if path := _by_hashed_name().get(requested):
        return StaticFile(path, immutable=True)
    if requested in file_hashes():
        return StaticFile(requested, immutable=False)
    if (old := _HASHED.match(requested)) and (plain := old["stem"] + old["suffix"]) in file_hashes():
        return StaticFile(plain, immutable=False)
    return None


@cache
def release() -> str:
    """One hash for every static file and the service worker itself."""
    digest = hashlib.sha256(SERVICE_WORKER.read_bytes())
    for path, file_hash in file_hashes().items():
        digest.update(f"{path}={file_hash}".encode())
    return digest.hexdigest()[:12]
