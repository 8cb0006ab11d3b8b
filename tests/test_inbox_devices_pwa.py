"""The resident's side of notifications: /me/ with its inbox and settings, device
registration for push, and the installable app's files."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.platform.tables import Device, Outbox, Person
from notifications import notify
from tests.workspace_helpers import csrf, new_report, sign_in, staff_accounts

VENDOR = Path(__file__).resolve().parent.parent / "pwa" / "static" / "vendor"


async def _resident_with_cookie(client) -> int:
    """A browser that has become a resident by following a report."""
    report = await new_report()
    page = await client.get(f"/r/{report['code']}")
    await client.post(f"/r/{report['code']}/follow", data={"_csrf_token": csrf(page.text)})
    token = client.cookies.get("gd_device")
    return (await Person.select(Person.id).where(Person.device_identity == token).first())["id"]


async def test_inbox_badge_read_and_language(client, categories):
    person = await _resident_with_cookie(client)
    assert (await client.get("/me/badge")).text == "<span></span>"
    await notify.tell([person], "reply", None, text="Đã vá ổ gà")
    badge = await client.get("/me/badge")
    assert '<span class="unread"' in badge.text and ">1<" in badge.text
    page = await client.get("/me/")
    assert "Đã vá ổ gà" in page.text and "Xã, phường đã trả lời" in page.text
    assert "Phone notifications are not set up" not in page.text  # Vietnamese first
    assert "chưa thiết lập thông báo trên điện thoại" in page.text
    await client.post("/me/read", data={"_csrf_token": csrf(page.text)})
    assert (await client.get("/me/badge")).text == "<span></span>"
    english = await client.get("/me/?lang=en")
    assert "The ward replied about" in english.text


async def test_preferences_are_saved_and_govern_pushes(client, categories):
    person = await _resident_with_cookie(client)
    await Device.insert(Device(person=person, fid="fid-for-prefs", platform="web"))
    page = await client.get("/me/")
    saved = await client.post("/me/preferences", data={"_csrf_token": csrf(page.text), "push": "on",
                                                       "report_updates": "on", "language": "en"})  # fmt: skip
    assert saved.status_code == 303
    row = await Person.select(Person.preferences, Person.language).where(Person.id == person).first()
    assert json.loads(row["preferences"])["ward_news"] is False and row["language"] == "en"
    await notify.tell([person], "government_action", None, title="x")
    await notify.tell([person], "reply", None, text="x")
    assert [r["kind"] for r in await Outbox.select(Outbox.kind)] == ["reply"]


async def test_device_registration_and_unregistration(client, categories):
    created = await client.post("/api/v1/devices", json={"fid": "cFid-1234567890", "platform": "android"})
    assert created.status_code == 201 and client.cookies.get("gd_device")
    again = await client.post("/api/v1/devices", json={"fid": "cFid-1234567890", "platform": "android"})
    assert again.status_code == 201 and await Device.count() == 1
    assert (await client.post("/api/v1/devices", json={"fid": "x", "platform": "web"})).status_code == 400
    assert (
        await client.post("/api/v1/devices", json={"fid": "cFid-0987654321", "platform": "tv"})
    ).status_code == 400
    other = client.cookies.get("gd_device")
    client.cookies.delete("gd_device")  # another browser cannot remove this device
    assert (await client.delete("/api/v1/devices/cFid-1234567890")).status_code == 204
    assert await Device.count() == 1
    client.cookies.set("gd_device", other)
    assert (await client.delete("/api/v1/devices/cFid-1234567890")).status_code == 204
    assert await Device.count() == 0


async def test_manifest_service_worker_and_self_hosted_firebase(client, client_with):
    manifest = (await client.get("/manifest.webmanifest")).json()
    assert manifest["start_url"].startswith("/") and {i["sizes"] for i in manifest["icons"]} == {
        "192x192",
        "512x512",
    }
    for icon in manifest["icons"]:
        assert (await client.get(icon["src"])).status_code == 200
    plain = await client.get("/sw.js")
    assert plain.headers["service-worker-allowed"] == "/" and "const FIREBASE = null" in plain.text
    # Without push, the worker imports only our own outbox module, never the Firebase SDK.
    assert re.findall(r'^import .* from "([^"]+)";$', plain.text, re.M) == ["/static/js/outbox.js"]
    web = {
        "apiKey": "k",
        "projectId": "gandan-test",
        "appId": "1:2:web:3",
        "messagingSenderId": "2",
        "vapidKey": "V",
    }
    async with client_with(firebase_web_config=web) as configured:
        with_push = (await configured.get("/sw.js")).text
    assert '"projectId": "gandan-test"' in with_push and '"vapidKey"' not in with_push
    imported = re.findall(r'from "(/static/vendor/[^"]+)"', with_push)
    assert imported
    for path in imported:
        assert (await client.get(path)).status_code == 200, path
    for path in (VENDOR / "firebase-13.2.0").glob("*.js"):
        text = path.read_text()
        assert "gstatic.com" not in text and "https://www.gstatic" not in text, path.name
        for module in re.findall(r'from\s*"(\./[^"]+)"', text):
            assert (path.parent / module[2:]).exists(), (path.name, module)


async def test_only_admins_see_the_delivery_queue(client, categories):
    await staff_accounts()
    await sign_in(client, "canbo.phulien")
    assert (await client.get("/staff/outbox")).status_code == 403
    client.cookies.clear()
    await sign_in(client, "admin")
    page = await client.get("/staff/outbox")
    assert page.status_code == 200 and "pending" in page.text
