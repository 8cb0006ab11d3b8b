"""Shared state for sessions, login throttling and live updates.

In-process (or a file store for sessions, so they survive restarts and are shared by the
workers of one machine) by default; Redis when REDIS_URL is set, so several processes and
machines share them.
"""

from __future__ import annotations

from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from app.platform.settings import Settings


async def purge_expired_sessions(settings: Settings) -> None:
    """Expired sessions are otherwise removed only when someone presents their cookie again;
    Redis expires its keys by itself."""
    if not settings.redis_url:
        await make_stores(settings)["sessions"].delete_expired()


def make_stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:
        root = RedisStore.with_client(url=settings.redis_url, namespace="gandan")
        return {"sessions": root.with_namespace("sessions"), "throttle": root.with_namespace("throttle"),
                "restore_links": root.with_namespace("restore_links"),
                "photo_drafts": root.with_namespace("photo_drafts"),
                "rate_limits": root.with_namespace("rate_limits")}  # fmt: skip
    # The folders exist from the start: the sweeps purge them before anything is stored.
    for folder in ("sessions", "restore_links", "photo_drafts"):
        (settings.var_dir / folder).mkdir(parents=True, exist_ok=True)
    return {
        "sessions": FileStore(settings.var_dir / "sessions", create_directories=True),
        "throttle": MemoryStore(),
        # Abuse limits count per process without Redis: a bound per worker is still a bound.
        "rate_limits": MemoryStore(),
        # Links e-mailed to residents, valid a day: on disk, so every worker can redeem them.
        "restore_links": FileStore(settings.var_dir / "restore_links", create_directories=True),
        # Photos of a refused form, kept two hours so they need not be chosen again.
        "photo_drafts": FileStore(settings.var_dir / "photo_drafts", create_directories=True),
    }
