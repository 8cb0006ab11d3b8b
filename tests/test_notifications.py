"""Push delivery through the outbox with the real firebase-admin library, talking HTTP to a
local fake of FCM (the one part that lives outside this machine)."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import datetime

import pytest

from app.platform.clock import VIETNAM
from app.platform.tables import Device, Outbox, Person
from notifications import notify, outbox
from notifications.fcm import FirebaseSender
from notifications.messages import render
from notifications.worker import deliver_due
from tests.fake_fcm import FakeFcm


@pytest.fixture(autouse=True)
def daytime(fixed_clock):
    """Friday 09:00 in Vietnam unless a test moves the clock: outside the quiet hours."""
    return fixed_clock


@pytest.fixture
def fcm():
    fake = FakeFcm()
    yield fake
    fake.close()


@pytest.fixture
async def sender(fcm, tmp_path):
    real = FirebaseSender(fcm.service_account(tmp_path), fcm.fcm_url)
    yield real
    await real.close()


async def person_with(fids: list[str], language: str = "vi", **prefs) -> int:
    person = Person(display_name="Cư dân", language=language, preferences=json.dumps(prefs))
    await person.save()
    if fids:
        await Device.insert(*[Device(person=person.id, fid=fid, platform="web") for fid in fids])
    return person.id


async def test_dead_registrations_are_pruned_and_the_live_one_gets_it(database, fcm, sender):
    person = await person_with(["dead-1", "mismatch-1", "badtoken-1", "live-1"])
    assert await notify.tell([person], "reply", None, text="Đã vá ổ gà") == 1
    done = await deliver_due(sender, "w1")
    assert done.sent == 1 and sorted(done.pruned) == ["badtoken-1", "dead-1", "mismatch-1"]
    assert [d["fid"] for d in await Device.select(Device.fid)] == ["live-1"]
    assert [m["fid"] for m in fcm.sent] == ["live-1"]
    assert fcm.sent[0]["notification"]["body"] == "Đã vá ổ gà"
    assert (await Outbox.select(Outbox.state).first())["state"] == "sent"


async def test_a_503_is_retried(database, fcm, sender):
    await notify.tell([await person_with(["flaky-1"])], "reply", None, text="x")
    done = await deliver_due(sender, "w1")
    assert done.sent == 1 and fcm.attempts["flaky-1"] == 3  # two 503s, then delivered


async def test_quota_errors_back_off_then_deliver(database, fcm, sender, fixed_clock):
    await notify.tell([await person_with(["busy-1"])], "escalated", None, text="x")
    first = await deliver_due(sender, "w1")
    assert first.retried == 1 and first.sent == 0
    row = await Outbox.select().first()
    assert row["attempts"] == 1 and row["next_attempt_at"] > fixed_clock.now() and row["last_error"]
    assert (await deliver_due(sender, "w1")).claimed == 0  # not due yet
    fcm.busy_until_released = False
    fixed_clock.advance(seconds=3)
    assert (await deliver_due(sender, "w1")).sent == 1


async def test_batches_past_500_devices(database, fcm, sender, monkeypatch):
    from firebase_admin import messaging

    sizes = []
    real_send = messaging.send_each_async

    async def counting(messages, *args, **kwargs):
        sizes.append(len(messages))
        return await real_send(messages, *args, **kwargs)

    monkeypatch.setattr(messaging, "send_each_async", counting)
    await notify.tell([await person_with([f"live-{n}" for n in range(1201)])], "reply", None, text="x")
    done = await deliver_due(sender, "w1")
    assert done.sent == 1 and sizes == [500, 500, 201] and len(fcm.sent) == 1201


async def test_two_workers_deliver_each_row_exactly_once(database, fcm, sender):
    people = [await person_with([f"live-{n}"]) for n in range(120)]
    await notify.tell(people, "government_action", None, title="Kế hoạch 2027")
    rounds = await asyncio.gather(*[deliver_due(sender, f"worker-{n}") for n in range(2)])
    while (more := await deliver_due(sender, "worker-0")).claimed:
        rounds.append(more)
    assert sum(r.sent for r in rounds) == 120
    assert Counter(m["fid"] for m in fcm.sent) == Counter(f"live-{n}" for n in range(120))
    assert await Outbox.count().where(Outbox.state == "sent") == 120


async def test_a_crash_between_claim_and_send_means_redelivery_not_loss(database, fcm, sender, fixed_clock):
    await notify.tell([await person_with(["live-1"])], "reply", None, text="x")
    claimed = await outbox.claim("crashed-worker", 10)  # …and the process dies here
    assert len(claimed) == 1
    assert (await deliver_due(sender, "w2")).claimed == 0  # still leased to the dead worker
    fixed_clock.advance(seconds=outbox.LEASE.total_seconds() + 1)
    assert (await deliver_due(sender, "w2")).sent == 1
    assert len(fcm.sent) == 1


async def test_quiet_hours_hold_what_can_wait_until_six(database, fcm, sender, fixed_clock):
    fixed_clock.at = datetime(2026, 11, 20, 23, 0, tzinfo=VIETNAM)
    calm, night_owl = await person_with(["live-1"]), await person_with(["live-2"], quiet_hours=False)
    await notify.tell([calm, night_owl], "reply", None, text="x")
    await notify.tell([calm], "escalated", None, text="urgent")  # urgent: not held back
    first = await deliver_due(sender, "w1")
    assert first.sent == 2 and {m["fid"] for m in fcm.sent} == {"live-1", "live-2"}
    held = await Outbox.select().where(Outbox.state == "pending").first()
    assert held["next_attempt_at"] == datetime(2026, 11, 21, 6, 0, tzinfo=VIETNAM)
    fixed_clock.at = datetime(2026, 11, 21, 6, 1, tzinfo=VIETNAM)
    assert (await deliver_due(sender, "w1")).sent == 1


async def test_preferences_can_turn_pushes_off(database):
    no_push = await person_with(["live-1"], push=False)
    no_news = await person_with(["live-2"], ward_news=False)
    await notify.tell([no_push, no_news], "government_action", None, title="x")
    await notify.tell([no_news], "reply", None, text="x")
    rows = await Outbox.select(Outbox.recipient, Outbox.kind)
    assert rows == [{"recipient": no_news, "kind": "reply"}]


async def test_message_text_in_vietnamese_and_english(database, fcm, sender):
    vi, en = await person_with(["live-vi"], "vi"), await person_with(["live-en"], "en")
    await notify.tell([vi, en], "apology", None, new_date="2026-11-25")
    await deliver_due(sender, "w1")
    titles = {m["fid"]: m["notification"]["title"] for m in fcm.sent}
    assert "xin lỗi" in titles["live-vi"] and "apologises" in titles["live-en"]
    assert (
        render("resolved", "en", "HP-2611-0001", {})[0] == "Report HP-2611-0001 is resolved: please confirm"
    )
