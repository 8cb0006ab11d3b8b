"""Piccolo's SQLite engine, keeping its connections between queries.

Piccolo opens a new aiosqlite connection for every query outside a transaction: a new thread,
the file opened, the schema parsed again and an empty page cache, ≈1 ms before the query even
starts. This engine keeps connections per event loop (one loop per Granian worker) from
`start_connection_pool()` to `close_connection_pool()`, as the PostgreSQL engine does:

* SELECTs run on one read-only connection (`PRAGMA query_only`) in the loop's own thread.
  An indexed read takes tens of microseconds; handing it to aiosqlite's thread and back costs
  more than that, and under load each hand-over waits for the GIL (the loop got a few hundred
  requests per second that way). In WAL mode a reader never waits for the writer.
* Everything else (writes outside a transaction, DDL) goes to a few kept aiosqlite
  connections, as before, so a write waiting out the busy timeout never blocks the loop.

Transactions still get a connection of their own (Piccolo's SQLiteTransaction), so a kept
connection is always in autocommit mode and sees every committed write at its next query.

A kept connection would go on reading a file that was deleted or replaced (a restore) behind
its back: each query checks the file's identity first and opens new connections when it
changed, so the file's disappearance fails queries (and /healthz) as before.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
from urllib.parse import unquote, urlsplit

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, dict_factory

POOL_SIZE = 4


class _Pool:
    def __init__(self, engine: PooledSQLiteEngine, size: int) -> None:
        self.engine, self.size = engine, size
        self.idle: asyncio.Queue[aiosqlite.Connection] = asyncio.Queue()
        self.opened: list[aiosqlite.Connection] = []
        self.reader: sqlite3.Connection | None = None
        self.file_identity = engine.file_identity()

    async def _check_file(self) -> None:
        identity = self.engine.file_identity()
        if identity != self.file_identity:
            await self.close()
            self.file_identity = identity

    async def read(self, query: str, args: list) -> list[dict]:
        await self._check_file()
        if self.reader is None:
            self.reader = sqlite3.connect(**self.engine.connection_kwargs, check_same_thread=False)
            self.reader.row_factory = dict_factory
            self.reader.execute("PRAGMA query_only = 1")
        return self.reader.execute(query, args).fetchall()

    async def acquire(self) -> aiosqlite.Connection:
        await self._check_file()
        if self.idle.empty() and len(self.opened) < self.size:
            connection = await self.engine.get_connection()
            self.opened.append(connection)
            return connection
        return await self.idle.get()

    def release(self, connection: aiosqlite.Connection) -> None:
        if connection in self.opened:  # not one closed since by close()
            self.idle.put_nowait(connection)

    async def close(self) -> None:
        opened, self.opened = self.opened, []
        self.idle = asyncio.Queue()
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        for connection in opened:
            await connection.close()


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, *args, pool_size: int = POOL_SIZE, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pool_size = pool_size
        self._pools: dict[asyncio.AbstractEventLoop, _Pool] = {}

    def file_identity(self) -> tuple[int, int] | None:
        path = self.path
        if self.connection_kwargs.get("uri") and path.startswith("file:"):
            path = unquote(urlsplit(path).path)
        try:
            status = os.stat(path)
        except OSError:
            return None
        return (status.st_dev, status.st_ino)

    async def start_connection_pool(self) -> None:
        loop = asyncio.get_running_loop()
        if loop not in self._pools:
            self._pools[loop] = _Pool(self, self.pool_size)

    async def close_connection_pool(self) -> None:
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool.close()

    async def get_connection(self) -> aiosqlite.Connection:
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        return connection

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        pool = self._pools.get(asyncio.get_running_loop())
        if pool is None or self.get_version_sync() < 3.35:
            return await super()._run_in_new_connection(query, args, query_type, table)
        if query.lstrip()[:6].upper() == "SELECT":
            return await pool.read(query, args or [])
        connection = await pool.acquire()
        try:
            async with connection.execute(query, args or []) as cursor:
                return await cursor.fetchall()
        finally:
            pool.release(connection)
