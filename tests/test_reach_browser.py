"""Reach on a weak phone, in real headless Chromium: offline pages and the report outbox,
photos shrunk on the phone, page weight, and the API docs without internet."""

from __future__ import annotations

import io
import math
import re

import pytest
from PIL import Image

from tests.photos_for_tests import jpeg
from tests.test_browser import CHROMIUM, PHU_LIEN, chromium  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(
    not __import__("pathlib").Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"
)
PHU_LIEN_WARD = "11446"
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN")


async def _reports_with_key(key: str) -> list[dict]:
    from app.platform.tables import Report

    return await Report.select(Report.code, Report.location_source, Report.ward.code.as_alias("ward")).where(
        Report.idempotency_key == key
    )


async def _controlled(page) -> None:
    """Wait until the service worker is active and controls this page."""
    await page.evaluate(
        "navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller || new Promise("
        "done => navigator.serviceWorker.addEventListener('controllerchange', done)))"
    )


async def _fill_offline_report(page, live_server, photo_path) -> str:
    """Reload the form without signal, fill it with a photo that carries GPS, send it."""
    await page.goto(f"{live_server}/reports/new")
    await page.set_input_files("#photos", str(photo_path))
    await page.locator("#photo-previews li").wait_for()
    await page.get_by_label("Đường sá, cầu cống, vỉa hè").check()
    await page.fill("#description", "Ổ gà sâu giữa đường, xe máy dễ ngã")
    key = await page.input_value("input[name=idempotency_key]")
    await page.get_by_role("button", name="Gửi phản ánh", exact=True).click()
    await page.locator("#queued").wait_for()
    assert "Đã lưu trên máy, sẽ tự gửi khi có mạng" in await page.locator("#queued").inner_text()
    return key


@pytest.fixture
def gps_photo(tmp_path):
    path = tmp_path / "o-ga.jpg"
    path.write_bytes(jpeg(size=(4000, 3000), gps=(PHU_LIEN["latitude"], PHU_LIEN["longitude"])))
    return path


async def test_a_report_written_offline_is_sent_once_when_the_signal_returns(
    chromium, live_server, gps_photo  # noqa: F811
):
    context = await chromium.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(f"{live_server}/")
    await _controlled(page)
    await context.set_offline(True)
    key = await _fill_offline_report(page, live_server, gps_photo)
    assert await _reports_with_key(key) == []
    # A second report, queued behind the first: each is stored once, under its own key.
    second = await _fill_offline_report(page, live_server, gps_photo)
    assert second != key
    await context.set_offline(False)
    await page.locator("#outbox-status a.code").nth(1).wait_for()
    for queued_key in (key, second):
        stored = await _reports_with_key(queued_key)
        assert len(stored) == 1 and stored[0]["ward"] == PHU_LIEN_WARD
        assert stored[0]["location_source"] == "exif"
    codes = await page.locator("#outbox-status a.code").all_inner_texts()
    stored_codes = [(await _reports_with_key(k))[0]["code"] for k in (key, second)]
    assert sorted(codes) == sorted(stored_codes)
    await page.goto(f"{live_server}/me/")
    assert codes[0] in await page.locator("main").inner_text()
    await context.close()


async def test_a_queued_report_goes_out_when_the_app_is_opened_again(
    chromium, live_server, gps_photo  # noqa: F811
):
    context = await chromium.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(f"{live_server}/")
    await _controlled(page)
    await context.set_offline(True)
    key = await _fill_offline_report(page, live_server, gps_photo)
    await page.close()
    # A server that fails once: the outbox waits and tries again with the same key.
    failures = []

    async def fail_once(route):
        if route.request.method == "POST" and not failures:
            failures.append(route.request.headers.get("idempotency-key"))
            await route.fulfill(status=500, body="{}")
        else:
            await route.continue_()

    await context.route("**/reports/new", fail_once)
    await context.set_offline(False)
    again = await context.new_page()
    await again.goto(f"{live_server}/")
    await again.locator("#outbox-status a.code").wait_for(timeout=30_000)
    assert failures == [key]
    assert len(await _reports_with_key(key)) == 1
    await context.close()


async def test_photos_are_shrunk_on_the_phone_and_their_gps_still_routes_the_report(
    chromium, live_server, gps_photo  # noqa: F811
):
    context = await chromium.new_context(**PHONE)
    page = await context.new_page()
    sent = []
    page.on("request", lambda r: r.method == "POST" and r.url.endswith("/reports/new") and sent.append(r))
    await page.goto(f"{live_server}/reports/new")
    await page.set_input_files("#photos", str(gps_photo))
    await page.locator("#photo-previews li").wait_for()
    # A refused field keeps the photo: nothing to choose twice.
    await page.get_by_label("Đường sá, cầu cống, vỉa hè").check()
    await page.get_by_role("button", name="Gửi phản ánh", exact=True).click()
    await page.locator("#description-error").wait_for()
    assert await page.locator("#photo-previews li").count() == 1
    await page.fill("#description", "Ổ gà sâu giữa đường, xe máy dễ ngã")
    await page.get_by_role("button", name="Gửi phản ánh", exact=True).click()
    await page.wait_for_url(re.compile(r"/r/HP-\d{4}-\d{4}\?new=1$"))
    # The whole request (form fields and the photo) weighs less than the photo as taken.
    uploaded = int((await sent[-1].all_headers())["content-length"])
    assert uploaded < gps_photo.stat().st_size
    key = sent[-1].headers["idempotency-key"]
    stored = await _reports_with_key(key)
    assert stored[0]["ward"] == PHU_LIEN_WARD and stored[0]["location_source"] == "exif"
    with Image.open(gps_photo) as original:
        assert max(original.size) == 4000
    await context.close()


async def _transferred(chromium, url) -> int:  # noqa: F811
    """Bytes over the wire for a first visit (no service worker, empty cache), to the load event."""
    context = await chromium.new_context(**PHONE, service_workers="block")
    page = await context.new_page()
    await page.goto(url, wait_until="load")
    total = await page.evaluate(
        "performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".reduce((sum, e) => sum + e.transferSize, 0)"
    )
    await context.close()
    return total


async def test_first_loads_stay_within_their_budgets(chromium, live_server):  # noqa: F811
    assert 0 < await _transferred(chromium, f"{live_server}/") <= 40_000
    assert 0 < await _transferred(chromium, f"{live_server}/reports/new") <= 60_000


async def test_the_api_docs_render_without_internet(chromium, live_server):  # noqa: F811
    context = await chromium.new_context()
    outside = []

    async def only_ours(route):
        # The viewer's code and styles must come from us; Redoc's own "powered by" logo may not.
        if route.request.url.startswith(live_server) or route.request.resource_type == "image":
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_ours)
    page = await context.new_page()
    await page.goto(f"{live_server}/schema")
    await page.get_by_role("heading", name=re.compile("Gần Dân API")).first.wait_for()
    assert outside == []
    await context.close()


AXE = __import__("pathlib").Path(__file__).parent / "assets" / "axe-core-4.11.0.min.js"


async def _serious_violations(page) -> list[str]:
    """axe-core's critical and serious findings on the page as it stands."""
    await page.add_script_tag(path=str(AXE))
    return await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
        ".filter(v => ['critical', 'serious'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
    )


async def test_public_pages_have_no_serious_accessibility_violations(demo_data, chromium, live_server):  # noqa: F811
    from app.platform.tables import Consultation, GovernmentAction, Proposal, Report

    report = await Report.select(Report.code).where(Report.ward.code == PHU_LIEN_WARD).first()
    consultation = await Consultation.select(Consultation.id).first()
    proposal = await Proposal.select(Proposal.id).where(Proposal.state == "in_progress").first()
    action = await GovernmentAction.select(GovernmentAction.id).first()
    ward = f"/wards/{PHU_LIEN_WARD}"
    pages = ["/", "/reports/new", f"/r/{report['code']}", "/map", "/actions", f"/actions/{action['id']}",
             "/me/", "/offline", "/login", "/verify", ward, f"{ward}/participation", f"{ward}/proposals",
             f"{ward}/inspection", "/provinces/31", "/proposals/new", f"/consultations/{consultation['id']}",
             f"/proposals/{proposal['id']}"]  # fmt: skip
    # axe-core is injected as an inline script, which the site's own CSP rightly refuses.
    context = await chromium.new_context(**PHONE, bypass_csp=True)
    page = await context.new_page()
    found = {}
    for path in pages:
        response = await page.goto(f"{live_server}{path}")
        assert response.status == 200 and response.url == f"{live_server}{path}", path
        if violations := await _serious_violations(page):
            found[path] = violations
    assert found == {}
    await context.close()


async def _staff_pages() -> dict[str, list[str]]:
    """Every kind of staff page, each with a real row of the demo behind it, under the demo
    account whose work it is: the ward lead's, the people's inspector's, the administrator's."""
    from app.platform.tables import Consultation, InspectionRequest, Person, Proposal, Report

    report = await Report.select(Report.code).where(Report.ward.code == PHU_LIEN_WARD).first()
    consultation = await Consultation.select(Consultation.id).first()
    due = await Proposal.select(Proposal.id).where(Proposal.state == "due").first()
    accepted = await Proposal.select(Proposal.id).where(Proposal.state == "in_progress").first()
    inspection = await InspectionRequest.select(InspectionRequest.id).first()
    officer = await Person.select(Person.id).where(Person.username == "canbo.phulien").first()
    return {
        "lanhdao.phulien": [
            "/staff/", f"/staff/reports/{report['code']}", "/staff/file", "/staff/actions/new",
            "/staff/password",
            "/staff/consultations", "/staff/consultations/new", f"/staff/consultations/{consultation['id']}",
            "/staff/groups", "/staff/participation", f"/staff/proposals/{due['id']}/answer",
            f"/staff/proposals/{accepted['id']}/progress", f"/staff/inspection/{inspection['id']}/answer",
            "/staff/verify",
        ],
        "thanhtra.phulien": ["/staff/inspection/new", "/staff/supervision-reports/new"],
        "admin": ["/staff/admin/people", "/staff/admin/people/new", f"/staff/admin/people/{officer['id']}",
                  "/staff/admin/keys", "/staff/admin/audit", "/staff/outbox"],
    }  # fmt: skip


async def test_staff_pages_have_no_serious_accessibility_violations(demo_data, chromium, live_server):  # noqa: F811
    from app.demo import DEMO_PASSWORD

    found = {}
    for username, pages in (await _staff_pages()).items():
        desk = {"viewport": {"width": 1280, "height": 900}, "locale": "vi-VN"}
        context = await chromium.new_context(**desk, bypass_csp=True)
        page = await context.new_page()
        await page.goto(f"{live_server}/login")
        await page.fill("input[name=username]", username)
        await page.fill("input[name=password]", DEMO_PASSWORD)
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.wait_for_url(re.compile(rf"{live_server}/staff/"))
        for path in pages:
            response = await page.goto(f"{live_server}{path}")
            # The page itself, not the sign-in page or a refusal it would lead to.
            assert response.status == 200 and response.url == f"{live_server}{path}", (username, path)
            await page.wait_for_load_state("networkidle")
            if violations := await _serious_violations(page):
                found[path] = violations
        await context.close()
    assert found == {}


def _blank_tile() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "PNG")
    return out.getvalue()


BLANK_TILE = _blank_tile()


def _tile(lat: float, lon: float, zoom: int) -> tuple[int, int, int]:
    """The slippy-map tile (zoom, x, y) that holds a point: OpenStreetMap's formula."""
    n = 2**zoom
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return zoom, x, y


async def _first_view(page, url: str, *, scroll_to: str | None = None) -> set[tuple[int, int, int]]:
    """The tiles a map asks for when it first opens at `url`: they show where it starts."""
    tiles = set()

    async def serve_tile(route):
        z, x, y = (int(part) for part in re.search(r"/(\d+)/(\d+)/(\d+)\.png$", route.request.url).groups())
        tiles.add((z, x, y))
        await route.fulfill(status=200, content_type="image/png", body=BLANK_TILE)

    await page.route("http://127.0.0.1:9/**", serve_tile)
    await page.goto(url)
    if scroll_to:  # the report form loads its map only when it comes near the screen
        await page.locator(scroll_to).scroll_into_view_if_needed()
    await page.locator(".leaflet-tile-loaded").first.wait_for()
    await page.unroute("http://127.0.0.1:9/**")
    return tiles


async def _ward_centre(code: str) -> tuple[float, float]:
    from app.platform.tables import Ward

    ward = await Ward.select(Ward.lat, Ward.lon).where(Ward.code == code).first()
    return ward["lat"], ward["lon"]


async def test_maps_open_at_the_ward_in_the_address_the_followed_ward_or_the_last_place(
    chromium, live_server, tmp_path  # noqa: F811
):
    from tests.workspace_helpers import KIEN_AN

    phu_lien, kien_an = await _ward_centre(PHU_LIEN_WARD), await _ward_centre(KIEN_AN)
    # The stored centres are where the wards are, so a map opened on them shows the right streets.
    assert math.dist(phu_lien, (PHU_LIEN["latitude"], PHU_LIEN["longitude"])) < 0.05
    assert 0.01 < math.dist(phu_lien, kien_an) < 0.2
    # Tiles fetched by the page itself, not by the service worker, so the test sees each one.
    context = await chromium.new_context(
        **PHONE, geolocation=PHU_LIEN, permissions=["geolocation"], service_workers="block"
    )
    page = await context.new_page()
    # A first visit, nothing known: the whole country.
    assert _tile(16.2, 106.5, 5) in await _first_view(page, f"{live_server}/map")
    # A ward's own page links the map and the form opened on it.
    await page.goto(f"{live_server}/wards/{KIEN_AN}")
    on_the_map = page.get_by_role("link", name="Xã, phường này trên bản đồ")
    assert await on_the_map.get_attribute("href") == f"/map?ward={KIEN_AN}"
    assert _tile(*kien_an, 14) in await _first_view(page, f"{live_server}/map?ward={KIEN_AN}")
    assert _tile(*kien_an, 14) in await _first_view(
        page, f"{live_server}/reports/new?ward={KIEN_AN}", scroll_to="#map"
    )
    # Following a ward: the report form and the map open on it.
    await page.goto(f"{live_server}/wards/{PHU_LIEN_WARD}")
    await page.get_by_role("button", name="Theo dõi xã, phường này").click()
    await page.get_by_role("button", name="Bỏ theo dõi").wait_for()
    assert _tile(*phu_lien, 14) in await _first_view(page, f"{live_server}/reports/new", scroll_to="#map")
    assert _tile(*phu_lien, 14) in await _first_view(page, f"{live_server}/map")
    # A report sent from where the resident stands: the next maps open there, closer in,
    # except when the address names a ward.
    await page.goto(f"{live_server}/reports/new")
    photo = tmp_path / "o-ga.jpg"
    photo.write_bytes(jpeg())
    await page.set_input_files("#photos", str(photo))
    await page.locator("#photo-previews li").wait_for()
    await page.get_by_label("Đường sá, cầu cống, vỉa hè").check()
    await page.fill("#description", "Ổ gà sâu giữa đường, xe máy dễ ngã")
    await page.get_by_role("button", name="Dùng vị trí hiện tại của tôi").click()
    await page.locator("#ward_code").wait_for()
    await page.get_by_role("button", name="Gửi phản ánh", exact=True).click()
    await page.wait_for_url(re.compile(r"/r/HP-\d{4}-\d{4}\?new=1$"))
    here = _tile(PHU_LIEN["latitude"], PHU_LIEN["longitude"], 16)
    assert here in await _first_view(page, f"{live_server}/map")
    assert here in await _first_view(page, f"{live_server}/reports/new", scroll_to="#map")
    assert _tile(*kien_an, 14) in await _first_view(page, f"{live_server}/map?ward={KIEN_AN}")
    await context.close()
