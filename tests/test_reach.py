"""Reach over HTTP: compression, caching headers, fixed-name files, the tracking-code box,
and the JSON answer the phone's outbox relies on."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from app.platform.assets import STATIC
from app.platform.settings import PROJECT_ROOT
from app.reporting.codes import normalise_code
from tests.photos_for_tests import jpeg


@pytest.mark.parametrize(("typed", "printed"), [
    ("HP-2611-0042", "HP-2611-0042"),
    ("hp-2611-0042", "HP-2611-0042"),
    ("hp26110042", "HP-2611-0042"),
    (" hp 2611 42 ", "HP-2611-0042"),
    ("HN-2701-12345", "HN-2701-12345"),
    ("2611-0042", None),
    ("hello", None),
    ("", None),
])  # fmt: skip
def test_tracking_codes_are_read_as_people_copy_them(typed, printed):
    assert normalise_code(typed) == printed


async def test_the_tracking_box_leads_to_the_receipt(client):
    answer = await client.get("/track", params={"code": "hp26110042"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/r/HP-2611-0042"
    refused = await client.get("/track", params={"code": "xyz"}, headers={"accept": "text/html"})
    assert refused.status_code == 400 and "HP-2611-0042" in refused.text


async def test_text_is_compressed_and_hashed_files_are_kept_a_year(client):
    home = await client.get("/", headers={"accept-encoding": "br, gzip"})
    assert home.headers["content-encoding"] == "br"
    gzipped = await client.get("/", headers={"accept-encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    css = re.search(r'href="(/static/css/app\.([0-9a-f]{10})\.css)"', home.text)
    # The name's digits are the content's own SHA-256, recomputed here, not read from the app.
    assert css.group(2) == hashlib.sha256((STATIC / "css" / "app.css").read_bytes()).hexdigest()[:10]
    hashed = await client.get(css.group(1))
    assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed.headers["content-type"].startswith("text/css")
    plain = await client.get("/static/css/app.css")
    assert plain.headers["cache-control"] == "no-cache" and plain.content == hashed.content
    # A page kept from an earlier release still gets its styles, though not for a year.
    earlier = await client.get("/static/css/app.0000000000.css")
    assert earlier.status_code == 200 and earlier.headers["cache-control"] == "no-cache"
    assert (await client.head(css.group(1))).headers["cache-control"] == "public, max-age=31536000, immutable"
    for missing in ("/static/css/nothing.css", "/static/../app/main.py", "/static/%2e%2e/app/main.py"):
        assert (await client.get(missing)).status_code == 404, missing


async def test_the_service_worker_keeps_static_files_under_their_contents_names(client):
    worker = (await client.get("/sw.js")).text
    assert re.search(r'^const VERSION = "[0-9a-f]{12}";$', worker, re.M)
    shell = json.loads(re.search(r"^const SHELL = (\[.*\]);$", worker, re.M).group(1))
    hashed = [re.fullmatch(r"/static/(.+)\.([0-9a-f]{10})(\.\w+)", url) for url in shell]
    assert sum(1 for name in hashed if name) >= 5
    for url, name in zip(shell, hashed, strict=True):
        answer = await client.get(url)
        assert answer.status_code == 200, url
        if name:
            content = (STATIC / (name[1] + name[3])).read_bytes()
            assert name[2] == hashlib.sha256(content).hexdigest()[:10] and answer.content == content
            assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        else:  # a module other modules import by its plain name: it must be one of those
            scripts = [path.read_text(encoding="utf-8") for path in (STATIC / "js").glob("*.js")]
            assert any(f'"{url}"' in script for script in scripts), url


# Templates name static files through asset(); a raw "/static/..." would be a name without
# its content's hash, which no cache can keep for long and the service worker keys wrongly.
RAW_STATIC = re.compile(r"""["'(]/static/""")


def test_no_template_names_a_static_file_without_its_hash():
    templates = [path for path in PROJECT_ROOT.rglob("templates/**/*.html") if ".venv" not in path.parts]
    assert len(templates) > 20  # the scan sees the templates of every capability
    raw = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in templates
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if RAW_STATIC.search(line)
    ]
    assert raw == []


def test_scripts_name_static_files_only_to_import_modules():
    """An ES module must have one address (two would run it twice), so modules import each
    other by plain name; any other static file a script names would miss its hash."""
    scripts = [*(STATIC / "js").glob("*.js"), PROJECT_ROOT / "pwa" / "sw.js"]
    for script in scripts:
        for line in script.read_text(encoding="utf-8").splitlines():
            if re.search(r"""["']/static/[\w./-]+\.\w+["']""", line):
                imports = re.search(r"""(^import .* from |import\()"/static/""", line.strip())
                assert imports, f"{script.name}: {line}"


async def test_files_browsers_ask_for_by_name(client):
    robots = await client.get("/robots.txt")
    assert robots.status_code == 200 and "Disallow: /staff/" in robots.text
    for path, kind in (("/favicon.ico", b"\x00\x00\x01\x00"), ("/apple-touch-icon.png", b"\x89PNG")):
        answer = await client.get(path)
        assert answer.status_code == 200 and answer.content.startswith(kind), path
    offline = await client.get("/offline")
    assert offline.status_code == 200 and 'href="/reports/new"' in offline.text
    home = await client.get("/")
    assert re.search(r'<meta name="description" content="[^"]{40,}">', home.text)


async def test_the_outbox_gets_json_errors_and_the_code(client, categories):
    form = await client.get("/reports/new")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    headers = {"accept": "application/json", "x-csrftoken": token, "idempotency-key": "outbox-test-1"}
    refused = await client.post("/reports/new", headers=headers, data={"category": "roads"})
    assert refused.status_code == 400
    assert {"photos", "description"} <= set(refused.json()["errors"])
    fields = {"category": "roads", "description": "Ổ gà sâu giữa đường",
              "photo_lat": "20.7916", "photo_lon": "106.636"}  # fmt: skip
    files = {"photos": ("o-ga.jpg", jpeg(), "image/jpeg")}  # shrunk on the phone: no GPS tags left
    first = await client.post("/reports/new", headers=headers, data=fields, files=files)
    again = await client.post("/reports/new", headers=headers, data=fields, files=files)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["code"] == again.json()["code"]
    assert first.json()["url"] == f"/r/{first.json()['code']}?new=1"
    receipt = await client.get(f"/r/{first.json()['code']}")
    assert "Phường Phù Liễn" in receipt.text


async def test_without_javascript_a_refused_form_keeps_its_photos_and_names_every_problem(client, categories):
    from app.platform.tables import Photo, Report

    form = await client.get("/reports/new")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    page = {"accept": "text/html"}
    fields = {"_csrf_token": token, "category": "roads", "lat": "200", "lon": "106.636",
              "idempotency_key": "no-js-1"}  # fmt: skip
    refused = await client.post("/reports/new", headers=page, data=fields,
                                files={"photos": ("o-ga.jpg", jpeg(), "image/jpeg")})  # fmt: skip
    assert refused.status_code == 400
    # Both problems at once: the coordinates and the missing description.
    assert 'id="location-error" >' in refused.text and 'id="description-error" >' in refused.text
    drafts = re.findall(r'name="photo_draft" value="([^"]+)" checked', refused.text)
    assert len(drafts) == 1
    fixed = {**fields, "lat": "20.7916", "description": "Ổ gà sâu giữa đường", "photo_draft": drafts}
    sent = await client.post("/reports/new", headers=page, data=fixed, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    report = await Report.select(Report.id).where(Report.idempotency_key == "no-js-1").first()
    assert await Photo.count().where(Photo.report == report["id"]) == 1


def test_ward_names_sort_in_vietnamese_alphabetical_order():
    from app.platform.i18n import vietnamese_sort_key

    # The order of a Vietnamese dictionary, written out by hand.
    expected = ["An Biên", "Ân Thi", "Bình An", "Dư Hàng", "Đằng Giang", "Đông Hải", "Hạ Lý",
                "Ô Môn", "Ơn Hòa", "Uông Bí", "Ưng Hòe", "Yên Hưng"]  # fmt: skip
    assert sorted(reversed(expected), key=vietnamese_sort_key) == expected
    # Tones only break ties between the same letters: ma, mà, mả, mã, má, mạ.
    tones = ["ma", "mà", "mả", "mã", "má", "mạ"]
    assert sorted(reversed(tones), key=vietnamese_sort_key) == tones


def test_numbers_are_written_as_the_reader_writes_them():
    from app.platform.i18n import current_language, number

    token = current_language.set("vi")
    try:
        assert (number(4.5), number(1234.5, 1), number(0.873, 2)) == ("4,5", "1.234,5", "0,87")
    finally:
        current_language.reset(token)
    token = current_language.set("en")
    try:
        assert (number(4.5), number(1234.5, 1)) == ("4.5", "1,234.5")
    finally:
        current_language.reset(token)


async def test_a_province_lists_active_wards_first_and_folds_the_quiet_ones(demo_data, client):
    page = (await client.get("/provinces/31")).text
    table, folded = page.split('<details class="card quiet-wards">')
    assert "Phường Phù Liễn" in table and "Phường Phù Liễn" not in folded
    quiet = re.findall(r'<li><a href="/wards/\d+">([^<]+)</a></li>', folded)
    assert len(quiet) > 50
    from app.platform.i18n import vietnamese_sort_key

    assert quiet == sorted(quiet, key=vietnamese_sort_key)


async def test_a_ward_named_in_a_map_address_is_checked(client):
    for path in ("/map", "/reports/new"):
        unknown = await client.get(path, params={"ward": "99999"})
        assert unknown.status_code == 200 and 'data-start-from="country"' in unknown.text
        absurd = await client.get(path, params={"ward": "1" * 200}, headers={"accept": "text/html"})
        assert absurd.status_code == 400, path


async def test_a_clerks_refused_form_keeps_the_callers_photos(client, categories):
    from app.platform.tables import Photo, Report
    from tests.workspace_helpers import csrf, sign_in, staff_accounts

    await staff_accounts()
    await sign_in(client, "clerk.phulien")
    form = await client.get("/staff/file")
    fields = {"_csrf_token": csrf(form.text), "channel": "counter", "category": "roads",
              "address": "phường Phù Liễn, Hải Phòng", "idempotency_key": "clerk-drafts-1"}  # fmt: skip
    refused = await client.post("/staff/file", data=fields, files=[
        ("photos", ("truoc.jpg", jpeg(), "image/jpeg")),
        ("photos", ("sau.jpg", jpeg(size=(800, 600)), "image/jpeg")),
    ])  # fmt: skip
    assert refused.status_code == 400 and 'id="description-error" >' in refused.text
    drafts = re.findall(r'name="photo_draft" value="([^"]+)" checked', refused.text)
    assert len(drafts) == 2 and len(set(drafts)) == 2
    # The clerk unticks one photo and adds the description: the report has the other one only.
    fixed = {**fields, "description": "Bà Lan mang ảnh đến: ổ gà trước cổng chợ", "photo_draft": drafts[:1]}
    sent = await client.post("/staff/file", data=fixed, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    report = await Report.select(Report.id, Report.channel).where(Report.idempotency_key == "clerk-drafts-1")
    report = report[0]
    assert report["channel"] == "counter"
    assert await Photo.count().where(Photo.report == report["id"]) == 1
