"""Piccolo's engine, chosen from DATABASE_URL: SQLite by default, PostgreSQL for deployments."""

from pathlib import Path
from urllib.parse import quote

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

from app.platform.settings import get_settings
from app.platform.sqlite_pool import PooledSQLiteEngine

# SQLite serialises writers; with many concurrent requests a short busy timeout turns waits
# into "database is locked" errors (39 of 200 concurrent inserts at 5 s, none at 30 s).
SQLITE_BUSY_TIMEOUT_SECONDS = 30


def make_engine(database_url: str) -> PooledSQLiteEngine | PostgresEngine:
    if database_url.startswith("sqlite"):
        path = Path(database_url.split("sqlite:///", 1)[1]).resolve()
        # mode=rw: a deleted database file must make queries fail (and /healthz say so), not
        # be silently recreated empty. `gandan migrate` creates the file on purpose.
        return PooledSQLiteEngine(
            path=f"file:{quote(str(path))}?mode=rw", uri=True, timeout=SQLITE_BUSY_TIMEOUT_SECONDS
        )
    return PostgresEngine(config={"dsn": database_url})


DB = make_engine(get_settings().database_url)
APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
