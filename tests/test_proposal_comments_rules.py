"""Comments on proposals (replies, supports once per person, flags withholding at N, the ward
lead's moderation with a public reason), and the ward lead's page for the ward's proposal
rules with its audit entry. Expected values are written out by hand."""

from __future__ import annotations

from app.accounts.rules import load_actor
from app.participation import proposals
from app.participation.proposals import NewProposal
from app.platform.photos import MediaStore
from app.platform.tables import AuditEntry, Comment, Person, Proposal, Ward, WardParticipation
from tests.workspace_helpers import KIEN_AN, PHU_LIEN, csrf, sign_in, staff_accounts

DESCRIPTION = "Lắp thêm hai cột đèn ở ngõ 38 để bà con đi lại an toàn buổi tối."
COMMENT = "Đồng ý, ngõ này tối lắm, các cháu đi học về rất nguy hiểm."


async def _person(token: str) -> int:
    person = Person(device_identity=token, display_name=f"Người {token}", phone="0912 777 888")
    await person.save()
    return person.id


async def _proposal(settings, proposer: int) -> int:
    new = NewProposal("Đèn cho ngõ 38", DESCRIPTION, ward_code=PHU_LIEN)
    return await proposals.propose(proposer, new, MediaStore(settings.media_dir))


async def _as(client, device: str, path: str) -> str:
    client.cookies.clear()
    client.cookies.set("gd_device", device)
    return csrf((await client.get(path)).text)


async def test_residents_comment_reply_support_and_flag_and_the_lead_moderates(database, fixed_clock, client):
    await staff_accounts()
    proposal_id = await _proposal(database, await _person("author"))
    for device in ("c1", "c2", "c3", "c4"):
        await _person(device)
    page = f"/proposals/{proposal_id}"
    token = await _as(client, "c1", page)
    posted = await client.post(f"{page}/comments", data={"_csrf_token": token, "body": COMMENT})
    assert posted.status_code == 303 and posted.headers["location"].endswith("?done=commented#comments")
    comment = await Comment.select().where(Comment.target_kind == "proposal").first()
    assert comment["target_id"] == proposal_id and comment["body"] == COMMENT
    token = await _as(client, "c2", page)
    reply = await client.post(
        f"{page}/comments", data={"_csrf_token": token, "body": "Tôi cũng thấy vậy.", "parent": comment["id"]}
    )
    assert reply.status_code == 303
    short = await client.post(f"{page}/comments", data={"_csrf_token": token, "body": "x"})
    assert short.status_code == 400 and "2 đến 2.000 ký tự" in short.text
    for _ in range(2):  # one support per person
        await client.post(f"/comments/{comment['id']}/support", data={"_csrf_token": token})
    shown = (await client.get(page)).text
    assert COMMENT in shown and "Tôi cũng thấy vậy." in shown
    assert "Người c1" not in shown and "0912 777 888" not in shown  # never who wrote it
    assert (await Comment.select(Comment.support_count).where(Comment.id == comment["id"]).first())[
        "support_count"
    ] == 1
    thread = (await client.get(f"/api/v1/proposals/{proposal_id}/comments")).json()
    assert [(c["body"], c["support_count"], [r["body"] for r in c["replies"]]) for c in thread] == [
        (COMMENT, 1, ["Tôi cũng thấy vậy."])
    ]
    assert "person" not in thread[0] and "supported" not in thread[0]
    assert (await client.get("/api/v1/proposals/999999/comments")).status_code == 404
    # Flags: the third different person withholds it.
    for n, device in enumerate(["c2", "c3", "c3", "c4"]):
        token = await _as(client, device, page)
        await client.post(f"/comments/{comment['id']}/flag", data={"_csrf_token": token, "reason": "spam"})
        state = (await Comment.select(Comment.state).where(Comment.id == comment["id"]).first())["state"]
        assert state == ("pending" if n == 3 else "visible"), n
    client.cookies.clear()
    assert COMMENT not in (await client.get(page)).text
    # Moderation: an officer may not; the ward lead finds it on the moderation page.
    await sign_in(client, "canbo.phulien")
    assert (await client.get("/staff/moderation")).status_code == 403
    token = csrf((await client.get(page)).text)
    refused = await client.post(
        f"/staff/comments/{comment['id']}/moderate",
        data={"_csrf_token": token, "decision": "restore", "reason": "Không vi phạm"},
    )
    assert refused.status_code == 403
    client.cookies.clear()
    await sign_in(client, "lanhdao.phulien")
    queue = await client.get("/staff/moderation")
    assert COMMENT in queue.text and "Rác, quảng cáo: 3" in queue.text
    restored = await client.post(
        f"/staff/comments/{comment['id']}/moderate",
        data={"_csrf_token": csrf(queue.text), "decision": "restore", "reason": "Ý kiến đóng góp chính đáng",
              "back": "/staff/moderation"},
    )  # fmt: skip
    assert restored.status_code == 303 and restored.headers["location"] == "/staff/moderation"
    client.cookies.clear()
    shown = (await client.get(page)).text
    assert COMMENT in shown and "Ý kiến đóng góp chính đáng" in shown


async def test_an_expired_proposal_takes_no_more_comments(database, fixed_clock, client):
    await staff_accounts()
    proposal_id = await _proposal(database, await _person("author"))
    await Proposal.update({Proposal.state: "expired", Proposal.expired_at: fixed_clock.now()}).where(
        Proposal.id == proposal_id
    )
    await _person("late")
    token = await _as(client, "late", "/proposals/new")  # the expired one's page has no form
    refused = await client.post(
        f"/proposals/{proposal_id}/comments", data={"_csrf_token": token, "body": COMMENT}
    )
    assert refused.status_code == 400 and "hết hạn" in refused.text
    assert await Comment.count() == 0
    assert 'name="body"' not in refused.text  # no comment form on an expired proposal


async def test_the_ward_lead_sets_the_proposal_rules_and_the_change_is_audited(database, fixed_clock, client):
    accounts = await staff_accounts()
    ward = await Ward.select(Ward.id, Ward.province).where(Ward.code == PHU_LIEN).first()
    await sign_in(client, "canbo.phulien")
    assert (await client.get("/staff/proposal-rules")).status_code == 403
    client.cookies.clear()
    await sign_in(client, "lanhdao.phulien")
    page = await client.get("/staff/proposal-rules")
    assert page.status_code == 200 and "100 lượt ủng hộ trong 90 ngày" in page.text
    token = csrf(page.text)
    bad = await client.post("/staff/proposal-rules", data={
        "_csrf_token": token, "ward": PHU_LIEN, "support_threshold": "0", "period_days": "3",
    })  # fmt: skip
    assert bad.status_code == 400 and "từ 1 đến 1.000.000" in bad.text and "từ 7 đến 365" in bad.text
    assert not await WardParticipation.exists().where(WardParticipation.ward == ward["id"])
    other = await client.post("/staff/proposal-rules", data={"_csrf_token": token, "ward": KIEN_AN,
                                                             "support_threshold": "5"})  # fmt: skip
    assert other.status_code == 403  # another ward's rules
    saved = await client.post("/staff/proposal-rules", data={
        "_csrf_token": token, "ward": PHU_LIEN, "support_threshold": "50", "population": "12.345",
        "threshold_percent": "0,5", "period_days": "60", "answer_working_days": "",
    })  # fmt: skip
    assert saved.status_code == 303
    rules = await proposals.ward_rules(ward["id"])
    # 0.5 % of 12,345 is 61.7: 62 supports, the share winning over the number where both are set.
    assert (rules.threshold, rules.period_days, rules.answer_working_days) == (62, 60, 15)
    entry = await AuditEntry.select().where(AuditEntry.action == "proposal_rules_changed").output(
        load_json=True
    ).first()  # fmt: skip
    assert entry["actor"] == accounts["lanhdao.phulien"] and entry["province"] == ward["province"]
    assert entry["details"] == {"support_threshold": "— → 50", "population": "— → 12345",
                                "threshold_percent": "— → 0.5", "period_days": "— → 60"}  # fmt: skip
    # Saving the same again changes nothing and writes nothing.
    await proposals.change_ward_rules(await load_actor(accounts["lanhdao.phulien"]), PHU_LIEN, {
        "support_threshold": 50, "population": 12345, "threshold_percent": 0.5, "period_days": 60,
        "answer_working_days": None,
    })  # fmt: skip
    assert await AuditEntry.count().where(AuditEntry.action == "proposal_rules_changed") == 1
    # The province supervisor reads it in the audit log.
    client.cookies.clear()
    await sign_in(client, "giamsat.haiphong")
    audit = (await client.get("/staff/admin/audit")).text
    assert "Quy định về đề xuất của phường đã thay đổi" in audit and "— → 50" in audit
