"""Test harness: a real database (SQLite by default, PostgreSQL when TEST_DATABASE_URL is set),
migrated once per session, emptied of everything but the administrative units between tests;
an HTTP client that runs the app's lifespan inside the test's own event loop."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

# Tables bind their engine when first imported, so the environment is set before any import
# of app code (see STACK_NOTES).
_TMP = Path(tempfile.mkdtemp(prefix="gandan-tests-"))
os.environ["VAR_DIR"] = str(_TMP / "var")
os.environ["MEDIA_DIR"] = str(_TMP / "media")
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP / 'test.sqlite3'}"
os.environ.pop("REDIS_URL", None)
os.environ.pop("FIREBASE_CREDENTIALS", None)
os.environ["DEFAULT_LANGUAGE"] = "vi"
os.environ["SWEEP_INTERVAL_SECONDS"] = "0"  # tests run the sweep themselves, under a fixed clock

import httpx  # noqa: E402

from app.platform import clock, db  # noqa: E402
from app.platform.settings import get_settings  # noqa: E402

# Reference data loaded once per session and kept between tests; everything else is emptied.
KEPT_TABLES = {"provinces", "wards", "migration"}


def _mutable_tables() -> list:
    """The tables a test may change, parents before children (so inserts in this order and
    deletes in the reverse order never upset a foreign key on SQLite or PostgreSQL)."""
    from piccolo.conf.apps import Finder
    from piccolo.table import sort_table_classes

    ordered = sort_table_classes(Finder().get_table_classes())
    return [t for t in ordered if t._meta.tablename not in KEPT_TABLES]


async def _empty(settings) -> None:
    from piccolo.engine import engine_finder

    from app.reporting.public import forget_unit_counts
    from app.reporting.routing import forget_locator

    for table in reversed(_mutable_tables()):
        await engine_finder().run_ddl(f"DELETE FROM {table._meta.tablename}")
    await engine_finder().run_ddl("UPDATE wards SET boundary = NULL WHERE boundary IS NOT NULL")
    forget_locator()
    forget_unit_counts()
    shutil.rmtree(settings.media_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def settings():
    return get_settings()


@pytest.fixture(scope="session")
def migrated_database(settings):
    """Migrate and load the 3,321 wards once; the session's tests share them read-only."""
    from app.platform.units import import_units

    async def setup():
        await db.migrate(settings)
        await import_units()

    asyncio.run(setup())
    return settings


@pytest.fixture
async def database(migrated_database):
    """A database holding only the administrative units, at the start of every test."""
    await _empty(migrated_database)
    yield migrated_database
    await _empty(migrated_database)


@pytest.fixture(scope="session")
def demo_snapshot(migrated_database):
    """The demo data, seeded once per session (it takes ~10 s): every row of every mutable
    table, the wards' boundaries, and the media files, for `demo_data` to put back."""
    from app.demo import seed_demo
    from app.platform.photos import MediaStore
    from app.platform.tables import Ward

    media_copy = _TMP / "demo-media"

    async def capture():
        await _empty(migrated_database)
        await seed_demo(MediaStore(migrated_database.media_dir))
        rows = {table: await table.select() for table in _mutable_tables()}
        boundaries = await Ward.select(Ward.id, Ward.boundary).where(Ward.boundary.is_not_null())
        shutil.copytree(migrated_database.media_dir, media_copy)
        await _empty(migrated_database)
        return rows, boundaries

    rows, boundaries = asyncio.run(capture())
    return rows, boundaries, media_copy


@pytest.fixture
async def demo_data(database, demo_snapshot):
    """The demo, as `gandan seed-demo` leaves it, restored from the session's snapshot."""
    from piccolo.columns import ForeignKey, Serial
    from piccolo.engine import engine_finder

    from app.platform.tables import Ward

    rows_by_table, boundaries, media_copy = demo_snapshot
    for table, rows in rows_by_table.items():
        # A column referring to its own table (a duplicate report) is filled in afterwards.
        own = [c._meta.name for c in table._meta.foreign_key_columns
               if isinstance(c, ForeignKey) and c._foreign_key_meta.resolved_references is table]  # fmt: skip
        for start in range(0, len(rows), 200):
            chunk = [{**row, **dict.fromkeys(own)} for row in rows[start:start + 200]]
            await table.insert(*[table(_ignore_missing=True, **row) for row in chunk])
        for row in rows:
            if any(row[name] is not None for name in own):
                await table.update({name: row[name] for name in own}).where(table.id == row["id"])
        # Explicit ids leave the sequence behind (tables with random ids have none).
        if not database.is_sqlite and rows and isinstance(table._meta.primary_key, Serial):
            name = table._meta.tablename
            await engine_finder().run_ddl(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))"
            )
    for ward in boundaries:
        await Ward.update({Ward.boundary: ward["boundary"]}).where(Ward.id == ward["id"])
    shutil.copytree(media_copy, database.media_dir, dirs_exist_ok=True)
    return database


@pytest.fixture
async def categories(database):
    from app.reporting.categories import ensure_default_categories

    await ensure_default_categories()


@pytest.fixture
def fixed_clock():
    """Freeze time at a known Friday morning in Hải Phòng (2026-11-20 09:00, UTC+7)."""
    from datetime import datetime

    frozen = clock.FixedClock(datetime(2026, 11, 20, 9, 0, tzinfo=clock.VIETNAM))
    previous = clock.use(frozen)
    yield frozen
    clock.use(previous)


class LifespanClient:
    """Runs the app's lifespan in one dedicated task of the test's loop, as anyio requires
    that a cancel scope be entered and left in the same task."""

    def __init__(self, app) -> None:
        self.app = app
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        async with self.app.lifespan():
            self._ready.set()
            await self._stop.wait()

    async def __aenter__(self) -> httpx.AsyncClient:
        self._task = asyncio.create_task(self._run())
        ready = asyncio.create_task(self._ready.wait())
        done, _ = await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:  # the lifespan failed: surface its error
            ready.cancel()
            self._task.result()
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"
        )
        return self.http

    async def __aexit__(self, *exc) -> None:
        await self.http.aclose()
        self._stop.set()
        await self._task


@pytest.fixture
async def client(database):
    from app.main import create_app

    async with LifespanClient(create_app(database)) as http:
        yield http


@pytest.fixture
def client_with(database):
    """A client of an app built with some settings changed: `async with client_with(x=1) as http`."""
    from dataclasses import replace

    from app.main import create_app

    return lambda **changes: LifespanClient(create_app(replace(database, **changes)))


@pytest.fixture
def no_network(monkeypatch):
    """Fail any attempt to reach a host other than this machine (the database may be local)."""
    real_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
            return real_connect(sock, address)
        raise OSError(f"test forbids network access to {address!r}")

    def guarded_getaddrinfo(host, *args, **kwargs):
        if host in ("127.0.0.1", "::1", "localhost", None):
            return real_getaddrinfo(host, *args, **kwargs)
        raise OSError(f"test forbids resolving {host!r}")

    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(categories, settings):
    """The real server (Granian) in a subprocess on a free port, on the test database."""
    port = _free_port()
    env = {**os.environ, "MAP_TILES_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"}
    # The server's log goes to a file: a pipe nobody reads fills after a few hundred access
    # lines and then blocks the server mid-request.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gandan"), "serve", "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    # Importing the app takes seconds, and ten times that when the machine is busy.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        log.seek(0)
        pytest.fail(f"server did not start: {log.read().decode()[-2000:]}")
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    finally:
        if process.poll() is None:  # a request still hanging: the failure is reported, the server ends
            process.kill()
        log.close()
