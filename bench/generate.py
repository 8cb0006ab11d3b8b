"""A database of N reports for the benchmarks, written in bulk (not through the HTTP path).

    python -m bench generate --reports 1000000                  # SQLite under var/bench/
    python -m bench generate --reports 1000000 --postgres URL   # an empty (or missing) database

Each report gets the events that make its row (`created`, then one `status` event when it
has moved on), so that the public timeline and the projection have something real to read;
the per-ward counters are rebuilt from the rows at the end, as the migration does.
A database that already holds the asked-for number of reports is reused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tqdm import tqdm

GANDAN = str(Path(sys.executable).parent / "gandan")
BATCH = 20_000
DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / "var" / "bench"
STATUSES = ["received", "accepted", "in_progress", "resolved", "closed", "closed", "closed", "rejected"]
REPORT_COLUMNS = (
    "code", "ward", "category", "status", "description", "lat", "lon", "location_source", "address",
    "channel", "reporter_name", "reporter_phone", "reporter_email", "show_name", "support_count",
    "escalated", "deadline", "created_at", "updated_at",
)  # fmt: skip
EVENT_COLUMNS = ("report", "kind", "from_status", "to_status", "public_text", "internal_note", "is_public",
                 "data", "created_at")  # fmt: skip


def _reports(count: int, wards: list[tuple], categories: list[int], rng: random.Random):
    """(report row, its events) spread over the wards, a few km around their centroids, over two
    years; report n gets id n + 1 (the tables start empty)."""
    now = datetime.now(UTC).replace(microsecond=0)
    for n in range(count):
        ward_id, lat, lon = wards[rng.randrange(len(wards))]
        created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        status = rng.choice(STATUSES)
        deadline = created + timedelta(days=5)
        moved = created + timedelta(hours=rng.randrange(1, 200))
        report = (
            f"BN-{n:08d}", ward_id, rng.choice(categories), status, "Ổ gà trước số nhà, xe máy dễ ngã.",
            lat + rng.uniform(-0.03, 0.03), lon + rng.uniform(-0.03, 0.03), "gps", "", "web", "", "", "",
            False, 0, False, deadline, created, moved if status != "received" else created,
        )  # fmt: skip
        events = [(n + 1, "created", None, "received", "", "", True,
                   json.dumps({"channel": "web", "ward_id": ward_id, "deadline": deadline.isoformat(),
                               "photos": []}), created)]  # fmt: skip
        if status != "received":
            events.append((n + 1, "status", "received", status, "Phường đã tiếp nhận và xử lý.", "", True,
                           json.dumps({"action": "bench"}), moved))  # fmt: skip
        yield report, events


def _batches(count: int, rows):
    with tqdm(total=count, desc="Reports", unit=" report", mininterval=1) as progress:
        while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
            yield batch
            progress.update(len(batch))


def _sqlite_value(value):
    return value.isoformat(" ") if isinstance(value, datetime) else value


def _prepare(env: dict) -> None:
    for command in (["migrate"], ["import-units", "--quiet"]):
        subprocess.run([GANDAN, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-c", "import asyncio; from app.reporting.categories import "
                    "ensure_default_categories as e; asyncio.run(e())"], env=env, check=True)  # fmt: skip


def _recount(env: dict) -> None:
    subprocess.run([sys.executable, "-c", "import asyncio; from app.reporting.counters import "
                    "rebuild_counters as r, rebuild_map_cells as m; asyncio.run(r()); asyncio.run(m())"],
                   env=env, check=True)  # fmt: skip


_REFRESH_INDEXES = """
import asyncio
from tqdm import tqdm
from app.transparency.queries import refresh_ward_indexes

asyncio.run(refresh_ward_indexes(batch=100, progress=lambda wards: tqdm(
    wards, desc="Ward service indexes", unit=" ward", mininterval=1)))
"""


def _refresh_indexes(env: dict) -> None:
    """What the sweep of a live site keeps current (the benchmark turns the sweep off): each
    ward's service index snapshot, recomputed where missing, changed or older than REFRESH_AFTER."""
    subprocess.run([sys.executable, "-c", _REFRESH_INDEXES], env=env, check=True)


def sqlite_count(path: Path) -> int:
    if not path.exists():
        return -1
    try:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT count(*) FROM reports").fetchone()[0]
    except sqlite3.Error:
        return -1


async def postgres_count(url: str) -> int:
    import asyncpg

    try:
        connection = await asyncpg.connect(url)
    except (OSError, asyncpg.PostgresError):
        return -1
    try:
        return await connection.fetchval("SELECT count(*) FROM reports")
    except asyncpg.PostgresError:
        return -1
    finally:
        await connection.close()


def fill_sqlite(path: Path, count: int) -> None:
    rng = random.Random(2607)
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA synchronous=OFF")
        wards = db.execute("SELECT id, lat, lon FROM wards WHERE lat IS NOT NULL").fetchall()
        categories = [r[0] for r in db.execute("SELECT id FROM categories")]
        insert_report = (f"INSERT INTO reports ({', '.join(REPORT_COLUMNS)}) "
                         f"VALUES ({', '.join('?' * len(REPORT_COLUMNS))})")  # fmt: skip
        insert_event = (f"INSERT INTO report_events ({', '.join(EVENT_COLUMNS)}) "
                        f"VALUES ({', '.join('?' * len(EVENT_COLUMNS))})")  # fmt: skip
        for batch in _batches(count, _reports(count, wards, categories, rng)):
            db.executemany(insert_report, [tuple(map(_sqlite_value, r)) for r, _ in batch])
            db.executemany(insert_event, [tuple(map(_sqlite_value, e)) for _, es in batch for e in es])
            db.commit()
        db.execute("ANALYZE")


async def fill_postgres(url: str, count: int) -> None:
    import asyncpg

    rng = random.Random(2607)
    connection = await asyncpg.connect(url)
    try:
        wards = [
            tuple(r) for r in await connection.fetch("SELECT id, lat, lon FROM wards WHERE lat IS NOT NULL")
        ]
        categories = [r["id"] for r in await connection.fetch("SELECT id FROM categories")]
        for batch in _batches(count, _reports(count, wards, categories, rng)):
            await connection.copy_records_to_table(
                "reports", records=[r for r, _ in batch], columns=REPORT_COLUMNS
            )
            events = [e for _, es in batch for e in es]
            await connection.copy_records_to_table("report_events", records=events, columns=EVENT_COLUMNS)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def database(reports: int, postgres: str | None, folder: Path = DEFAULT_FOLDER) -> dict:
    """The environment (DATABASE_URL, VAR_DIR) of a database holding `reports` reports, made if needed."""
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "VAR_DIR": str(folder), "SWEEP_INTERVAL_SECONDS": "0"}
    if postgres:
        env["DATABASE_URL"] = postgres
        if asyncio.run(postgres_count(postgres)) == reports:
            _prepare(env)  # new migrations, if any, on the reused database
            _refresh_indexes(env)
            return env
        admin, name = postgres.rsplit("/", 1)
        subprocess.run(["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
        _prepare(env)
        asyncio.run(fill_postgres(postgres, reports))
        _recount(env)
        _refresh_indexes(env)
        return env
    path = folder / f"reports-{reports}.sqlite3"
    env["DATABASE_URL"] = f"sqlite:///{path}"
    if sqlite_count(path) != reports:
        for stale in folder.glob(f"{path.name}*"):
            stale.unlink()
        _prepare(env)
        fill_sqlite(path, reports)
        _recount(env)
        # The bulk load leaves hundreds of MB in the write-ahead log, which every read would
        # search first; a live site checkpoints every 1,000 pages, so the benchmark does too.
        with sqlite3.connect(path) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    else:
        _prepare(env)  # new migrations, if any, on the reused file
    _refresh_indexes(env)
    return env


def warm(env: dict) -> str:
    """Read the database through once, into the operating system's page cache, as it is on a
    server that has been running: a benchmark of a cold cache measures the disk. Says how."""
    url = env["DATABASE_URL"]
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        with path.open("rb") as file:
            while file.read(16 * 1024 * 1024):
                pass
        return f"SQLite file read through ({path.stat().st_size / 1e6:,.0f} MB)"

    async def prewarm() -> str:
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            await connection.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
            blocks = await connection.fetchval(
                "SELECT sum(pg_prewarm(c.oid::regclass, 'read')) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"
            )
            return f"PostgreSQL tables and indexes pg_prewarm'd ({int(blocks) * 8 / 1e3:,.0f} MB)"
        except asyncpg.PostgresError as error:
            return f"PostgreSQL not prewarmed ({error})"
        finally:
            await connection.close()

    return asyncio.run(prewarm())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench generate")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL for an empty (or missing) database")
    args = parser.parse_args(argv)
    env = database(args.reports, args.postgres)
    print(f"DATABASE_URL={env['DATABASE_URL']}")


if __name__ == "__main__":
    main()
