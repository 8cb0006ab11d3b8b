"""The public read path at a million reports, on SQLite or PostgreSQL.

    python -m bench bbox                                  # SQLite, 1,000,000 reports, 1 and 2 workers
    python -m bench bbox --reports 200000 --postgres postgresql://postgres@127.0.0.1/gandan_bench

Makes (or reuses) the database with bench/generate.py, serves the app and a bare Litestar
endpoint with Granian on loopback with the same number of workers, and loads each scenario
for a bounded time with wrk (Debian's package: `apt-get install wrk`), choosing among many
URLs drawn at real reports: their codes, boxes centred on them, their wards. Prints requests
per second, p50/p99 latency and each row's throughput as a ratio of the bare endpoint's in
the same run, the load average while it ran, and the workers' resident memory afterwards.

Anonymous requests throughout, as a newspaper's readers send them: no cookies, no
If-None-Match (so every request is answered in full, never by a 304).
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
from pathlib import Path

import httpx

from bench.generate import database, warm

GANDAN = str(Path(sys.executable).parent / "gandan")
GRANIAN = str(Path(sys.executable).parent / "granian")
PATHS = 2000  # distinct URLs per scenario, each drawn at a random report
CONNECTIONS, DURATION = 32, 10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(command: list[str], env: dict, port: int, probe: str) -> subprocess.Popen:
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=5).status_code < 500:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{command} did not start")


def settle(base: str, seconds: float = 60) -> None:
    """Wait until the server has worked off the previous row's backlog (wrk stops sending, but
    the requests it left queued are still answered): /healthz answers within 50 ms."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            httpx.get(f"{base}/healthz", timeout=seconds)
        except httpx.TransportError:
            pass
        if time.monotonic() - started < 0.05:
            return
        time.sleep(0.5)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid` (Granian's workers), with their /proc status."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if (ppid := re.search(r"^PPid:\s+(\d+)", text, re.M)) and int(ppid.group(1)) == pid:
            found[int(status.parent.name)] = text
    return found


def resident_mb(pid: int) -> list[float]:
    """Resident memory (MB) of each of Granian's workers under `pid`."""
    return [
        int(re.search(r"^VmRSS:\s+(\d+) kB", text, re.M).group(1)) / 1024 for text in _children(pid).values()
    ]


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


SAMPLE = "SELECT r.code, r.lat, r.lon, w.code FROM reports r JOIN wards w ON w.id = r.ward WHERE r.id IN ({})"


def real_reports(env: dict, count: int, rng: random.Random) -> list[tuple[str, float, float, str]]:
    """(code, lat, lon, ward code) of PATHS reports drawn at random from the database."""
    ids = sorted(rng.sample(range(1, count + 1), min(PATHS, count)))
    url = env["DATABASE_URL"]
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("sqlite:///", 1)[1]) as db:
            return db.execute(SAMPLE.format(",".join(map(str, ids)))).fetchall()

    async def fetch():
        import asyncpg

        connection = await asyncpg.connect(url)
        try:
            return [tuple(r) for r in await connection.fetch(SAMPLE.format(",".join(map(str, ids))))]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def scenarios(reports: list[tuple]) -> dict[str, list[str]]:
    def box(lat: float, lon: float, size: float) -> str:
        return f"{lon - size / 2:.4f},{lat - size / 2:.4f},{lon + size / 2:.4f},{lat + size / 2:.4f}"

    return {
        "GET /api/v1/reports/{code}": [f"/api/v1/reports/{c}" for c, *_ in reports],
        "GET /api/v1/reports?bbox= (≈1 km at a report, 200)": [
            f"/api/v1/reports?bbox={box(lat, lon, 0.01)}&limit=200" for _, lat, lon, _ in reports],
        "GET /api/v1/map zoom 16 (≈2 km at a report)": [
            f"/api/v1/map?bbox={box(lat, lon, 0.02)}&zoom=16" for _, lat, lon, _ in reports],
        "GET /api/v1/map zoom 12 (≈30 km at a report)": [
            f"/api/v1/map?bbox={box(lat, lon, 0.3)}&zoom=12" for _, lat, lon, _ in reports],
        "GET /api/v1/map zoom 8 (≈4°, ward clusters)": [
            f"/api/v1/map?bbox={box(lat, lon, 4.0)}&zoom=8" for _, lat, lon, _ in reports],
        "page /r/{code}": [f"/r/{c}" for c, *_ in reports],
        "page /wards/{code}": [f"/wards/{w}" for *_, w in reports],
        "page /": ["/"],
    }  # fmt: skip


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower().split("(")[0]).strip("-")


def profiled(pid: int, svg: Path, seconds: int) -> subprocess.Popen:
    """py-spy recording one worker (the first child of Granian's process) into a flame graph."""
    worker = next(p for p in _children(pid))
    py_spy = str(Path(sys.executable).parent / "py-spy")
    command = [py_spy, "record", "-p", str(worker), "-d", str(seconds), "-o", str(svg), "-f", "flamegraph"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(
    env: dict, workers: int, paths: dict[str, list[str]], seconds: int, profile: Path | None = None
) -> None:
    app_port, bare_port = _free_port(), _free_port()
    env = {**env, "WORKERS": str(workers)}
    command = [GANDAN, "serve", "--port", str(app_port), "--workers", str(workers)]
    app = serve(command, env, app_port, "/healthz")
    bare = serve([GRANIAN, "--interface", "asgi", "--port", str(bare_port), "--workers", str(workers),
                  "bench.bare_app:app"], env, bare_port, "/")  # fmt: skip
    try:
        for path in [paths[name][0] for name in paths]:  # the first request of each kind warms its caches
            try:
                httpx.get(f"http://127.0.0.1:{app_port}{path}", timeout=120)
            except httpx.TimeoutException:
                pass  # a row that slow shows as such below
        bare_rps, p50, p99, _ = load(f"http://127.0.0.1:{bare_port}", ["/"], seconds)
        print(f"\n  {workers} worker{'s' if workers > 1 else ''}, load average {_load()} before")
        print(f"  {'bare Litestar endpoint (baseline)':<52} {bare_rps:8.0f} req/s  p50 {p50:7.1f} ms  "
              f"p99 {p99:7.1f} ms")  # fmt: skip
        for name, urls in paths.items():
            settle(f"http://127.0.0.1:{app_port}")
            spy = profiled(app.pid, profile / f"flame-{_slug(name)}.svg", seconds) if profile else None
            rps, p50, p99, errors = load(f"http://127.0.0.1:{app_port}", urls, seconds)
            print(f"  {name:<52} {rps:8.0f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
                  f"×{rps / bare_rps:.3f} of bare  (load {_load()})"
                  f"{f'  [{errors} non-2xx]' if errors else ''}", flush=True)  # fmt: skip
            if spy:
                spy.wait()
        sizes = resident_mb(app.pid)
        print(f"  resident memory per worker after the run: {', '.join(f'{s:.0f} MB' for s in sizes)}")
    finally:
        stop(app)
        stop(bare)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench bbox")
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL for an empty (or missing) database")
    parser.add_argument("--workers", default="1,2", help="Granian worker counts to run, e.g. 1,2")
    parser.add_argument("--seconds", type=int, default=DURATION, help="per scenario")
    parser.add_argument("--only", help="run only the scenarios whose name contains this")
    parser.add_argument(
        "--profile", type=Path, help="a folder for py-spy flame graphs of one worker, per row"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("bench bbox needs wrk: apt-get install wrk")
    env = database(args.reports, args.postgres)
    engine = "PostgreSQL" if args.postgres else "SQLite"
    paths = scenarios(real_reports(env, args.reports, random.Random(7)))
    if args.only:
        paths = {k: v for k, v in paths.items() if args.only in k}
    print(f"\n== The public read path at {args.reports:,} reports on {engine}, {os.cpu_count()} cores "
          f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})")  # fmt: skip
    print(f"  {warm(env)}")
    for workers in (int(w) for w in args.workers.split(",")):
        run(env, workers, paths, args.seconds, args.profile)
    print(f"  (wrk, {CONNECTIONS} connections for {args.seconds} s per row, loopback, anonymous; "
          f"{PATHS} URLs per row drawn at random reports)")  # fmt: skip


if __name__ == "__main__":
    main()
