"""Resident reporting end to end through HTTP: the API, the no-JS form, photos, idempotency,
duplicates, and that no public response carries the reporter's contact data."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from PIL import Image

from app.platform.tables import Follow, Photo, Report, ReportEvent, Support, Ward
from tests.photos_for_tests import bomb, encoded, jpeg

PHU_LIEN = (20.7916, 106.636)
PRIVATE = {"name": "Nguyễn Thị Riêng Tư", "phone": "0987 654 321", "email": "rieng.tu@example.vn"}


def media_files(settings) -> list:
    return [p for p in settings.media_dir.rglob("*") if p.is_file()] if settings.media_dir.exists() else []


async def post_report(client, *, photos=None, key=None, **fields):
    photos = photos if photos is not None else [("a.jpg", jpeg())]
    data = {"category": "roads", "description": "Ổ gà sâu trước cổng chợ, rất nguy hiểm",
            "lat": str(PHU_LIEN[0]), "lon": str(PHU_LIEN[1]), **fields}  # fmt: skip
    data = {k: v for k, v in data.items() if v is not None}
    files = [("photos", (name, content, "application/octet-stream")) for name, content in photos]
    headers = {"Idempotency-Key": key} if key else {}
    return await client.post("/api/v1/reports", data=data, files=files, headers=headers)


async def test_api_creates_a_routed_report_with_deadline_and_receipt(client, categories, settings):
    response = await post_report(client, key="first-try", **PRIVATE)
    assert response.status_code == 201, response.text
    body = response.json()
    assert re.fullmatch(r"HP-\d{4}-\d{4}", body["code"])
    assert body["status"] == "received"
    assert body["ward"] == {"code": "11446", "name": "Phường Phù Liễn"}
    assert body["url"].endswith(f"/r/{body['code']}")
    public = (await client.get(f"/api/v1/reports/{body['code']}")).json()
    assert public["photos"] and public["photos"][0]["thumbnail_url"].startswith("/media/")
    assert public["timeline"][0]["kind"] == "created"
    for photo in public["photos"]:
        for url in (photo["url"], photo["thumbnail_url"]):
            served = await client.get(url)
            assert served.status_code == 200
            assert len(Image.open(io.BytesIO(served.content)).getexif()) == 0
            assert b"Exif" not in served.content and b"PhoneMaker" not in served.content


async def test_exif_gps_places_the_report_then_is_gone_from_the_stored_files(client, categories, settings):
    kien_an = await Ward.select(Ward.lat, Ward.lon).where(Ward.code == "11443").first()
    photo = jpeg(gps=(kien_an["lat"], kien_an["lon"]), orientation=6)
    response = await post_report(client, photos=[("gps.jpg", photo)], lat=None, lon=None)
    assert response.status_code == 201, response.text
    assert response.json()["ward"]["code"] == "11443"
    report = await Report.select(Report.lat, Report.location_source).first()
    assert report["location_source"] == "exif"
    assert report["lat"] == pytest.approx(kien_an["lat"], abs=1e-5)
    stored = media_files(settings)
    assert len(stored) == 2  # display and thumbnail
    for path in stored:
        data = path.read_bytes()
        image = Image.open(path)
        assert len(image.getexif()) == 0 and image.info.get("exif") is None
        assert b"PhoneMaker" not in data and b"GPS" not in data
    display = Image.open(next(p for p in stored if not p.name.endswith(".thumb.jpg")))
    # Orientation 6 (rotate 90°) was applied: the 1200×900 photo now stands upright.
    assert display.height > display.width


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
async def test_png_webp_and_heic_are_accepted(client, categories, fmt):
    response = await post_report(client, photos=[("photo.bin", encoded(fmt))])
    assert response.status_code == 201, response.text


def _truncated() -> bytes:
    return jpeg()[:2000]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bomb.png", bomb(), "too large to be a photo"),
        ("cut.jpg", _truncated(), "not a photo we can read"),
        ("anim.gif", encoded("GIF"), "not a photo we can read"),
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not a photo we can read",
        ),
        ("notes.jpg", "Đây là một tệp văn bản, không phải ảnh.".encode(), "not a photo we can read"),
        ("huge.jpg", b"\xff\xd8\xff" + b"\0" * (30 * 1024 * 1024), "larger than 20 MB"),
    ],
)
async def test_hostile_uploads_are_refused_and_nothing_is_stored(
    client, categories, settings, name, content, message
):
    client.headers["Accept-Language"] = "en"
    response = await post_report(client, photos=[("ok.jpg", jpeg()), (name, content)])
    assert 400 <= response.status_code < 500
    assert message in response.json()["detail"]
    assert await Report.count() == 0 and await Photo.count() == 0
    assert media_files(settings) == []


async def test_concurrent_retries_with_one_key_give_one_report(client, categories):
    responses = await asyncio.gather(*[post_report(client, key="flaky-network") for _ in range(6)])
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    codes = {r.json()["code"] for r in responses}
    assert len(codes) == 1
    assert {r.status_code for r in responses} <= {200, 201}
    assert sum(r.status_code == 201 for r in responses) == 1
    assert await Report.count() == 1
    assert await ReportEvent.count() == 1


async def test_old_address_routes_the_report_without_network(client, categories, no_network):
    response = await post_report(
        client, lat=None, lon=None, address="Thôn 3, xã An Tiến, huyện An Lão (cũ), Hải Phòng"
    )
    assert response.status_code == 201, response.text
    assert response.json()["ward"]["code"] == "11629"
    row = await Report.select(Report.location_source, Report.address).first()
    assert row["location_source"] == "address" and "An Tiến" in row["address"]
    public = (await client.get(f"/api/v1/reports/{response.json()['code']}")).text
    assert "Thôn 3" not in public  # a typed address may be a home: never public


async def test_missing_location_and_bad_fields_get_messages_per_field(client, categories):
    client.headers["Accept-Language"] = "vi"
    response = await post_report(client, lat=None, lon=None, category="nope", phone="12",
                                 description="x")  # fmt: skip
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"category", "phone", "description"}
    assert errors["phone"].startswith("Số điện thoại")
    no_place = await post_report(client, lat=None, lon=None)
    assert "errors" in no_place.json() and "location" in no_place.json()["errors"]
    laos = await post_report(client, lat="17.97", lon="102.63")
    assert laos.status_code == 422 and "location" in laos.json()["errors"]


async def test_nearby_open_reports_are_suggested_and_me_too_counts_once(client, categories, settings):
    first = (await post_report(client)).json()["code"]
    close = await client.get(
        "/reports/nearby", params={"lat": PHU_LIEN[0] + 0.0005, "lon": PHU_LIEN[1], "category": "roads"}
    )  # ~55 m
    assert first in close.text
    far = await client.get(
        "/reports/nearby", params={"lat": PHU_LIEN[0] + 0.002, "lon": PHU_LIEN[1], "category": "roads"}
    )  # ~220 m
    other_kind = await client.get("/reports/nearby", params={
        "lat": PHU_LIEN[0], "lon": PHU_LIEN[1], "category": "lighting"})  # fmt: skip
    assert first not in far.text and first not in other_kind.text

    page = await client.get(f"/r/{first}")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    for _ in range(2):
        supported = await client.post(f"/r/{first}/support", data={"_csrf_token": token})
        assert supported.status_code == 303
    assert (await Report.select(Report.support_count).first())["support_count"] == 1
    assert await Support.count() == 1 and await Follow.count() == 1
    assert "1 người có cùng vấn đề" in (await client.get(f"/r/{first}")).text


async def test_the_form_works_without_javascript(client, categories, settings):
    form = await client.get("/reports/new")
    assert form.status_code == 200
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text).group(1)
    fields = {"_csrf_token": token, "idempotency_key": key, "category": "lighting",
              "description": "Đèn đường tắt cả tuần", "address": "phường Phù Liễn, Hải Phòng",
              "phone": PRIVATE["phone"]}  # fmt: skip
    files = [("photos", ("den.jpg", jpeg(), "image/jpeg"))]
    sent = await client.post("/reports/new", data=fields, files=files)
    assert sent.status_code == 303
    receipt = await client.get(sent.headers["location"])
    code = re.search(r"HP-\d{4}-\d{4}", receipt.text).group(0)
    assert "Mã theo dõi" in receipt.text and f"/r/{code}/qr.svg" in receipt.text
    assert "Bỏ theo dõi" in receipt.text  # the reporter follows their own report
    qr = await client.get(f"/r/{code}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
    again = await client.post("/reports/new", data=fields, files=files)  # a double tap
    assert again.headers["location"].startswith(f"/r/{code}") and await Report.count() == 1


async def test_the_form_keeps_what_was_typed_when_sent_back(client, categories):
    form = await client.get("/reports/new")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    sent = await client.post("/reports/new", data={
        "_csrf_token": token, "category": "waste", "description": "Rác ở đầu ngõ 5",
        "address": "không rõ ở đâu"})  # fmt: skip
    assert sent.status_code == 400
    assert "Rác ở đầu ngõ 5" in sent.text and 'value="waste" required\n        checked' in sent.text
    assert "không rõ ở đâu" in sent.text


async def test_state_changing_form_posts_need_the_csrf_token(client, categories):
    assert (await client.post("/reports/new", data={"category": "roads"})).status_code == 403
    code = (await post_report(client)).json()["code"]
    assert (await client.post(f"/r/{code}/follow")).status_code == 403
    assert (await client.post(f"/r/{code}/support")).status_code == 403


async def test_no_public_response_carries_the_reporters_contact_data(client, categories):
    created = await post_report(client, **PRIVATE)
    code = created.json()["code"]
    hidden = await post_report(client, key="second", show_name="0", **PRIVATE)
    shown = await post_report(client, key="third", show_name="1", **PRIVATE)
    responses = [created, hidden, shown]
    for path in ("/", f"/r/{code}", f"/api/v1/reports/{code}", "/api/v1/reports",
                 "/api/v1/reports?bbox=106,20,107,21", f"/r/{code}/qr.svg", "/reports/new",
                 f"/reports/nearby?lat={PHU_LIEN[0]}&lon={PHU_LIEN[1]}&category=roads",
                 "/api/v1/categories", "/schema/openapi.json"):  # fmt: skip
        responses.append(await client.get(path))
    digits = re.sub(r"\D", "", PRIVATE["phone"])
    for response in responses:
        text = response.text
        assert digits not in re.sub(r"\D", "", text), response.request.url
        assert PRIVATE["email"] not in text, response.request.url
    for r in (created, hidden):
        public = (await client.get(f"/api/v1/reports/{r.json()['code']}")).text
        assert PRIVATE["name"] not in public
    assert PRIVATE["name"] in (await client.get(f"/r/{shown.json()['code']}")).text


async def test_malformed_api_fields_are_named_in_a_400(client, categories):
    response = await post_report(client, lat="abc")
    assert response.status_code == 400
    assert any(e["key"] == "lat" for e in response.json()["errors"])
    schema = (await client.get("/schema/openapi.json")).json()
    body = schema["paths"]["/api/v1/reports"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in body
