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


def _mutable_tables() -> list[str]:
    from piccolo.conf.apps import Finder

    tables = Finder().get_table_classes()
    # Children before parents, so foreign keys never object on SQLite or PostgreSQL.
    from piccolo.table import sort_table_classes

    ordered = sort_table_classes(tables)
    return [t._meta.tablename for t in reversed(ordered) if t._meta.tablename not in KEPT_TABLES]


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
    from piccolo.engine import engine_finder

    from app.reporting.public import forget_unit_counts
    from app.reporting.routing import forget_locator

    async def empty():
        for table in _mutable_tables():
            await engine_finder().run_ddl(f"DELETE FROM {table}")
        await engine_finder().run_ddl("UPDATE wards SET boundary = NULL WHERE boundary IS NOT NULL")
        forget_locator()
        forget_unit_counts()
        shutil.rmtree(migrated_database.media_dir, ignore_errors=True)

    await empty()
    yield migrated_database
    await empty()


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
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gandan"), "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"server did not start: {process.stdout.read().decode()[-2000:]}")
    yield url
    process.terminate()
    process.wait(timeout=10)
