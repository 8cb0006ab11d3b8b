"""A Lighthouse-style audit of the resident's pages on a weak phone, printed as Markdown.

    python -m bench reach [--runs 3] > docs/reach-audit.md

Lighthouse needs a Chrome it downloads itself; this uses Debian's Chromium through Playwright
instead, with the throttling Chrome DevTools calls "Slow 3G" (2,000 ms round trip, 400 kbit/s
each way: `Network.emulateNetworkConditions`) and a CPU four times slower
(`Emulation.setCPUThrottlingRate`), on a phone-sized screen, each page a first visit (empty
cache, no service worker). The demo data is seeded into a fresh SQLite database and served by
`gandan serve`, as in production. For each page: first contentful paint, largest contentful
paint and the load event (the median of the runs), the requests made and the bytes that
crossed the network (headers included) until the network fell quiet, and axe-core's critical
and serious findings.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.bbox import GANDAN, _free_port, serve

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent.parent / "tests" / "assets" / "axe-core-4.11.0.min.js"
# Chrome DevTools' "Slow 3G" preset.
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
CPU_SLOWDOWN = 4
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "vi-VN"}  # fmt: skip
PAINTS = """() => new Promise((done) => {
  const fcp = performance.getEntriesByName("first-contentful-paint")[0];
  let lcp = 0;
  new PerformanceObserver((list) => { for (const e of list.getEntries()) lcp = e.startTime; })
    .observe({ type: "largest-contentful-paint", buffered: true });
  const nav = performance.getEntriesByType("navigation")[0];
  setTimeout(() => done({ fcp: fcp ? fcp.startTime : null, lcp, load: nav.loadEventEnd }), 0);
})"""
SERIOUS = """() => axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations
  .filter((v) => ["critical", "serious"].includes(v.impact)).length)"""


async def _visit(browser, url: str) -> dict:
    """One throttled first visit: paint times, requests and bytes over the wire."""
    context = await browser.new_context(**PHONE, service_workers="block")
    page = await context.new_page()
    cdp = await context.new_cdp_session(page)
    # Only our own server's answers: map tiles come from the tile server, outside the audit.
    ours, transferred = set(), []
    origin = url.split("/", 3)[:3]

    def sent(event: dict) -> None:
        if event["request"]["url"].split("/", 3)[:3] == origin:
            ours.add(event["requestId"])

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished",
           lambda e: e["requestId"] in ours and transferred.append(e["encodedDataLength"]))  # fmt: skip
    await cdp.send("Network.enable")
    await cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    await cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    await page.goto(url, wait_until="networkidle", timeout=180_000)
    paints = await page.evaluate(PAINTS)
    await context.close()
    return {**paints, "requests": len(ours), "bytes": sum(transferred)}


async def _serious_findings(browser, url: str) -> int:
    context = await browser.new_context(**PHONE, bypass_csp=True, service_workers="block")
    page = await context.new_page()
    await page.goto(url, wait_until="networkidle")
    await page.add_script_tag(path=str(AXE))
    found = await page.evaluate(SERIOUS)
    await context.close()
    return found


async def audit(base: str, paths: list[str], runs: int) -> list[dict]:
    from playwright.async_api import async_playwright

    rows = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        version = browser.version
        for path in paths:
            visits = [await _visit(browser, base + path) for _ in range(runs)]
            rows.append({
                "path": path,
                "fcp": statistics.median(v["fcp"] for v in visits),
                "lcp": statistics.median(v["lcp"] for v in visits),
                "load": statistics.median(v["load"] for v in visits),
                "requests": statistics.median(v["requests"] for v in visits),
                "bytes": statistics.median(v["bytes"] for v in visits),
                "axe": await _serious_findings(browser, base + path),
            })  # fmt: skip
        await browser.close()
    return [{"chromium": version}, *rows]


def _report(found: list[dict], runs: int) -> str:
    version, rows = found[0]["chromium"], found[1:]
    lines = [
        "# Reach audit: the resident's pages on a weak phone",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench reach --runs {runs}`"
        f" (bench/reach.py), Chromium {version} (Debian's, headless, through Playwright).",
        "",
        "Lighthouse itself needs a Chrome it downloads; this audit measures what its performance",
        "score is made of, under the same kind of throttling, in the browser already on the machine:",
        "",
        "- network: Chrome DevTools' *Slow 3G* — 2,000 ms round trip, 400 kbit/s down and up",
        "  (`Network.emulateNetworkConditions`), the browser cache disabled;",
        f"- CPU: {CPU_SLOWDOWN}× slower (`Emulation.setCPUThrottlingRate`);",
        "- a 390 × 844 phone screen, Vietnamese, each page a first visit (no service worker);",
        "- the demo data (`gandan seed-demo`) on SQLite, served by `gandan serve` (Granian, Brotli);",
        "- only our own server's answers are counted: map tiles come from the tile server (here a",
        "  closed local port, so the figures do not depend on OpenStreetMap's);",
        f"- times are the median of {runs} visits; *bytes* crossed the network (headers included,",
        "  compressed) until it fell quiet; *axe* counts axe-core 4.11's critical and serious findings.",
        "",
        "Slow 3G is far slower than Lighthouse's mobile default (150 ms, 1.6 Mbit/s): every request",
        "costs at least two seconds here, so the request count matters as much as the bytes.",
        "",
        "| page | first contentful paint | largest contentful paint | load event | requests | bytes | axe |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| `{row['path']}` | {row['fcp'] / 1000:.1f} s | {row['lcp'] / 1000:.1f} s"
            f" | {row['load'] / 1000:.1f} s | {row['requests']:.0f} | {row['bytes'] / 1000:.1f} kB"
            f" | {row['axe']} |"
        )
    lines += [
        "",
        "The report form loads its map (Leaflet, about 45 kB compressed) only when the map comes",
        "near the screen, so it is not part of the form's first load; `/map` loads it at once.",
        "Run the script again after a change; figures vary by a few percent between runs.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench reach")
    parser.add_argument("--runs", type=int, default=3, help="visits per page (the median is shown)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="gandan-reach-"))
    # Tiles from a closed local port: the map's own weight is measured, not a tile server's.
    env = {**os.environ, "VAR_DIR": str(folder), "SWEEP_INTERVAL_SECONDS": "0",
           "DATABASE_URL": f"sqlite:///{folder / 'reach.sqlite3'}",
           "MAP_TILES_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png"}  # fmt: skip
    for command in (["migrate"], ["import-units", "--quiet"], ["seed-demo", "--quiet"]):
        subprocess.run([GANDAN, *command], env=env, check=True, stdout=subprocess.DEVNULL)
    port = _free_port()
    server = serve([GANDAN, "serve", "--port", str(port)], env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        home = httpx.get(base + "/").text
        code = re.search(r'href="/r/([A-Z]{2}-\d{4}-\d{4,})"', home).group(1)
        found = asyncio.run(audit(base, ["/", "/reports/new", f"/r/{code}", "/map"], args.runs))
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(_report(found, args.runs))
