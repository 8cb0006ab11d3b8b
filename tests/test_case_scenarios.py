"""Who may take which step in which status, through the real pages (FixMyStreet style).

Each line: who is signed in, the status the report is in, the step they post, and the answer:
303 done, 403 not their place or role, 409 not possible in this status. The case page shows
the step's button exactly when the post would be done.
"""

from __future__ import annotations

import pytest

from app.platform.tables import Report, ReportEvent
from app.reporting.reports import apply_action
from tests.workspace_helpers import KIEN_AN, csrf, new_report, sign_in, staff_accounts

# How a fresh report is brought to each status before the step (no one's name on these).
PATHS = {
    "received": [],
    "accepted": ["accept"],
    "in_progress": ["accept", "start"],
    "resolved": ["accept", "resolve"],
    "closed": ["accept", "resolve", "close"],
    "rejected": ["reject"],
    "duplicate": ["mark_duplicate"],
}

SCENARIOS = [
    # the officer works the case
    ("canbo.phulien", "received", "accept", 303),
    ("canbo.phulien", "accepted", "accept", 409),
    ("canbo.phulien", "received", "start", 409),
    ("canbo.phulien", "accepted", "start", 303),
    ("canbo.phulien", "in_progress", "resolve", 303),
    ("canbo.phulien", "received", "resolve", 409),
    ("canbo.phulien", "accepted", "resolve", 303),
    ("canbo.phulien", "received", "reject", 403),
    ("canbo.phulien", "received", "escalate", 403),
    ("canbo.phulien", "resolved", "reopen", 303),
    ("canbo.phulien", "closed", "reopen", 303),
    ("canbo.phulien", "rejected", "reopen", 409),
    ("canbo.phulien", "duplicate", "reopen", 409),
    ("canbo.phulien", "accepted", "transfer", 303),
    ("canbo.phulien", "closed", "transfer", 409),
    ("canbo.phulien", "in_progress", "mark_duplicate", 303),
    ("canbo.phulien", "resolved", "mark_duplicate", 409),
    ("canbo.phulien", "received", "take", 303),
    ("canbo.phulien", "rejected", "take", 409),
    ("canbo.phulien", "received", "assign", 403),  # to someone else: only leads assign
    ("canbo.phulien", "rejected", "reply", 303),
    ("canbo.phulien", "closed", "note", 303),
    ("canbo.phulien", "received", "supervise", 403),
    # the ward lead rejects, escalates, assigns
    ("lanhdao.phulien", "received", "reject", 303),
    ("lanhdao.phulien", "accepted", "reject", 303),
    ("lanhdao.phulien", "in_progress", "reject", 409),
    ("lanhdao.phulien", "received", "escalate", 303),
    ("lanhdao.phulien", "in_progress", "escalate", 303),
    ("lanhdao.phulien", "rejected", "escalate", 409),
    ("lanhdao.phulien", "resolved", "escalate", 409),
    ("lanhdao.phulien", "received", "assign", 303),
    ("lanhdao.phulien", "closed", "assign", 409),
    ("lanhdao.phulien", "rejected", "reopen", 409),
    # the inspection board reads and writes supervision notes only
    ("thanhtra.phulien", "received", "accept", 403),
    ("thanhtra.phulien", "received", "note", 403),
    ("thanhtra.phulien", "closed", "supervise", 303),
    ("thanhtra.phulien", "rejected", "supervise", 303),
    # the clerk files reports, but does not work them
    ("clerk.phulien", "received", "accept", 403),
    ("clerk.phulien", "received", "take", 403),
    # another ward's officer may not touch it; the province's supervisor may work it
    ("canbo.kienan", "received", "accept", 403),
    ("giamsat.haiphong", "received", "accept", 303),
    ("giamsat.haiphong", "received", "reject", 403),
    ("giamsat.haiphong", "in_progress", "transfer", 303),
    ("giamsat.haiphong", "received", "assign", 303),
    ("giamsat.haiphong", "rejected", "assign", 409),
    # the administrator may do anything the status allows
    ("admin", "received", "escalate", 303),
    ("admin", "rejected", "escalate", 409),
    ("admin", "duplicate", "transfer", 409),
]


@pytest.fixture
async def accounts(database):
    return await staff_accounts()


async def report_in(state: str) -> dict:
    report = await new_report()
    for action in PATHS[state]:
        extra = {}
        if action == "mark_duplicate":
            extra = {"duplicate_of_id": (await new_report())["id"]}
        await apply_action(report["id"], action, public_text="Chuẩn bị", extra=extra)
    return await Report.select().where(Report.id == report["id"]).first()


@pytest.mark.parametrize("username", sorted({line[0] for line in SCENARIOS}))
async def test_who_may_take_which_step_in_which_status(client, accounts, username):
    await sign_in(client, username)  # once per person: each line below gets a fresh report
    for _, state, step, expected in [line for line in SCENARIOS if line[0] == username]:
        case = (username, state, step, expected)
        report = await report_in(state)
        other = await new_report()
        page = await client.get(f"/staff/reports/{report['code']}")
        if username == "canbo.kienan":
            assert page.status_code == 403, case
            token = csrf((await client.get("/staff/")).text)
        else:
            assert page.status_code == 200, case
            token = csrf(page.text)
            assert (f'name="action" value="{step}"' in page.text) == (expected == 303), case
        events_before = await ReportEvent.count().where(ReportEvent.report == report["id"])
        response = await client.post(f"/staff/reports/{report['code']}/act", data={
            "_csrf_token": token, "action": step, "public_text": "Nội dung cho người dân",
            "internal_note": "Ghi chú nội bộ", "target_ward": KIEN_AN, "duplicate_code": other["code"],
            # Always someone other than the actor: assigning oneself would be a "take".
            "assignee": str(accounts["canbo.phulien" if username == "lanhdao.phulien"
                                     else "lanhdao.phulien"]),
        })  # fmt: skip
        assert response.status_code == expected, case
        events_after = await ReportEvent.count().where(ReportEvent.report == report["id"])
        assert (events_after > events_before) == (expected == 303), case
        if expected == 409:
            assert "Không thể thực hiện bước này ở trạng thái hiện tại của phản ánh." in response.text, case


async def test_missing_input_is_400_not_409(client, accounts):
    report = await report_in("received")
    await sign_in(client, "lanhdao.phulien")
    page = await client.get(f"/staff/reports/{report['code']}")
    response = await client.post(f"/staff/reports/{report['code']}/act", data={
        "_csrf_token": csrf(page.text), "action": "reject", "public_text": " "})  # fmt: skip
    assert response.status_code == 400
    row = await Report.select(Report.status).where(Report.id == report["id"]).first()
    assert row["status"] == "received"


@pytest.mark.parametrize("who", ["thanhtra.phulien", "clerk.phulien", "canbo.kienan", "giamsat.haiphong"])
async def test_only_officers_and_leads_of_the_ward_may_be_assigned(client, accounts, who):
    report = await report_in("received")
    await sign_in(client, "lanhdao.phulien")
    page = await client.get(f"/staff/reports/{report['code']}")
    assert f'<option value="{accounts[who]}"' not in page.text
    response = await client.post(f"/staff/reports/{report['code']}/act", data={
        "_csrf_token": csrf(page.text), "action": "assign", "assignee": str(accounts[who])})  # fmt: skip
    assert response.status_code == 400
    assert (await Report.select(Report.assignee).where(Report.id == report["id"]).first())["assignee"] is None
