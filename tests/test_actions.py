"""Government actions: published by ward leads only, with documents, found by the public,
shown on the reports they answer, and announced to the ward's followers."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from app.platform.tables import ActionAttachment, Follow, GovernmentAction, InboxNotification, Ward
from tests.photos_for_tests import jpeg
from tests.workspace_helpers import PHU_LIEN, csrf, new_report, resident, sign_in, staff_accounts


def pdf() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(out, "PDF")
    return out.getvalue()


@pytest.fixture
async def accounts(database):
    return await staff_accounts()


async def publish(client, **fields):
    form = await client.get("/staff/actions/new")
    data = {"_csrf_token": csrf(form.text), "ward": PHU_LIEN, "kind": "plan",
            "title": "Kế hoạch nạo vét kênh Đồng Hòa", "body": "Thi công từ tháng 3.", **fields}  # fmt: skip
    files = [("attachments", ("ke-hoach.pdf", pdf(), "application/pdf")),
             ("attachments", ("ban-do.jpg", jpeg(gps=(20.79, 106.63)), "image/jpeg"))]  # fmt: skip
    return await client.post("/staff/actions/new", data=data, files=files)


async def test_a_ward_lead_publishes_and_the_public_finds_it(client, accounts):
    report = await new_report()
    follower = await resident("ward-follower")
    ward = await Ward.select(Ward.id).where(Ward.code == PHU_LIEN).first()
    await Follow.insert(Follow(person=follower, ward=ward["id"]))
    await sign_in(client, "lanhdao.phulien")
    sent = await publish(client, reports=report["code"], effective_date="2027-03-01")
    assert sent.status_code == 303
    page = await client.get(sent.headers["location"])
    assert "Kế hoạch nạo vét kênh Đồng Hòa" in page.text and "01/03/2027" in page.text
    pdf_url = re.search(r'href="(/media/docs/[0-9a-f]{64}\.pdf)"', page.text).group(1)
    served = await client.get(pdf_url)
    assert served.status_code == 200 and served.content.startswith(b"%PDF-")
    image = await ActionAttachment.select().where(ActionAttachment.kind == "image").first()
    photo = await client.get(f"/media/{image['digest'][:2]}/{image['digest']}.jpg")
    assert len(Image.open(io.BytesIO(photo.content)).getexif()) == 0
    found = await client.get("/actions", params={"q": "nạo vét", "ward": PHU_LIEN})
    assert "Kế hoạch nạo vét kênh Đồng Hòa" in found.text
    assert "Kế hoạch nạo vét" not in (await client.get("/actions", params={"q": "ngân sách"})).text
    assert "Kế hoạch nạo vét kênh Đồng Hòa" in (await client.get(f"/r/{report['code']}")).text
    assert "Kế hoạch nạo vét kênh Đồng Hòa" in (await client.get(f"/wards/{PHU_LIEN}")).text
    assert (
        await InboxNotification.count().where(
            InboxNotification.kind == "government_action", InboxNotification.person == follower
        )
        == 1
    )


async def test_officers_and_other_wards_cannot_publish(client, accounts):
    await sign_in(client, "canbo.phulien")
    assert (await client.get("/staff/actions/new")).status_code == 403
    client.cookies.clear()
    await sign_in(client, "lanhdao.phulien")
    other = await publish(client, ward="11443")
    assert other.status_code == 403
    assert await GovernmentAction.count() == 0


async def test_bad_publications_are_refused_with_a_reason(client, accounts):
    kien_an_report = await new_report("11443")
    await sign_in(client, "lanhdao.phulien")
    short = await publish(client, title="Kế")
    assert short.status_code == 400 and "5 đến 300" in short.text
    foreign = await publish(client, reports=kien_an_report["code"])
    assert foreign.status_code == 400
    form = await client.get("/staff/actions/new")
    bad_file = await client.post(
        "/staff/actions/new",
        data={
            "_csrf_token": csrf(form.text),
            "ward": PHU_LIEN,
            "kind": "notice",
            "title": "Thông báo lịch cắt điện",
        },
        files=[("attachments", ("virus.exe", b"MZ\x90\x00", "application/octet-stream"))],
    )
    assert bad_file.status_code == 400 and "virus.exe" in bad_file.text
    # A consultation's synthesis is published by closing the consultation, never from this form.
    assert 'value="synthesis"' not in form.text
    fake = await publish(client, kind="synthesis")
    assert fake.status_code == 400
    assert await GovernmentAction.count() == 0


async def test_residents_follow_a_ward_and_hear_of_its_actions(client, accounts):
    page = await client.get(f"/wards/{PHU_LIEN}")
    assert "Theo dõi xã, phường này" in page.text
    followed = await client.post(f"/wards/{PHU_LIEN}/follow", data={"_csrf_token": csrf(page.text)})
    assert followed.status_code == 303 and await Follow.count() == 1
    assert "Bỏ theo dõi xã, phường này" in (await client.get(f"/wards/{PHU_LIEN}")).text
    resident_cookie = client.cookies.get("gd_device")
    await sign_in(client, "lanhdao.phulien")
    assert (await publish(client)).status_code == 303
    client.cookies.clear()  # back to the resident's browser, signed out
    client.cookies.set("gd_device", resident_cookie)
    assert "Kế hoạch nạo vét kênh Đồng Hòa" in (await client.get("/me/")).text
