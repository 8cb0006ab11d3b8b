"""Moderation of what residents publish in reports: anyone flags a description or a photo, the
N-th different person's flag withholds it pending a moderator; the ward lead redacts the text
or hides a photo with a public note, and restores either. Every public surface — the page, the
API, Open311 JSON and XML, feeds, the nearby list, the media address — honours it; staff still
see the original. Expected texts and counts are written out by hand."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from app.platform.photos import MediaStore, process_photo
from app.platform.tables import Category, Person, Report, ReportEvent, Ward
from app.reporting.projection import Projection
from app.reporting.reports import NewReport, create_report, rebuilt
from tests.photos_for_tests import jpeg
from tests.workspace_helpers import PHU_LIEN, csrf, sign_in, staff_accounts

ORIGINAL = "Xe biển số 15C-999.88 đỗ chắn lối thoát hiểm, chủ xe là ông Khải số nhà 12"
SENSITIVE = ["15C-999.88", "ông Khải"]
REDACTED = "Xe đỗ chắn lối thoát hiểm"
REASON = "Bỏ biển số xe và tên người khỏi nội dung công khai"


@pytest.fixture
async def accounts(database, fixed_clock):
    return await staff_accounts()


async def _report(settings) -> dict:
    """A report in Phù Liễn with two real photos in the media store."""
    ward = await Ward.select(Ward.id, Ward.lat, Ward.lon).where(Ward.code == PHU_LIEN).first()
    category = await Category.select(Category.id).where(Category.code == "roads").first()
    photos = [process_photo(jpeg(size=(800 + 10 * n, 600))) for n in range(2)]
    for photo in photos:
        MediaStore(settings.media_dir).save(photo)
    return await create_report(NewReport(
        ward_id=ward["id"], category_id=category["id"], description=ORIGINAL, lat=ward["lat"],
        lon=ward["lon"], reporter_phone="0912000111", photos=photos,
    ))  # fmt: skip


def _media(digest: str, thumb: bool = False) -> str:
    return f"/media/{digest[:2]}/{digest}{'.thumb' if thumb else ''}.jpg"


async def _digests(report_id: int) -> list[str]:
    from app.platform.tables import Photo

    return [p["digest"] for p in await Photo.select(Photo.digest).where(Photo.report == report_id)
            .order_by(Photo.position)]  # fmt: skip


async def _flag(client, code: str, device: str, photo: str = ""):
    client.cookies.clear()
    client.cookies.set("gd_device", device)
    token = csrf((await client.get(f"/r/{code}")).text)
    return await client.post(
        f"/r/{code}/flag", data={"_csrf_token": token, "reason": "personal", "photo": photo}
    )


async def _act(client, code: str, action: str, **fields):
    page = await client.get(f"/staff/reports/{code}")
    return await client.post(f"/staff/reports/{code}/act",
                             data={"_csrf_token": csrf(page.text), "action": action, **fields})  # fmt: skip


async def _row(report_id: int) -> dict:
    return await Report.select().where(Report.id == report_id).first()


async def test_flags_withhold_at_exactly_n_and_the_moderator_restores(accounts, database, client):
    report = await _report(database)
    code = report["code"]
    first, second = await _digests(report["id"])
    for device in ("m1", "m2", "m3", "m4"):
        await Person.insert(Person(device_identity=device))
    # m2 twice: one person counts once. The third different person withholds the text.
    for n, device in enumerate(["m1", "m2", "m2", "m3"]):
        assert (await _flag(client, code, device)).status_code == 303
        assert (await _row(report["id"]))["description_state"] == ("pending" if n == 3 else "visible"), n
    client.cookies.clear()
    page = (await client.get(f"/r/{code}")).text
    assert ORIGINAL not in page and "chờ người kiểm duyệt xem xét" in page
    api = (await client.get(f"/api/v1/reports/{code}")).json()
    assert api["description"] == "" and api["description_moderation"] == "pending"
    assert [e["kind"] for e in api["timeline"]] == ["created", "text_pending"]
    # The first photo, flagged by three people: gone from the page and the media address.
    for device in ("m1", "m2", "m3"):
        await _flag(client, code, device, photo=first)
    client.cookies.clear()
    assert (await client.get(_media(first))).status_code == 410
    assert (await client.get(_media(first, thumb=True))).status_code == 410
    assert (await client.get(_media(second))).status_code == 200
    assert [p["url"] for p in (await client.get(f"/api/v1/reports/{code}")).json()["photos"]] == [
        _media(second)
    ]
    # An officer may not moderate; the ward lead may.
    await sign_in(client, "canbo.phulien")
    assert 'id="moderate"' not in (await client.get(f"/staff/reports/{code}")).text
    assert (await _act(client, code, "restore_text", public_text=REASON)).status_code == 403
    client.cookies.clear()
    await sign_in(client, "lanhdao.phulien")
    case = (await client.get(f"/staff/reports/{code}")).text
    assert ORIGINAL in case and "Dữ liệu cá nhân (khuôn mặt, biển số xe, số điện thoại): 3" in case
    assert (await _act(client, code, "restore_text", public_text="Ngắn")).status_code == 303
    assert (
        await _act(client, code, "restore_photo", public_text="Ảnh không lộ thông tin ai", photo=first)
    ).status_code == 303
    client.cookies.clear()
    page = (await client.get(f"/r/{code}")).text
    assert ORIGINAL in page and "Ảnh không lộ thông tin ai" in page
    assert (await client.get(_media(first))).status_code == 200
    # Restored by a moderator: more flags do not withhold it again.
    await _flag(client, code, "m4")
    assert (await _row(report["id"]))["description_state"] == "restored"
    assert await rebuilt(report["id"]) == Projection.of_row(await _row(report["id"]))


async def test_a_moderator_reason_is_required_and_the_redaction_must_remove_something(
    accounts, database, client
):
    report = await _report(database)
    await sign_in(client, "lanhdao.phulien")
    short = await _act(client, report["code"], "redact", redacted_text=REDACTED, public_text="ok")
    assert short.status_code == 400 and "3 đến 300 ký tự" in short.text
    same = await _act(client, report["code"], "redact", redacted_text=ORIGINAL, public_text=REASON)
    assert same.status_code == 400
    unknown = await _act(client, report["code"], "hide_photo", photo="f" * 64, public_text=REASON)
    assert unknown.status_code == 400
    assert await ReportEvent.count().where(ReportEvent.report == report["id"]) == 1  # only `created`


async def test_redacted_text_and_hidden_photo_are_gone_from_every_public_surface(accounts, database, client):
    report = await _report(database)
    code = report["code"]
    first, second = await _digests(report["id"])
    await sign_in(client, "lanhdao.phulien")
    assert (await _act(client, code, "redact", redacted_text=REDACTED, public_text=REASON)).status_code == 303
    assert (
        await _act(client, code, "hide_photo", photo=first, public_text="Ảnh có biển số xe")
    ).status_code == 303
    # Staff still see the original and the hidden photo, at an address nobody caches.
    case = (await client.get(f"/staff/reports/{code}")).text
    assert ORIGINAL in case and f"/staff/reports/{code}/photos/{first}" in case
    staff_photo = await client.get(f"/staff/reports/{code}/photos/{first}")
    assert staff_photo.status_code == 200 and staff_photo.headers["content-type"] == "image/jpeg"
    assert "no-store" in staff_photo.headers["cache-control"]
    client.cookies.clear()
    assert (
        await client.get(f"/staff/reports/{code}/photos/{first}", follow_redirects=False)
    ).status_code != 200
    assert (await client.get(_media(first))).status_code == 410
    # The public reads the redacted text and the reasons; nowhere the original or the photo.
    page = (await client.get(f"/r/{code}")).text
    assert REDACTED in page and REASON in page and "Ảnh có biển số xe" in page
    ward = await Ward.select(Ward.lat, Ward.lon).where(Ward.code == PHU_LIEN).first()
    surfaces = [
        f"/r/{code}", f"/api/v1/reports/{code}", f"/api/v1/reports?ward={PHU_LIEN}", "/",
        f"/wards/{PHU_LIEN}", "/open311/v2/requests.json", "/open311/v2/requests.xml",
        f"/open311/v2/requests/{code}.json", f"/open311/v2/requests/{code}.xml",
        f"/wards/{PHU_LIEN}/feed.atom", "/categories/roads/feed.atom",
        f"/reports/nearby?category=roads&lat={ward['lat']}&lon={ward['lon']}",
        "/export/reports.csv", "/export/reports.geojson",
    ]  # fmt: skip
    for path in surfaces:
        response = await client.get(path)
        assert response.status_code == 200, path
        assert not any(part in response.text for part in SENSITIVE), path
        assert first not in response.text, path
    requests = (await client.get(f"/open311/v2/requests/{code}.json")).json()
    assert requests[0]["description"] == REDACTED and requests[0]["media_url"].endswith(_media(second))
    assert requests[0]["status_notes"] == ""  # a moderator's note is not the case's status
    xml = ET.fromstring((await client.get(f"/open311/v2/requests/{code}.xml")).content)
    assert xml.find("request/description").text == REDACTED
    feed = (await client.get(f"/wards/{PHU_LIEN}/feed.atom")).text
    assert REDACTED in feed
    # The event log holds the redacted text, never the original: no public timeline can show it.
    events = await ReportEvent.select(ReportEvent.public_text, ReportEvent.data).where(
        ReportEvent.report == report["id"]
    )
    assert not any(part in e["public_text"] + e["data"] for e in events for part in SENSITIVE)
    assert await rebuilt(report["id"]) == Projection.of_row(await _row(report["id"]))
    # Withholding it all leaves the public a note and no text.
    await sign_in(client, "lanhdao.phulien")
    assert (await _act(client, code, "redact", redacted_text="", public_text=REASON)).status_code == 303
    client.cookies.clear()
    api = (await client.get(f"/api/v1/reports/{code}")).json()
    assert api["description"] == "" and api["description_moderation"] == "withheld"
    assert "Người kiểm duyệt đã ẩn nội dung phản ánh" in (await client.get(f"/r/{code}")).text
    assert REDACTED not in json.dumps(api, ensure_ascii=False)  # nor in the earlier redaction's event
