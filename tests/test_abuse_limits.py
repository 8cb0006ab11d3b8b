"""Abuse limits (issue #14, item 8): per-address and per-device rate limits on writes, supports
counted by device and by network, no resident made for a call that stores nothing, and a push
id bound to the installation that first registered it. Each test failed on the code before."""

from __future__ import annotations

import asyncio
import re

import pytest

from app.platform.settings import RateLimit, SettingsError, load_settings
from app.platform.tables import Device, Person, Proposal, Support
from tests.test_reporting import post_report
from tests.workspace_helpers import csrf


def limits(**changes: RateLimit) -> tuple:
    from app.platform.settings import DEFAULT_RATE_LIMITS

    return tuple({**DEFAULT_RATE_LIMITS, **changes}.items())


async def test_reports_past_the_address_limit_get_429_with_retry_after_in_vietnamese(client_with, categories):
    async with client_with(rate_limits=limits(reports=RateLimit(0, 3, "hour"))) as http:
        for i in range(3):
            assert (await post_report(http, description=f"Ổ gà số {i} trước cổng chợ")).status_code == 201
        refused = await post_report(http, description="Ổ gà thứ tư trước cổng chợ")
        assert refused.status_code == 429
        assert 3000 < int(refused.headers["retry-after"]) <= 3600
        assert "Quá nhiều yêu cầu" in refused.json()["detail"]
        # The browser's form gets a page, in Vietnamese, with the same header.
        form = await http.get("/reports/new")
        page = await http.post("/reports/new", headers={"accept": "text/html"},
                               data={"_csrf_token": csrf(form.text), "category": "roads"})  # fmt: skip
        assert page.status_code == 429 and "retry-after" in page.headers
        assert "Xin vui lòng chờ" in page.text and "Quá nhiều yêu cầu" in page.text
        # Reading is never limited.
        assert (await http.get("/api/v1/reports")).status_code == 200


async def test_each_device_has_its_own_limit_and_a_network_its_larger_one(client_with, categories):
    async with client_with(rate_limits=limits(devices=RateLimit(2, 6, "minute"))) as http:
        # One browser: the first call has no device cookie yet (counted by its network only),
        # the next two are the device's two, the fourth is refused (and still counted by the
        # network, as Litestar's middleware counts every request it lets through to the next).
        statuses = [(await http.post("/api/v1/devices", json={"fid": f"fid-one-browser-{i}"})).status_code
                    for i in range(4)]  # fmt: skip
        assert statuses == [201, 201, 201, 429]
        # Fresh cookie jars on the same network: the network's six are soon used up.
        statuses = []
        for i in range(3):
            http.cookies.clear()
            statuses.append((await http.post("/api/v1/devices", json={"fid": f"fid-fresh-{i}"})).status_code)
        assert statuses == [201, 201, 429]


async def test_the_address_is_the_client_behind_a_trusted_proxy(client_with, categories):
    proxied = {"rate_limits": limits(devices=RateLimit(0, 1, "minute")), "trusted_proxies": ("127.0.0.1/32",)}
    async with client_with(**proxied) as http:
        def from_(address):
            return {"x-forwarded-for": address}

        assert (await http.post("/api/v1/devices", json={"fid": "fid-aaaaaaaa"},
                                headers=from_("198.51.100.1"))).status_code == 201  # fmt: skip
        http.cookies.clear()
        assert (await http.post("/api/v1/devices", json={"fid": "fid-bbbbbbbb"},
                                headers=from_("198.51.100.2"))).status_code == 201  # fmt: skip
        http.cookies.clear()
        assert (await http.post("/api/v1/devices", json={"fid": "fid-cccccccc"},
                                headers=from_("198.51.100.1"))).status_code == 429  # fmt: skip
        # Two addresses of one IPv6 /64 (one household, one phone) count as one.
        http.cookies.clear()
        assert (await http.post("/api/v1/devices", json={"fid": "fid-dddddddd"},
                                headers=from_("2001:db8:1:2::10"))).status_code == 201  # fmt: skip
        http.cookies.clear()
        assert (await http.post("/api/v1/devices", json={"fid": "fid-eeeeeeee"},
                                headers=from_("2001:db8:1:2:aaaa::1"))).status_code == 429  # fmt: skip


async def test_limits_are_counted_in_redis_across_app_instances(client_with, categories):
    """Two workers sharing Redis share one count (db 15, as .ci/run sets aside for tests)."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    server = redis.Redis.from_url(url)

    def forget_counts():  # only the limits' keys: other suites may be using database 15
        for key in server.scan_iter("gandan_rate_limits:*"):
            server.delete(key)

    forget_counts()
    settings = {"redis_url": url, "rate_limits": limits(devices=RateLimit(0, 2, "minute"))}
    try:
        async with client_with(**settings) as one, client_with(**settings) as two:
            assert (await one.post("/api/v1/devices", json={"fid": "fid-redis-1"})).status_code == 201
            assert (await two.post("/api/v1/devices", json={"fid": "fid-redis-2"})).status_code == 201
            assert (await one.post("/api/v1/devices", json={"fid": "fid-redis-3"})).status_code == 429
            assert (await two.post("/api/v1/devices", json={"fid": "fid-redis-4"})).status_code == 429
        assert list(server.scan_iter("gandan_rate_limits:*"))  # counted in Redis, not in each app
    finally:
        forget_counts()
        server.close()


def test_rate_limit_settings_are_read_and_checked(tmp_path):
    env = {"VAR_DIR": str(tmp_path), "SECRET_KEY": "k" * 40}
    read = load_settings({**env, "RATE_LIMIT_REPORTS": "5,0/day"})
    assert read.rate_limit("reports") == RateLimit(5, 0, "day")
    assert read.rate_limit("supports") == RateLimit(60, 300, "hour")  # untouched: the default
    for wrong in ("5/day", "5,6", "a,b/hour", "5,6/week", "-1,6/hour"):
        with pytest.raises(SettingsError, match="RATE_LIMIT_REPORTS"):
            load_settings({**env, "RATE_LIMIT_REPORTS": wrong})


async def support_from_fresh_browser(http, code: str, address: str):
    http.cookies.clear()
    page = await http.get(f"/r/{code}", headers={"x-forwarded-for": address})
    return await http.post(f"/r/{code}/support", data={"_csrf_token": csrf(page.text)},
                           headers={"x-forwarded-for": address})  # fmt: skip


async def test_supports_from_fresh_cookie_jars_show_how_few_networks_they_came_from(client_with, categories):
    async with client_with(trusted_proxies=("127.0.0.1/32",)) as http:
        created = await post_report(http)
        code = created.json()["code"]
        for i in range(12):  # nine networks; one of them sends four fresh browsers
            address = "203.0.113.7" if i < 4 else f"198.51.100.{i}"
            assert (await support_from_fresh_browser(http, code, address)).status_code == 303
        page = (await http.get(f"/r/{code}")).text
    assert await Support.count() == 12
    assert "12 người có cùng vấn đề" in page
    networks = re.search(r'id="support-networks">([^<]+)<', page).group(1)
    assert networks == "từ 9 địa chỉ mạng"
    # What is stored is a keyed hash, never the address.
    stored = {r["network"] for r in await Support.select(Support.network)}
    assert len(stored) == 9 and not any("203.0.113" in n or "198.51" in n for n in stored)


async def test_calls_that_store_nothing_make_no_resident(client, demo_data):
    before = await Person.count()
    answered = ["answered", "expired", "done"]
    closed = await Proposal.select(Proposal.id).where(Proposal.state.is_in(answered)).first()
    reads = ["/api/v1/categories", "/api/v1/reports", "/api/v1/proposals?ward=11446",
             "/api/v1/consultations?ward=11446", "/open311/v2/requests.json", "/healthz"]  # fmt: skip
    for path in reads:
        assert (await client.get(path)).status_code == 200, path
    # Supporting what cannot be supported, and a refused proposal, store nothing either.
    supported = await client.post(f"/api/v1/proposals/{closed['id']}/supports")
    assert supported.status_code == 200 and supported.json()["counted"] is False
    assert (await client.post("/api/v1/proposals", json={"title": "", "description": ""})).status_code == 422
    assert (await client.post("/api/v1/devices", json={"fid": "short"})).status_code == 400
    assert await Person.count() == before
    assert "gd_device" not in client.cookies


async def test_a_push_id_stays_with_its_first_installation_unless_it_proves_possession(client, categories):
    first = await client.post("/api/v1/devices", json={"fid": "cFid-victim-0001", "platform": "android"})
    assert first.status_code == 201
    secret = first.json()["installation_secret"]
    owner = client.cookies.get("gd_device")
    assert len(secret) >= 40
    # Another resident who learnt the fid cannot take the device's notifications.
    client.cookies.clear()
    taken = await client.post("/api/v1/devices", json={"fid": "cFid-victim-0001", "platform": "web"})
    assert taken.status_code == 409 and "installation_secret" in taken.json()["detail"]
    guessed = {"fid": "cFid-victim-0001", "installation_secret": "guess" * 10}
    assert (await client.post("/api/v1/devices", json=guessed)).status_code == 409
    rows = await Device.select(Device.person.device_identity, Device.platform)
    assert rows == [{"person.device_identity": owner, "platform": "android"}]
    assert await Person.count() == 1  # the refused attempts left no resident behind
    # The same installation, now used by someone else, proves possession with its secret.
    moved = await client.post("/api/v1/devices", json={"fid": "cFid-victim-0001", "platform": "android",
                                                       "installation_secret": secret})  # fmt: skip
    assert moved.status_code == 201 and moved.json()["installation_secret"] is None
    new_owner = client.cookies.get("gd_device")
    assert new_owner != owner
    assert await Device.select(Device.person.device_identity) == [{"person.device_identity": new_owner}]
    # Its owner registering again needs no secret.
    assert (await client.post("/api/v1/devices", json={"fid": "cFid-victim-0001"})).status_code == 201
    # What is stored is the secret's hash, never the secret.
    stored = await Device.select(Device.secret_hash)
    assert stored[0]["secret_hash"] and secret not in stored[0]["secret_hash"]


async def test_a_burst_of_fifty_at_once_gets_exactly_the_limit_through(client_with, categories):
    """Litestar's middleware reads and writes the count under one lock per route: fifty
    concurrent registrations from one network are fifty counts, not fifty reads of "0"."""
    async with client_with(rate_limits=limits(devices=RateLimit(0, 5, "minute"))) as http:
        answers = await asyncio.gather(*[
            http.post("/api/v1/devices", json={"fid": f"fid-burst-{i:04d}"}) for i in range(50)
        ])  # fmt: skip
    assert sorted(a.status_code for a in answers) == [201] * 5 + [429] * 45
    assert await Device.count() == 5


async def test_the_limits_store_keeps_no_address_no_device_token_and_counts_no_voter(client_with, categories):
    """The store's keys are keyed hashes; a ballot attempt is counted by network only, so the
    store never ties a device (a resident) to the times it voted (docs/ballot-secrecy.md)."""
    import redis

    url = "redis://127.0.0.1:6379/15"
    server = redis.Redis.from_url(url)

    def keys() -> list[str]:
        return [key.decode() for key in server.scan_iter("gandan_rate_limits:*")]

    for key in keys():
        server.delete(key)
    token = "device-token-that-is-a-bearer-secret"
    try:
        async with client_with(redis_url=url) as http:
            http.cookies.set("gd_device", token)
            ballot = {"code": "ABCDEFGHJKLM", "decision": 1, "choices": [0]}
            tried = await http.post("/api/v1/ballots", json=ballot)
            assert 400 <= tried.status_code < 500  # no such code: refused, and counted
            assert (await http.post("/api/v1/devices", json={"fid": "fid-store-keys"})).status_code == 201
        stored = keys()
        assert any(":votes:address:" in key for key in stored)
        assert any(":devices:device:" in key for key in stored)
        assert not any(":votes:device:" in key for key in stored)
        for key in stored:
            assert token not in key and "127.0.0.1" not in key and "testclient" not in key
    finally:
        for key in keys():
            server.delete(key)
        server.close()


async def test_refused_forms_on_the_pages_make_no_resident(client, demo_data):
    """The page forms refuse empty or unknown input without leaving a resident behind."""
    from app.platform.tables import Comment, Report

    before = await Person.count()
    answered = ["answered", "expired", "done"]
    closed = await Proposal.select(Proposal.id).where(Proposal.state.is_in(answered)).first()
    report = await Report.select(Report.code).first()
    comment = await Comment.select(Comment.id).first()
    form = await client.get("/proposals/new")
    token = csrf(form.text)
    refused = {
        "/proposals/new": {"title": "", "description": ""},
        f"/proposals/{closed['id']}/comments": {"body": ""},
        f"/proposals/{closed['id']}/support": {},
        f"/r/{report['code']}/flag": {"reason": "not-a-reason"},
        f"/comments/{comment['id']}/flag": {"reason": "not-a-reason"},
        "/verify": {"code": "NO-SUCH-CODE"},
    }
    for path, data in refused.items():
        answer = await client.post(path, data={"_csrf_token": token, **data})
        assert answer.status_code in (303, 400), (path, answer.status_code)
        assert await Person.count() == before, path
    assert "gd_device" not in client.cookies
