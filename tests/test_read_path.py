"""The public read path's shortcuts stay correct: the report counters equal a recount of the
rows after random workflows, cached answers revalidate with 304, and a change is seen at once
by whoever made it and by everyone else within the max-age the answers state."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from datetime import UTC

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from piccolo.engine import engine_finder

from app.accounts.rules import load_actor
from app.casework.steps import Step, perform
from app.cli import default_workers
from app.platform.tables import MapCell, Report, ReportCount
from tests.test_event_log import STAFF, forget, moves, run, with_photos
from tests.workspace_helpers import KIEN_AN, PHU_LIEN, csrf, new_report, resident, sign_in, staff_accounts

_example = itertools.count()
MAX_AGE = re.compile(r"max-age=(\d+)")
ACCEPTED = "Đã thụ lý"  # the status label, in Vietnamese (the tests' default language)


@pytest.fixture
async def accounts(database):
    return await staff_accounts()


async def recount() -> Counter:
    """The oracle: every report row counted by ward, UTC day of creation, status and category."""
    rows = await Report.select(Report.ward, Report.created_at, Report.status, Report.category)
    return Counter((r["ward"], r["created_at"].astimezone(UTC).date(), r["status"], r["category"])
                   for r in rows)  # fmt: skip


async def counters() -> Counter:
    rows = await ReportCount.select()
    return Counter({(r["ward"], r["day"], r["status"], r["category"]): r["n"] for r in rows if r["n"]})


# The map draws a grid at zooms 11 to 14, each cell 60 pixels of a 256-pixel tile.
GRID = {zoom: 360 / 2**zoom / 256 * 60 for zoom in (11, 12, 13, 14)}


async def cell_recount() -> tuple[Counter, dict]:
    """The oracle for the map's cells: every report row placed in its cell at each zoom, by
    hand; (counts, sums of the positions) per (zoom, row, column, status)."""
    counted, sums = Counter(), {}
    for r in await Report.select(Report.lat, Report.lon, Report.status):
        for zoom, size in GRID.items():
            key = (zoom, math.floor((r["lat"] + 90) / size), math.floor((r["lon"] + 180) / size), r["status"])
            counted[key] += 1
            lat, lon = sums.get(key, (0.0, 0.0))
            sums[key] = (lat + r["lat"], lon + r["lon"])
    return counted, sums


async def cells_agree_with_a_recount() -> None:
    counted, sums = await cell_recount()
    rows = [r for r in await MapCell.select() if r["n"]]
    assert Counter({(r["zoom"], r["y"], r["x"], r["status"]): r["n"] for r in rows}) == counted
    for r in rows:
        lat, lon = sums[(r["zoom"], r["y"], r["x"], r["status"])]
        assert math.isclose(r["lat_sum"], lat, abs_tol=1e-6) and math.isclose(r["lon_sum"], lon, abs_tol=1e-6)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=moves)
async def test_counters_equal_a_recount_after_random_workflows(fixed_clock, accounts, moves):
    actors = {name: await load_actor(accounts[name]) for name in STAFF}
    n = next(_example)
    residents = [await resident(f"c{n}-{i}") for i in range(3)]
    # Two reports on different days and wards, so that transfers and statuses move between rows.
    first = await new_report(reporter=residents[0])
    fixed_clock.advance(days=1)
    second = await new_report(KIEN_AN, category="lighting", reporter=residents[1])
    await with_photos([first["id"], second["id"]])
    try:
        await run(moves, actors, accounts, residents, [first, second], fixed_clock)
        assert await counters() == await recount()
        await cells_agree_with_a_recount()
    finally:  # the test's own reports and counters go, so the next example starts empty
        await forget([first["id"], second["id"]])
        await ReportCount.delete(force=True)
        await MapCell.delete(force=True)


async def test_counters_are_rebuilt_from_the_rows(fixed_clock, accounts):
    from app.reporting.counters import rebuild_counters, rebuild_map_cells

    await new_report()
    fixed_clock.advance(days=2)
    await new_report(KIEN_AN)
    await engine_finder().run_ddl("DELETE FROM report_counts")
    await rebuild_counters()
    assert await counters() == await recount()
    assert sum((await counters()).values()) == 2
    await engine_finder().run_ddl("DELETE FROM map_cells")
    await rebuild_map_cells()
    await cells_agree_with_a_recount()
    assert sum((await cell_recount())[0].values()) == 2 * len(GRID)


def anonymous(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """A second reader of the same app: no cookies, as a newspaper's reader arrives."""
    return httpx.AsyncClient(transport=client._transport, base_url="http://testserver")


async def test_a_public_answer_is_revalidated_with_304(accounts, client):
    report = await new_report()
    reader = anonymous(client)
    for path in (f"/api/v1/reports/{report['code']}", f"/r/{report['code']}", "/"):
        first = await reader.get(path)
        assert first.status_code == 200
        etag = first.headers["etag"]
        again = await reader.get(path, headers={"If-None-Match": etag})
        assert again.status_code == 304, path
        assert again.content == b"" and again.headers["etag"] == etag
        # Another version of the answer is sent in full.
        assert (await reader.get(path, headers={"If-None-Match": '"something-else"'})).status_code == 200


async def test_pages_carry_the_visitors_token_so_no_shared_cache_may_keep_them(accounts, client):
    report = await new_report()
    reader = anonymous(client)
    page = await reader.get(f"/r/{report['code']}")
    assert page.headers["cache-control"].startswith("private,")
    api = await reader.get(f"/api/v1/reports/{report['code']}")
    assert api.headers["cache-control"].startswith("public,")
    assert "set-cookie" not in api.headers


async def test_a_change_is_seen_at_once_by_its_maker_and_within_the_max_age_by_everyone(
    fixed_clock, accounts, client
):
    report = await new_report()
    path, page = f"/api/v1/reports/{report['code']}", f"/r/{report['code']}"
    reader = anonymous(client)
    before = await reader.get(path)
    assert before.json()["status"] == "received"
    assert ACCEPTED not in (await reader.get(page)).text
    max_age = int(MAX_AGE.search(before.headers["cache-control"]).group(1))
    assert 0 < max_age <= 60

    # The ward's officer accepts the report and looks at it: at once, and never from a cache.
    await sign_in(client, "canbo.phulien")
    await perform(await load_actor(accounts["canbo.phulien"]), report["id"], Step("accept"))
    mine = await client.get(path)
    assert mine.json()["status"] == "accepted"
    assert mine.headers["cache-control"] == "no-store"
    assert ACCEPTED in (await client.get(page)).text

    # Everyone else sees it once the answer they may have been given is max-age old.
    fixed_clock.advance(seconds=max_age)
    assert (await reader.get(path)).json()["status"] == "accepted"
    assert ACCEPTED in (await reader.get(page)).text


async def test_the_residents_own_receipt_is_never_kept(accounts, client):
    report = await new_report()
    reader = anonymous(client)
    receipt = await reader.get(f"/r/{report['code']}?new=1")
    assert "cache-control" not in receipt.headers and "etag" not in receipt.headers
    reader.cookies.set("gd_device", "any")
    mine = await reader.get(f"/api/v1/reports/{report['code']}")
    assert mine.headers["cache-control"] == "no-store" and "etag" not in mine.headers


async def test_staff_pages_are_never_kept(accounts, client):
    await sign_in(client, "canbo.phulien")
    queue = await client.get("/staff/")
    assert queue.headers["cache-control"] == "no-store" and "etag" not in queue.headers


async def test_the_home_page_shows_a_new_report_to_its_own_process_at_once(fixed_clock, accounts, client):
    reader = anonymous(client)
    assert "Phù Liễn" not in (await reader.get("/")).text
    await new_report(PHU_LIEN)
    assert "Phù Liễn" in (await reader.get("/")).text


@pytest.mark.parametrize(("redis_url", "cores", "expected"), [
    (None, 8, 1), ("redis://127.0.0.1:6379/0", 2, 2), ("redis://127.0.0.1:6379/0", None, 1),
])  # fmt: skip
def test_workers_default_to_the_cores_only_with_redis(redis_url, cores, expected):
    workers, why = default_workers(redis_url, cores)
    assert workers == expected
    assert ("REDIS_URL" in why) and why


async def test_counters_follow_a_transfer_to_another_ward(fixed_clock, accounts):
    report = await new_report(PHU_LIEN)
    lead = await load_actor(accounts["lanhdao.phulien"])
    await perform(lead, report["id"], Step("transfer", public_text="Thuộc phường Kiến An",
                                           target_ward_code=KIEN_AN))  # fmt: skip
    moved = await Report.select(Report.ward.code).where(Report.id == report["id"]).first()
    assert moved["ward.code"] == KIEN_AN
    assert await counters() == await recount()


async def test_a_kept_answer_lasts_the_max_age_unless_this_worker_changes_something(fixed_clock):
    from app.platform import kept
    from app.platform.http_cache import KeptAnswers

    answers = KeptAnswers()
    key = ("/api/v1/reports/HP-2611-0001", b"", b"", "vi")
    answers.put(key, (kept.generation(), fixed_clock.now()), 200, [(b"etag", b'"a"')], b"{}")
    # A change written by another worker is not known here: the answer stands for the max-age.
    fixed_clock.advance(seconds=kept.PUBLIC_MAX_AGE_SECONDS - 1)
    assert answers.get(key) == (200, [(b"etag", b'"a"')], b"{}")
    fixed_clock.advance(seconds=1)
    assert answers.get(key) is None
    # A change written by this worker drops it at once.
    answers.put(key, (kept.generation(), fixed_clock.now()), 200, [(b"etag", b'"a"')], b"{}")
    kept.changed()
    assert answers.get(key) is None


async def test_a_kept_page_is_answered_to_each_reader_with_their_own_token(fixed_clock, accounts, client):
    from app.platform.kept import PUBLIC_MAX_AGE_SECONDS

    report = await new_report()
    page = f"/r/{report['code']}"
    first, second, third = anonymous(client), anonymous(client), anonymous(client)
    made = await first.get(page)  # compressed for this reader, and kept once, uncompressed
    assert made.headers["content-encoding"] in ("br", "gzip")
    # Another worker changes the report: this worker's readers see the kept page for the max-age.
    await Report.update({Report.description: "Mô tả đã sửa ở máy khác"}).where(Report.id == report["id"])
    kept = await second.get(page, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in kept.headers and "Mô tả đã sửa" not in kept.text
    # Each reader gets the token of their own cookie, never another reader's.
    token_first, token_second = first.cookies["gd_csrf"], second.cookies["gd_csrf"]
    assert token_first != token_second
    assert csrf(kept.text) == token_second and token_first not in kept.text
    assert made.text.replace(token_first, "T") == kept.text.replace(token_second, "T")
    again = await second.get(page, headers={"accept-encoding": "gzip"})
    assert again.headers["content-encoding"] == "gzip" and "set-cookie" not in again.headers
    assert again.text == kept.text
    revalidated = await second.get(page, headers={"accept-encoding": "identity",
                                                  "If-None-Match": kept.headers["etag"]})  # fmt: skip
    assert revalidated.status_code == 304
    # The token works: the form on a kept page is accepted.
    supported = await second.post(f"{page}/support", data={"_csrf_token": csrf(kept.text)},
                                  follow_redirects=False)  # fmt: skip
    assert supported.status_code == 303
    # Past the max-age the page is made again from the rows.
    fixed_clock.advance(seconds=PUBLIC_MAX_AGE_SECONDS)
    assert "Mô tả đã sửa ở máy khác" in (await third.get(page)).text


async def test_a_page_answered_to_a_reader_with_their_own_cookie_is_not_kept(fixed_clock, accounts, client):
    report = await new_report()
    page = f"/r/{report['code']}"
    hostile = anonymous(client)
    hostile.cookies.set("gd_csrf", "class")  # a value that is everywhere in the page
    first = await hostile.get(page)
    assert first.status_code == 200
    await Report.update({Report.description: "Mô tả đã sửa ở máy khác"}).where(Report.id == report["id"])
    # Had that answer been kept, the next reader would get it, with holes where "class" was.
    reader = anonymous(client)
    second = await reader.get(page)
    assert "Mô tả đã sửa ở máy khác" in second.text
    assert second.text.count('class="') == first.text.count('class="') > 10
    assert csrf(second.text) == reader.cookies["gd_csrf"]


async def test_a_kept_page_escapes_the_token_a_reader_sent_in_their_cookie(fixed_clock, accounts, client):
    report = await new_report()
    page = f"/r/{report['code']}"
    assert (await anonymous(client).get(page)).status_code == 200  # made and kept
    hostile = anonymous(client)
    answer = await hostile.get(page, headers={"cookie": 'gd_csrf=x"><i>injected</i>'})
    assert answer.status_code == 200
    assert "<i>injected</i>" not in answer.text and "&lt;i&gt;injected&lt;/i&gt;" in answer.text
