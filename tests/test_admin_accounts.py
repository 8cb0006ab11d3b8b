"""Accounts in the browser (/staff/admin/): creating staff, roles, password resets,
deactivation, Open311 partner keys and the audit log, all through HTTP."""

from __future__ import annotations

import re
from contextlib import asynccontextmanager

import httpx
import pytest

from app.accounts.people import create_staff_user
from app.demo import DEMO_PASSWORD
from app.platform.tables import ApiKey, AuditEntry, InboxNotification, Person, StaffRole
from tests.workspace_helpers import KIEN_AN, PHU_LIEN, csrf, new_report, sign_in, staff_accounts

HAI_PHONG, HA_NOI, BA_DINH = "31", "01", "00004"  # Ba Đình is a ward of Hà Nội
ADMIN = "/staff/admin"
HTML = {"Accept": "text/html"}
ENGLISH = {"Accept-Language": "en"}


@pytest.fixture
async def accounts(database):
    ids = await staff_accounts()
    ids["canbo.hanoi"] = await create_staff_user(
        "canbo.hanoi", DEMO_PASSWORD, display_name="Ngô Văn Nam", role="officer", ward_code=BA_DINH
    )
    return ids


@asynccontextmanager
async def another_browser(client):
    """A second browser on the same server: its own cookies, hence its own session."""
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as other:
        yield other


async def token(client) -> str:
    return csrf((await client.get("/login")).text)


async def post(client, path: str, headers: dict | None = None, **fields) -> httpx.Response:
    return await client.post(path, data={"_csrf_token": await token(client), **fields}, headers=headers)


def shown_secret(html: str) -> str:
    """The password or key a page shows once."""
    return re.search(r'<code class="code">([^<]+)</code>', html).group(1)


async def audit_rows() -> list[dict]:
    return await AuditEntry.select().order_by(AuditEntry.id).output(load_json=True)


async def test_admin_creates_an_officer_who_then_works_the_queue_of_that_ward(client, accounts):
    mine, elsewhere = await new_report(PHU_LIEN), await new_report(KIEN_AN)
    await sign_in(client, "admin")
    created = await post(client, f"{ADMIN}/people/new", username=" Canbo.Moi ", display_name=" Vũ Thị Hoa ",
                         title="Công chức văn hoá – xã hội", role="officer", scope=PHU_LIEN,
                         password="")  # fmt: skip
    assert created.status_code == 200, created.text
    temporary = shown_secret(created.text)
    assert "canbo.moi" in created.text and "Phù Liễn" in created.text
    person = await Person.select().where(Person.username == "canbo.moi").first()
    assert person["display_name"] == "Vũ Thị Hoa" and person["must_change_password"]
    assert not person["is_admin"] and temporary not in person["password_hash"]

    client.cookies.clear()
    assert (await sign_in(client, "canbo.moi", temporary)).status_code == 303
    held_back = await client.get("/staff/", headers=HTML)
    assert held_back.status_code == 303 and held_back.headers["location"] == "/staff/password"
    changed = await post(client, "/staff/password", current=temporary, new="mat-khau-cua-hoa")
    assert changed.status_code == 200
    queue = await client.get("/staff/")
    assert queue.status_code == 200
    assert mine["code"] in queue.text and elsewhere["code"] not in queue.text

    [entry] = await audit_rows()
    assert entry["actor"] == accounts["admin"] and entry["action"] == "account_created"
    assert entry["person"] == person["id"] and entry["target"] == "canbo.moi (Vũ Thị Hoa)"
    assert entry["details"] == {"admin": False, "role": "officer", "scope": PHU_LIEN}
    assert temporary not in str(entry)


# (who acts, what they do, with what) → outcome, written out by hand from the rules of issue #9:
# an admin anywhere; a province supervisor only for people whose roles lie in their province,
# giving ward roles there or the supervisor role for it, never admin rights; nobody
# deactivates themselves or removes the last active admin; partner keys are for admins.
ALLOWED, REFUSED, INVALID = 303, 403, 400
EXPECTED = [
    ("admin", "create", ("officer", BA_DINH), ALLOWED),
    ("admin", "create", ("", ""), ALLOWED),  # a new administrator, with no ward role
    ("giamsat.haiphong", "create", ("officer", PHU_LIEN), ALLOWED),
    ("giamsat.haiphong", "create", ("inspector", KIEN_AN), ALLOWED),
    ("giamsat.haiphong", "create", ("province_supervisor", HAI_PHONG), ALLOWED),
    ("giamsat.haiphong", "create", ("officer", BA_DINH), REFUSED),
    ("giamsat.haiphong", "create", ("province_supervisor", HA_NOI), REFUSED),
    ("giamsat.haiphong", "create", ("", ""), REFUSED),  # an administrator
    ("lanhdao.phulien", "create", ("officer", PHU_LIEN), REFUSED),
    ("canbo.phulien", "create", ("officer", PHU_LIEN), REFUSED),
    ("thanhtra.phulien", "create", ("inspector", PHU_LIEN), REFUSED),
    ("giamsat.haiphong", "grant", ("canbo.phulien", "ward_lead", KIEN_AN), ALLOWED),
    ("giamsat.haiphong", "grant", ("canbo.phulien", "officer", BA_DINH), REFUSED),
    ("giamsat.haiphong", "grant", ("canbo.hanoi", "officer", PHU_LIEN), REFUSED),
    ("admin", "grant", ("canbo.hanoi", "officer", PHU_LIEN), ALLOWED),
    ("giamsat.haiphong", "remove_role", ("canbo.phulien",), ALLOWED),
    ("giamsat.haiphong", "remove_role", ("canbo.hanoi",), REFUSED),
    ("giamsat.haiphong", "reset", ("canbo.phulien",), ALLOWED),
    ("giamsat.haiphong", "reset", ("admin",), REFUSED),
    ("giamsat.haiphong", "reset", ("canbo.hanoi",), REFUSED),
    ("lanhdao.phulien", "reset", ("canbo.phulien",), REFUSED),
    ("admin", "reset", ("giamsat.haiphong",), ALLOWED),
    ("giamsat.haiphong", "deactivate", ("canbo.kienan",), ALLOWED),
    ("giamsat.haiphong", "deactivate", ("giamsat.haiphong",), REFUSED),
    ("admin", "deactivate", ("admin",), REFUSED),
    ("admin", "deactivate", ("canbo.hanoi",), ALLOWED),
    ("giamsat.haiphong", "make_admin", ("canbo.phulien",), REFUSED),
    ("admin", "make_admin", ("canbo.phulien",), ALLOWED),
    ("admin", "unmake_admin", ("admin",), INVALID),  # the last active administrator
    ("giamsat.haiphong", "issue_key", ("Báo Hải Phòng",), REFUSED),
    ("admin", "issue_key", ("Báo Hải Phòng",), ALLOWED),
]


async def _attempt(client, accounts: dict, what: str, args: tuple) -> httpx.Response:
    person = f"{ADMIN}/people/{accounts.get(args[0], 0)}"
    if what == "create":
        role, scope = args
        return await post(client, f"{ADMIN}/people/new", username="nguoi.moi", display_name="Người Mới",
                          role=role, scope=scope, is_admin="on" if not role else "",
                          password="mot-mat-khau-dai")  # fmt: skip
    if what == "grant":
        return await post(client, f"{person}/roles", role=args[1], scope=args[2])
    if what == "remove_role":
        role = await StaffRole.select(StaffRole.id).where(StaffRole.person == accounts[args[0]]).first()
        return await post(client, f"{person}/roles/{role['id']}/remove")
    if what == "reset":
        return await post(client, f"{person}/password", password="")
    if what == "deactivate":
        return await post(client, f"{person}/active", active="0")
    if what in ("make_admin", "unmake_admin"):
        return await post(client, f"{person}/admin", admin="1" if what == "make_admin" else "0")
    assert what == "issue_key"
    return await post(client, f"{ADMIN}/keys", name=args[0])


@pytest.mark.parametrize(("who", "what", "args", "expected"), EXPECTED)
async def test_who_may_change_which_account(client, accounts, who, what, args, expected):
    await sign_in(client, who)
    before = await audit_rows()
    response = await _attempt(client, accounts, what, args)
    # A change whose result is shown once (a generated password, a new key) answers 200.
    status = ALLOWED if response.status_code == 200 else response.status_code
    assert status == expected, response.text
    after = await audit_rows()
    if expected == ALLOWED:
        assert len(after) == len(before) + 1 and after[-1]["actor"] == accounts[who]
    else:
        assert after == before  # a refused change leaves no trace but the refusal


async def test_a_supervisor_sees_only_the_accounts_of_their_province(client, accounts):
    await sign_in(client, "giamsat.haiphong")
    listed = (await client.get(f"{ADMIN}/people")).text
    for username in ("canbo.phulien", "canbo.kienan", "lanhdao.phulien", "clerk.phulien", "giamsat.haiphong"):
        assert f">{username}<" in listed
    assert ">admin<" not in listed and ">canbo.hanoi<" not in listed
    assert (await client.get(f"{ADMIN}/people/{accounts['admin']}")).status_code == 403
    assert (await client.get(f"{ADMIN}/people/{accounts['canbo.hanoi']}")).status_code == 403
    assert (await client.get(f"{ADMIN}/keys")).status_code == 403
    assert (await client.get(f"{ADMIN}/people/999999")).status_code == 404


async def test_staff_without_account_rights_and_strangers_stay_out(client, accounts):
    assert (await client.get(f"{ADMIN}/people", headers=HTML)).headers["location"].startswith("/login")
    await sign_in(client, "lanhdao.phulien")
    assert (await client.get(f"{ADMIN}/people")).status_code == 403
    assert (await client.get(f"{ADMIN}/audit")).status_code == 403
    assert "/staff/admin/" not in (await client.get("/staff/")).text


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": "ab"}, "Username: 3 to 60"),
    ({"username": "Bà Lan!"}, "Username: 3 to 60"),
    ({"username": "canbo.phulien"}, "The username canbo.phulien is taken."),
    ({"password": "ngan"}, "The password needs 10 to 200 characters."),
    ({"password": "x" * 201}, "The password needs 10 to 200 characters."),
    ({"role": "mayor"}, "Choose one of the listed roles."),
    ({"scope": "99999"}, "A ward role needs the code of an existing ward"),
    ({"scope": HAI_PHONG}, "A ward role needs the code of an existing ward"),  # a province's code
    ({"role": "province_supervisor", "scope": PHU_LIEN}, "needs the code of an existing province"),
    ({"role": ""}, "Give the account a role, or make it an administrator."),
    ({"display_name": "   "}, "Name: write the full name."),
    ({"display_name": "x" * 121}, "Name: at most 120 characters."),
    ({"title": "x" * 121}, "Title: at most 120 characters."),
])  # fmt: skip
async def test_a_bad_new_account_form_comes_back_with_the_reason(client, accounts, fields, message):
    await sign_in(client, "admin")
    people = await Person.count()
    form = {"username": "canbo.moi", "display_name": "Vũ Thị Hoa", "title": "", "role": "officer",
            "scope": PHU_LIEN, "password": "mot-mat-khau-dai", **fields}  # fmt: skip
    response = await post(client, f"{ADMIN}/people/new", headers=ENGLISH, **form)
    assert response.status_code == 400 and message in response.text
    assert f'value="{form["username"]}"' in response.text  # what was typed is still there
    assert await Person.count() == people


async def test_reset_password_sends_the_person_to_change_it_before_the_queue(client, accounts):
    async with another_browser(client) as officer:
        await sign_in(officer, "canbo.phulien")
        assert (await officer.get("/staff/")).status_code == 200
        await sign_in(client, "admin")
        reset = await post(client, f"{ADMIN}/people/{accounts['canbo.phulien']}/password", password="")
        assert reset.status_code == 200
        temporary = shown_secret(reset.text)

        # The open session meets the password page wherever it goes, and so does a new one.
        held_back = await officer.get("/staff/", headers=HTML)
        assert held_back.status_code == 303 and held_back.headers["location"] == "/staff/password"
        assert (await officer.get("/staff/")).status_code == 401
        officer.cookies.clear()
        assert (await sign_in(officer, "canbo.phulien")).status_code == 400  # the old password is gone
        assert (await sign_in(officer, "canbo.phulien", temporary)).status_code == 303
        page = await officer.get("/staff/password")
        assert page.status_code == 200 and "temporary password" in (
            await officer.get("/staff/password", headers=ENGLISH)).text
        same = await post(officer, "/staff/password", current=temporary, new=temporary)
        assert same.status_code == 400 and (await officer.get("/staff/")).status_code == 401
        assert (await post(officer, "/staff/password", current=temporary, new="mat-khau-rieng-cua-mai")
                ).status_code == 200  # fmt: skip
        assert (await officer.get("/staff/")).status_code == 200

    mai = f"{ADMIN}/people/{accounts['canbo.phulien']}"
    chosen = await post(client, f"{mai}/password", password="tam-thoi-123")
    assert chosen.status_code == 303
    assert "tam-thoi-123" not in (await client.get(chosen.headers["location"])).text
    entries = [e for e in await audit_rows() if e["action"] == "password_reset"]
    assert [e["details"] for e in entries] == [{"generated": True}, {"generated": False}]
    assert all(e["actor"] == accounts["admin"] for e in entries)
    assert temporary not in str(await audit_rows()) and "tam-thoi-123" not in str(await audit_rows())


async def test_deactivation_ends_an_open_session_and_sign_in(client, accounts):
    async with another_browser(client) as officer:
        await InboxNotification.insert(InboxNotification(person=accounts["canbo.kienan"], kind="new_report"))
        await sign_in(officer, "canbo.kienan")
        assert (await officer.get("/staff/")).status_code == 200
        assert ">1<" in (await officer.get("/me/badge")).text
        await sign_in(client, "giamsat.haiphong")
        done = await post(client, f"{ADMIN}/people/{accounts['canbo.kienan']}/active", active="0")
        assert done.status_code == 303
        assert (await officer.get("/staff/")).status_code == 401
        assert ">1<" not in (await officer.get("/me/badge")).text  # nor the staff inbox
        assert (await sign_in(officer, "canbo.kienan")).status_code == 400
        again = await post(client, f"{ADMIN}/people/{accounts['canbo.kienan']}/active", active="1")
        assert again.status_code == 303
        assert (await sign_in(officer, "canbo.kienan")).status_code == 303
        assert (await officer.get("/staff/")).status_code == 200
    actions = [(e["action"], e["actor"], e["person"]) for e in await audit_rows()]
    supervisor, kienan = accounts["giamsat.haiphong"], accounts["canbo.kienan"]
    assert actions == [("account_deactivated", supervisor, kienan),
                       ("account_reactivated", supervisor, kienan)]  # fmt: skip


async def test_the_last_active_admin_stays(client, accounts):
    await sign_in(client, "admin")
    me = f"{ADMIN}/people/{accounts['admin']}"
    refused = await post(client, f"{me}/admin", headers=ENGLISH, admin="0")
    assert refused.status_code == 400 and "last active administrator" in refused.text
    hung = f"{ADMIN}/people/{accounts['lanhdao.phulien']}"
    assert (await post(client, f"{hung}/admin", admin="1")).status_code == 303
    assert (await post(client, f"{me}/admin", admin="0")).status_code == 303
    admins = await Person.select(Person.username).where(Person.is_admin.eq(True))
    assert admins == [{"username": "lanhdao.phulien"}]
    assert (await client.get(f"{ADMIN}/keys")).status_code == 403  # no longer an admin


async def test_a_revoked_partner_key_is_refused_by_open311_at_once(client, accounts):
    await sign_in(client, "admin")
    issued = await post(client, f"{ADMIN}/keys", name="Báo Hải Phòng")
    assert issued.status_code == 200
    key = shown_secret(issued.text)
    assert key not in (await client.get(f"{ADMIN}/keys")).text  # shown once only
    stored = await ApiKey.select().first()
    assert stored["name"] == "Báo Hải Phòng" and key not in str(stored) and stored["last_used_at"] is None

    fields = {"service_code": "roads", "lat": "20.7916", "long": "106.636", "description": "Ổ gà trước số 12"}
    async with another_browser(client) as partner:
        accepted = await partner.post("/open311/v2/requests.json", data={**fields, "api_key": key})
        assert accepted.status_code == 201
        assert (await ApiKey.select(ApiKey.last_used_at).first())["last_used_at"] is not None
        revoked = await post(client, f"{ADMIN}/keys/{stored['id']}/revoke")
        assert revoked.status_code == 303
        refused = await partner.post("/open311/v2/requests.json", data={**fields, "api_key": key})
        assert refused.status_code == 403
    assert [(e["action"], e["actor"], e["target"]) for e in await audit_rows()] == [
        ("key_issued", accounts["admin"], "Báo Hải Phòng"),
        ("key_revoked", accounts["admin"], "Báo Hải Phòng"),
    ]
    assert key not in str(await audit_rows())
    assert (await post(client, f"{ADMIN}/keys", name="  ")).status_code == 400


async def test_the_audit_log_lists_changes_newest_first_with_their_actors(client, accounts):
    await sign_in(client, "admin")
    await post(client, f"{ADMIN}/keys", name="Đối tác A")
    await post(client, f"{ADMIN}/people/{accounts['canbo.hanoi']}/active", active="0")
    async with another_browser(client) as supervisor:
        await sign_in(supervisor, "giamsat.haiphong")
        clerk = f"{ADMIN}/people/{accounts['clerk.phulien']}"
        await post(supervisor, f"{clerk}/roles", role="clerk", scope=KIEN_AN)
        own = (await supervisor.get(f"{ADMIN}/audit", headers=ENGLISH)).text
        # A supervisor reads the entries about their province only.
        assert "clerk.phulien" in own and "canbo.hanoi" not in own and "Đối tác A" not in own

    log = (await client.get(f"{ADMIN}/audit", headers=ENGLISH)).text
    assert log.index("Role granted") < log.index("Account deactivated") < log.index("Partner key issued")
    assert log.index("Phạm Thu Hà") < log.index("clerk.phulien (Tình nguyện viên)")
    assert "Quản trị hệ thống" in log
    person = (await client.get(f"{ADMIN}/people/{accounts['clerk.phulien']}", headers=ENGLISH)).text
    assert "Role granted" in person and "Phạm Thu Hà" in person and f"scope: {KIEN_AN}" in person
