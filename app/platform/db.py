"""Database lifecycle: migrations, SQLite pragmas, PostgreSQL pool."""

from __future__ import annotations

import sqlite3

from asyncpg.exceptions import DeadlockDetectedError, UniqueViolationError
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from app.platform.settings import Settings
from app.platform.sqlite_pool import PooledSQLiteEngine
from app.platform.tables import Province

# What a unique index raises on either engine: the loser of a race sees one of these.
UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, UniqueViolationError)
# Two transactions that each hold a row the other wants: PostgreSQL ends one of them.
DEADLOCKS = (DeadlockDetectedError,)


def prepare_sqlite(settings: Settings) -> None:
    """Create the SQLite file's folder and switch it to WAL.

    WAL lets readers go on while one writer writes; the mode is stored in the file, so doing
    this once per start is enough for every connection Piccolo opens later.
    """
    if not settings.is_sqlite:
        return
    path = settings.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path, timeout=30) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


async def migrate(settings: Settings) -> None:
    """Apply every migration not yet applied; running it again changes nothing."""
    prepare_sqlite(settings)
    result = await run_forwards("gandan")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def start_pool() -> None:
    """Connections kept for the worker's life: asyncpg's pool, or app/platform/sqlite_pool.py."""
    engine = engine_finder()
    if isinstance(engine, PostgresEngine | PooledSQLiteEngine):
        await engine.start_connection_pool()


async def close_pool() -> None:
    engine = engine_finder()
    if isinstance(engine, PostgresEngine | PooledSQLiteEngine):
        await engine.close_connection_pool()


async def database_answers() -> bool:
    """True when a real round trip to the database, reading one of our tables, succeeds."""
    try:
        await Province.raw("SELECT 1 FROM provinces LIMIT 1")
    except Exception:  # any driver error means "not healthy"; the caller reports it
        return False
    return True


def write_transaction():
    """A transaction for writes. On SQLite it takes the write lock at BEGIN (IMMEDIATE):
    a deferred transaction that reads first and writes later can fail at once with
    "database is locked" instead of waiting out the busy timeout."""
    engine = engine_finder()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def for_update(query):
    """Lock the selected rows until the transaction ends (PostgreSQL's SELECT … FOR UPDATE).

    SQLite has no row locks and needs none here: write_transaction() already holds its one
    write lock from BEGIN, so a read inside it cannot be overtaken by another writer.
    """
    if isinstance(engine_finder(), SQLiteEngine):
        return query
    return query.lock_rows()


def contains(column, pattern: str):
    """Case-insensitive LIKE: ILIKE on PostgreSQL; SQLite's LIKE already ignores (ASCII) case."""
    if isinstance(engine_finder(), SQLiteEngine):
        return column.like(pattern)
    return column.ilike(pattern)
