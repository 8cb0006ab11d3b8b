"""Regressions of the hardening review (issue #14): hostile text, out-of-range input, server
errors, session files and session fixation. Each test failed on the code before the fix."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from app.demo import DEMO_PASSWORD
from app.platform.stores import make_stores
from app.platform.tables import Person, Report
from app.platform.text import TextTooLong, clean_text
from tests.test_reporting import post_report
from tests.workspace_helpers import csrf, sign_in

# Input → what is stored, written out by hand.
CLEAN_TEXT_CASES = [
    ("Ổ gà\x00 sâu", "Ổ gà sâu"),
    ("a\x01b\x1fc\x7fd\x85e", "abcde"),
    ("dòng 1\r\ndòng 2\tcột", "dòng 1 dòng 2 cột"),  # single line: tab and newline become spaces
    ("abc\u202edcba\u2066x\u2069\u200f", "abcdcbax"),
    ("Vie\u0323\u0302t", "Việt"),  # decomposed (as some keyboards send it) → NFC
    ("  \ufeff  trống  ", "trống"),
    (None, ""),
]


@pytest.mark.parametrize(("raw", "stored"), CLEAN_TEXT_CASES)
def test_clean_text_normalises_and_strips_controls(raw, stored):
    assert clean_text(raw, 100) == stored


def test_clean_text_keeps_lines_in_multiline_fields_and_bounds_the_length():
    assert clean_text("một\r\nhai\n\tba\x0b", 100, multiline=True) == "một\nhai\n\tba"
    assert clean_text("x" * 10, 10) == "x" * 10
    with pytest.raises(TextTooLong, match="10"):
        clean_text("x" * 11, 10, "note")


async def received_in_phu_lien() -> str:
    row = await Report.select(Report.code).where(
        Report.status == "received", Report.ward.code == "11446"
    ).first()
    return row["code"]


HOSTILE = "Cột điện\x00 đổ\x08 chắn \u202eđường\u2066 trước chợ\x1b[31m, rất nguy hiểm"


async def test_hostile_description_keeps_feeds_open311_and_pages_valid(client, categories):
    created = await post_report(client, description=HOSTILE)
    assert created.status_code == 201, created.text
    code = created.json()["code"]
    stored = (await Report.select(Report.description).where(Report.code == code).first())["description"]
    assert stored == "Cột điện đổ chắn đường trước chợ[31m, rất nguy hiểm"
    for path in ("/wards/11446/feed.atom", "/categories/roads/feed.atom", "/open311/v2/requests.xml"):
        response = await client.get(path)
        assert response.status_code == 200, path
        ET.fromstring(response.content)  # well-formed XML
    page = await client.get(f"/r/{code}")
    assert "\u202e" not in page.text and "\u2066" not in page.text and "\x00" not in page.text


async def test_overlong_fields_are_refused_with_the_bound_named(client, categories):
    response = await post_report(client, email="a" * 100_000 + "@example.vn")
    assert response.status_code == 422
    assert "200" in response.json()["errors"]["email"]
    assert await Report.count() == 0


async def test_overlong_staff_reply_is_a_400_and_nothing_is_recorded(client, demo_data):
    await sign_in(client, "canbo.phulien")
    code = await received_in_phu_lien()
    page = await client.get(f"/staff/reports/{code}")
    response = await client.post(f"/staff/reports/{code}/act", data={
        "_csrf_token": csrf(page.text), "action": "comment", "public_text": "x" * 1_000_000})  # fmt: skip
    assert response.status_code == 400
    assert "10000" in response.text


async def test_out_of_range_numbers_are_4xx_with_a_message(client, demo_data):
    for path in (
        "/api/v1/reports?offset=9223372036854775808",
        "/actions/99999999999999999999",
        "/actions?page=922337203685477581",
        "/reports/ward-hint?lat=inf&lon=106.6",
        "/reports/nearby?lat=nan&lon=106.6&category=roads",
    ):
        response = await client.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.json()["detail"], path
    open311 = await client.get("/open311/v2/requests.xml?start_date=0001-01-01T00:00:00%2B07:00")
    assert open311.status_code == 400
    error = ET.fromstring(open311.content).find("error")
    assert error.find("code").text == "400" and "start_date" in error.find("description").text


async def test_out_of_range_staff_inputs_are_4xx(client, demo_data):
    await sign_in(client, "lanhdao.phulien")
    code = await received_in_phu_lien()
    page = await client.get(f"/staff/reports/{code}")
    assigned = await client.post(f"/staff/reports/{code}/act", data={
        "_csrf_token": csrf(page.text), "action": "assign", "assignee": "9" * 30})  # fmt: skip
    assert assigned.status_code == 400
    bulk = await client.post("/staff/assign", data={
        "_csrf_token": csrf(page.text), "codes": code, "assignee": "9" * 30})  # fmt: skip
    assert bulk.status_code == 303
    form = await client.get("/staff/actions/new")
    published = await client.post("/staff/actions/new", data={
        "_csrf_token": csrf(form.text), "ward": "11446", "kind": "notice",
        "title": "Thông báo thử nghiệm", "body": "Nội dung", "effective_date": "0001-01-01"})  # fmt: skip
    assert published.status_code == 400
    assert "1945" in published.text


async def test_a_server_error_is_logged_with_an_id_the_person_sees(client, database, monkeypatch, caplog):
    async def broken():
        raise RuntimeError("the database fell over")

    monkeypatch.setattr("app.reporting.api.category_list", broken)
    monkeypatch.setattr("app.transparency.open311_routes.services", broken)
    with caplog.at_level(logging.ERROR, logger="gandan"):
        api = await client.get("/api/v1/categories")
        open311 = await client.get("/open311/v2/services.xml")
    assert api.status_code == 500 and open311.status_code == 500
    error_id = api.headers["x-error-id"]
    assert error_id in api.json()["detail"]
    assert "RuntimeError" not in api.text  # the cause stays in the log
    shown = ET.fromstring(open311.content).find("error/description").text
    logged = {r.getMessage(): r for r in caplog.records}
    assert any(error_id in message for message in logged)
    assert all(r.exc_info and "the database fell over" in str(r.exc_info[1]) for r in caplog.records)
    assert any(message.split()[2] in shown for message in logged)


def session_files(settings) -> list:
    folder = settings.var_dir / "sessions"
    return [p for p in folder.iterdir() if p.is_file()] if folder.exists() else []


async def test_requests_without_a_sign_in_store_no_session(client, demo_data, settings):
    before = set(session_files(settings))
    for path in ("/healthz", "/static/css/app.css", "/api/v1/categories", "/", "/map", "/login"):
        response = await client.get(path)
        assert "session=" not in response.headers.get("set-cookie", ""), path
    await client.post("/api/v1/devices", json={"fid": "f" * 20})
    assert set(session_files(settings)) == before
    await sign_in(client, "canbo.phulien")
    assert len(set(session_files(settings)) - before) == 1
    page = await client.get("/staff/")
    await client.post("/logout", data={"_csrf_token": csrf(page.text)})
    assert set(session_files(settings)) == before


async def test_sweep_removes_expired_sessions_and_keeps_live_ones(database, settings):
    store = make_stores(settings)["sessions"]
    await store.set("expired-one", b"{}", expires_in=timedelta(seconds=-1))
    await store.set("live-one", b"{}", expires_in=3600)
    done = subprocess.run([str(Path(sys.executable).parent / "gandan"), "sweep"], capture_output=True,
                          text=True, env=os.environ)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert not await store.exists("expired-one")
    assert await store.exists("live-one")
    await store.delete("live-one")


async def test_a_made_up_session_id_is_ignored_and_sign_in_issues_a_new_one(client, demo_data, settings):
    store = make_stores(settings)["sessions"]
    client.cookies.set("session", "chosen-by-the-attacker", domain="testserver.local")
    assert (await client.get("/staff/")).status_code in (302, 303, 401)
    await sign_in(client, "canbo.phulien")
    first = client.cookies.get("session")
    assert first and first != "chosen-by-the-attacker"
    assert not await store.exists("chosen-by-the-attacker")
    assert (await client.get("/staff/")).status_code == 200
    # Signing in again on a session that already exists still gives a new id, and the old one
    # stops working.
    await sign_in(client, "canbo.phulien")
    second = client.cookies.get("session")
    assert second != first and not await store.exists(first)
    client.cookies.set("session", first, domain="testserver.local")
    assert (await client.get("/staff/")).status_code != 200


async def login_attempt(http, username: str, password: str):
    page = await http.get("/login")
    return await http.post("/login", data={"username": username, "password": password,
                                           "_csrf_token": csrf(page.text), "next": "/staff/"})  # fmt: skip


async def test_fifty_concurrent_wrong_passwords_check_at_most_the_limit(client, demo_data, monkeypatch):
    from app.accounts import rules

    checked = []
    real_verify = rules.verify_password

    def counting_verify(stored, password):
        checked.append(password)
        return real_verify(stored, password)

    monkeypatch.setattr(rules, "verify_password", counting_verify)
    page = await client.get("/login")
    token = csrf(page.text)
    answers = await asyncio.gather(*[
        client.post("/login", data={"username": "canbo.phulien", "password": f"wrong-{i}",
                                    "_csrf_token": token})
        for i in range(50)
    ])  # fmt: skip
    statuses = sorted(a.status_code for a in answers)
    assert len(checked) <= 5
    assert statuses == [400] * len(checked) + [429] * (50 - len(checked))


async def test_a_locked_account_still_lets_its_owner_in_from_a_known_device(client, demo_data, caplog):
    assert (await sign_in(client, "canbo.phulien")).status_code == 303
    known_device = client.cookies.get("gd_signin")
    assert known_device
    client.cookies.clear()
    # Someone else guesses from another browser until the account locks.
    with caplog.at_level(logging.WARNING, logger="gandan"):
        for i in range(6):
            last = await login_attempt(client, "canbo.phulien", f"guess-{i}")
        assert last.status_code == 429
        assert (await login_attempt(client, "canbo.phulien", DEMO_PASSWORD)).status_code == 429
    assert any("sign-in locked: user:canbo.phulien" in r.getMessage() for r in caplog.records)
    # The owner's browser, known from the earlier sign-in, still gets in.
    client.cookies.clear()
    client.cookies.set("gd_signin", known_device, domain="testserver.local", path="/login")
    assert (await login_attempt(client, "canbo.phulien", DEMO_PASSWORD)).status_code == 303
    client.cookies.clear()
    await sign_in(client, "admin")
    person = (await Person.select(Person.id).where(Person.username == "canbo.phulien").first())["id"]
    shown = await client.get(f"/staff/admin/people/{person}")
    assert 'id="sign-in-lock"' in shown.text and " 7 " in shown.text


def test_lock_grows_with_attempts():
    from app.accounts.lockout import lock_duration

    minutes = [lock_duration(n, 5).total_seconds() / 60 for n in (6, 7, 8, 9, 20)]
    assert minutes == [15, 30, 60, 120, 24 * 60]


class FakeConnection:
    def __init__(self, peer: str, forwarded: str | None = None) -> None:
        self.client = type("Address", (), {"host": peer})()
        self.headers = {"x-forwarded-for": forwarded} if forwarded else {}


def test_forwarded_for_names_the_client_only_behind_a_trusted_proxy(settings):
    from dataclasses import replace

    from app.platform.client_address import client_address

    behind = replace(settings, trusted_proxies=("10.0.0.0/8",))
    # peer, X-Forwarded-For, settings → the address limits are keyed on
    cases = [
        ("203.0.113.9", "198.51.100.1", settings, "203.0.113.9"),  # no proxy configured
        ("203.0.113.9", "198.51.100.1", behind, "203.0.113.9"),  # not from our proxy
        ("10.0.0.2", "198.51.100.1", behind, "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.3", behind, "198.51.100.1"),  # spoofed first hop
        ("10.0.0.2", None, behind, "10.0.0.2"),
    ]
    for peer, forwarded, chosen, expected in cases:
        assert client_address(FakeConnection(peer, forwarded), chosen) == expected


async def test_security_headers_on_pages_and_no_store_on_personal_ones(client, client_with, demo_data):
    home = await client.get("/")
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    assert home.headers["x-content-type-options"] == "nosniff"
    assert home.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "strict-transport-security" not in home.headers  # PUBLIC_URL is http here
    assert "onclick=" not in home.text and "<script>" not in home.text
    assert (await client.get("/login")).headers["cache-control"] == "no-store"
    await sign_in(client, "canbo.phulien")
    assert (await client.get("/staff/")).headers["cache-control"] == "no-store"
    async with client_with(public_url="https://gandan.example.vn") as https:
        assert "max-age=" in (await https.get("/")).headers["strict-transport-security"]
        # Behind a proxy the request arrives as http: the cookies are Secure all the same.
        supported = await https.post("/api/v1/devices", json={"fid": "f" * 20})
        assert "secure" in supported.headers["set-cookie"].lower()


def test_trusted_proxies_setting_is_checked(tmp_path):
    from app.platform.settings import SettingsError, load_settings

    env = {"VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 40}
    assert load_settings({**env, "TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8"}).trusted_proxies == (
        "127.0.0.1/32", "10.0.0.0/8")  # fmt: skip
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        load_settings({**env, "TRUSTED_PROXIES": "the proxy"})


async def test_one_address_guessing_at_many_accounts_is_stopped(client, demo_data):
    from app.accounts.lockout import MAX_ADDRESS_ATTEMPTS

    for i in range(MAX_ADDRESS_ATTEMPTS):
        assert (await login_attempt(client, f"no-such-user-{i}", "guess")).status_code == 400
    assert (await login_attempt(client, "canbo.phulien", DEMO_PASSWORD)).status_code == 429
