"""Reach over HTTP: compression, caching headers, fixed-name files, the tracking-code box,
and the JSON answer the phone's outbox relies on."""

from __future__ import annotations

import re

import pytest

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
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{10})"', home.text).group(1)
    versioned = await client.get(css)
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await client.get("/static/css/app.css?v=0000000000")).headers["cache-control"] == "no-cache"
    assert (await client.get("/static/css/app.css")).headers["cache-control"] == "no-cache"


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
