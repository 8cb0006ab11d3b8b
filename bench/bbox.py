"""The public map's endpoints at a million reports, on SQLite or PostgreSQL.

    python -m bench bbox                      # SQLite, 1,000,000 reports
    python -m bench bbox --reports 200000 --postgres postgresql://postgres@127.0.0.1/gandan_bench

Generates the reports straight into a fresh database (with a progress bar), serves the app
and a bare Litestar endpoint with Granian on loopback, and loads each for a bounded time with
wrk (Debian's package), choosing among random boxes. Prints requests per second and p50/p99 latency, with each
endpoint's throughput as a ratio of the bare endpoint's, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from tqdm import tqdm

GANDAN = str(Path(sys.executable).parent / "gandan")
GRANIAN = str(Path(sys.executable).parent / "granian")
BATCH = 20_000
PATHS = 500  # distinct random URLs per scenario
CONNECTIONS, DURATION = 32, 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rows(count: int, wards: list[tuple], categories: list[int], rng: random.Random):
    """Report rows spread over the wards, a few km around their centroids, over two years."""
    now = datetime.now(UTC)
    statuses = ["received", "accepted", "in_progress", "resolved", "closed", "closed", "closed", "rejected"]
    for n in range(count):
        ward_id, lat, lon = wards[rng.randrange(len(wards))]
        created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        yield (
            f"BN-{n:08d}", ward_id, rng.choice(categories), rng.choice(statuses), "Thử nghiệm",
            lat + rng.uniform(-0.03, 0.03), lon + rng.uniform(-0.03, 0.03), "gps", "", "web", "", "", "",
            False, 0, False, created + timedelta(days=5), created, created,
        )  # fmt: skip


COLUMNS = ("code", "ward", "category", "status", "description", "lat", "lon", "location_source", "address",
           "channel", "reporter_name", "reporter_phone", "reporter_email", "show_name", "support_count",
           "escalated", "deadline", "created_at", "updated_at")  # fmt: skip


def _prepare(env: dict) -> None:
    for command in (["migrate"], ["import-units", "--quiet"]):
        subprocess.run([GANDAN, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-c", "import asyncio; from app.reporting.categories import "
                    "ensure_default_categories as e; asyncio.run(e())"], env=env, check=True)  # fmt: skip


def fill_sqlite(path: Path, count: int) -> None:
    rng = random.Random(2607)
    with sqlite3.connect(path) as db:
        wards = db.execute("SELECT id, lat, lon FROM wards WHERE lat IS NOT NULL").fetchall()
        categories = [r[0] for r in db.execute("SELECT id FROM categories")]
        sql = f"INSERT INTO reports ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
        batch = []
        for row in tqdm(_rows(count, wards, categories, rng), total=count, desc="Reports", unit=" report"):
            batch.append(tuple(v.isoformat(" ") if isinstance(v, datetime) else v for v in row))
            if len(batch) == BATCH:
                db.executemany(sql, batch)
                batch = []
        db.executemany(sql, batch)
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
        rows = _rows(count, wards, categories, rng)
        with tqdm(total=count, desc="Reports", unit=" report") as progress:
            while batch := [row for _, row in zip(range(BATCH), rows, strict=False)]:
                await connection.copy_records_to_table("reports", records=batch, columns=COLUMNS)
                progress.update(len(batch))
        await connection.execute("ANALYZE reports")
    finally:
        await connection.close()


def serve(command: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(
                f"http://127.0.0.1:{port}/healthz" if "gandan" in command[0] else f"http://127.0.0.1:{port}/",
                timeout=5,
            )
            return process
        except httpx.TransportError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{command} did not start")


def load(base: str, paths: list[str], seconds: int = DURATION) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, non-2xx) from wrk, picking among `paths` at random."""
    script = Path(tempfile.mkstemp(suffix=".lua")[1])
    quoted = ",".join('"' + p.replace('"', "") + '"' for p in paths)
    script.write_text(
        f"paths = {{{quoted}}}\n"
        "request = function() return wrk.format('GET', paths[math.random(#paths)]) end\n"
    )
    done = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    script.unlink()
    out = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    return rps, p50, p99, errors


def _ms(value: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(unit):
            return float(value[: -len(unit)]) * factor
    return float(value)


def scenarios(rng: random.Random) -> dict[str, list[str]]:
    def box(size: float) -> str:
        lat, lon = rng.uniform(10.5, 21.5), rng.uniform(105.0, 107.5)
        return f"{lon:.4f},{lat:.4f},{lon + size:.4f},{lat + size:.4f}"

    return {
        "list: a street-sized box (≈1 km), 200 newest": [
            f"/api/v1/reports?bbox={box(0.01)}&limit=200" for _ in range(PATHS)],
        "map: a phone's view at zoom 16 (≈2 km), markers": [
            f"/api/v1/map?bbox={box(0.02)}&zoom=16" for _ in range(PATHS)],
        "map: a district at zoom 12 (≈30 km), grid clusters": [
            f"/api/v1/map?bbox={box(0.3)}&zoom=12" for _ in range(PATHS)],
        "map: a province (≈1°), zoom 10 grid clusters": [
            f"/api/v1/map?bbox={box(1.0)}&zoom=10" for _ in range(PATHS)],
        "map: a region (≈4°), zoom 8 ward clusters": [
            f"/api/v1/map?bbox={box(4.0)}&zoom=8" for _ in range(PATHS)],
        "map: all of Vietnam, zoom 6 province clusters": ["/api/v1/map?bbox=102,8,118,24&zoom=6"],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench bbox")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL for an empty (or missing) database")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="gandan-bench-"))
    env = {**os.environ, "VAR_DIR": str(folder), "SWEEP_INTERVAL_SECONDS": "0"}
    if args.postgres:
        env["DATABASE_URL"] = args.postgres
        admin, name = args.postgres.rsplit("/", 1)
        subprocess.run(["psql", f"{admin}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True)
        subprocess.run(["psql", f"{admin}/postgres", "-qc", f"CREATE DATABASE {name}"], check=True)
    else:
        env["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    if shutil.which("wrk") is None:
        sys.exit("bench bbox needs wrk: apt-get install wrk")
    engine = "PostgreSQL" if args.postgres else "SQLite"
    print(f"\n== Map endpoints at {args.reports:,} reports on {engine}")
    _prepare(env)
    if args.postgres:
        asyncio.run(fill_postgres(args.postgres, args.reports))
    else:
        fill_sqlite(folder / "bench.sqlite3", args.reports)

    app_port, bare_port = _free_port(), _free_port()
    app = serve([GANDAN, "serve", "--port", str(app_port)], env, app_port)
    bare = serve(
        [GRANIAN, "--interface", "asgi", "--port", str(bare_port), "bench.bare_app:app"], env, bare_port
    )
    try:
        rng = random.Random(7)
        bare_rps, p50, p99, errors = load(f"http://127.0.0.1:{bare_port}", ["/"])
        print(f"  {'bare Litestar endpoint (baseline)':<52} {bare_rps:8.0f} req/s  p50 {p50:6.1f} ms  "
              f"p99 {p99:6.1f} ms")  # fmt: skip
        for name, paths in scenarios(rng).items():
            rps, p50, p99, errors = load(f"http://127.0.0.1:{app_port}", paths)
            print(f"  {name:<52} {rps:8.0f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
                  f"×{rps / bare_rps:.2f} of bare{f'  ({errors} errors)' if errors else ''}")  # fmt: skip
    finally:
        for process in (app, bare):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    print(f"  (one Granian worker each; wrk, {CONNECTIONS} connections for {DURATION} s each, loopback)")


if __name__ == "__main__":
    main()
