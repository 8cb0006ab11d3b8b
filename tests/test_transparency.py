"""The service index on a fixed data set, the ranking, and the public pages that show them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from app.platform.clock import VIETNAM
from app.transparency.queries import last_months
from app.transparency.service_index import CaseFacts, compute

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=VIETNAM)
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=VIETNAM)


def case(status="closed", *, created=MONDAY, deadline_days=5, ack_hours=1.0, resolved_days=2.0,
         late=False, reopened=False, category="roads", channel="web") -> CaseFacts:  # fmt: skip
    return CaseFacts(
        status=status, category=category, channel=channel, created_at=created,
        deadline=created + timedelta(days=deadline_days),
        acknowledged_at=created + timedelta(hours=ack_hours) if ack_hours is not None else None,
        resolved_at=created + timedelta(days=resolved_days) if resolved_days is not None else None,
        was_late=late, reopened=reopened,
    )  # fmt: skip


def test_index_formula_on_a_fixed_data_set():
    cases = [
        case(),  # on time, acknowledged in 1 h
        case(resolved_days=3, reopened=True, channel="hotline"),  # on time, but reopened once
        case(resolved_days=7, late=True, category="waste"),  # resolved after its deadline
        case("in_progress", resolved_days=None, late=True, ack_hours=30),  # open, deadline missed
        case("received", resolved_days=None, ack_hours=None, deadline_days=10),  # not due yet
        case("rejected", resolved_days=None),  # not counted in the shares
    ]
    index = compute(cases, stars=[5, 4, 3], now=NOW, months=last_months(NOW, 3))
    assert index.reports == 6 and index.due == 4
    assert index.on_time == pytest.approx(2 / 4)
    # Acknowledged within 8 working hours: the first three (1 h each); 30 calendar hours from a
    # Monday 09:00 is Tuesday 15:00, i.e. 13 working hours; one never acknowledged.
    assert index.acknowledged == pytest.approx(3 / 5)
    assert index.median_days_to_resolve == 3.0
    assert index.satisfaction == 4.0 and index.ratings == 3
    assert index.reopen_rate == pytest.approx(1 / 3)
    expected = 100 * (40 * 0.5 + 20 * 0.6 + 25 * 0.75 + 15 * (2 / 3)) / 100
    assert index.score == pytest.approx(round(expected, 1))
    assert index.by_channel == {"web": 5, "hotline": 1}
    assert index.by_category == {"roads": 5, "waste": 1}
    assert index.monthly == [("2026-09", 0, 0), ("2026-10", 0, 0), ("2026-11", 6, 3)]


def test_acknowledgement_is_judged_only_once_its_eight_working_hours_are_over():
    friday_9am = datetime(2026, 11, 20, 9, 0, tzinfo=VIETNAM)
    thursday_4pm = datetime(2026, 11, 19, 16, 0, tzinfo=VIETNAM)
    cases = [
        case("received", created=MONDAY, ack_hours=None, resolved_days=None),  # 4 days: late
        case("received", created=thursday_4pm, ack_hours=None, resolved_days=None),  # ~3 h: not yet
        case("accepted", created=friday_9am - timedelta(minutes=10), ack_hours=0.1, resolved_days=None),
    ]
    assert compute(cases, stars=[], now=friday_9am, months=[]).acknowledged == pytest.approx(1 / 2)
    # Filed on Saturday, looked at on Sunday: no working hour has passed; nothing to judge yet.
    saturday = datetime(2026, 11, 21, 10, 0, tzinfo=VIETNAM)
    weekend = [case("received", created=saturday, ack_hours=None, resolved_days=None)]
    assert compute(weekend, stars=[], now=saturday + timedelta(days=1), months=[]).acknowledged is None


def test_a_ward_without_ratings_is_judged_on_the_rest():
    index = compute([case()], stars=[], now=NOW, months=[])
    assert index.satisfaction is None
    assert index.score == 100.0  # on time, acknowledged, never reopened


def test_no_reports_no_index():
    index = compute([], stars=[], now=NOW, months=[])
    assert index.score is None and index.on_time is None


async def test_ranking_orders_wards_by_index(database, fixed_clock):
    from app.accounts.rules import load_actor
    from app.casework.steps import Step, perform
    from app.casework.sweep import sweep
    from app.platform.tables import Province
    from app.transparency.queries import province_ranking
    from tests.workspace_helpers import KIEN_AN, PHU_LIEN, new_report, staff_accounts

    accounts = await staff_accounts()
    good = await new_report(PHU_LIEN)
    await new_report(KIEN_AN)  # left to go overdue
    officer = await load_actor(accounts["canbo.phulien"])
    for step in ("accept", "resolve"):
        await perform(officer, good["id"], Step(step, public_text="Xong"))
    fixed_clock.advance(days=20)
    await sweep()
    province = await Province.select(Province.id).where(Province.code == "31").first()
    ranking = await province_ranking(province["id"])
    ranked = [w["code"] for w in ranking if w["rank"]]
    assert ranked[:2] == [PHU_LIEN, KIEN_AN]
    assert ranking[0]["index"].score > ranking[1]["index"].score
    assert ranking[2]["rank"] is None  # wards without reports come after, unranked


async def test_ward_and_province_pages(demo_data, client):
    ward = await client.get("/wards/11446")
    assert ward.status_code == 200
    html = ward.text
    assert "Phường Phù Liễn" in html and "<svg" in html and "<table" in html
    province = await client.get("/provinces/31")
    assert province.status_code == 200 and "40 × tỷ lệ giải quyết đúng hạn" in province.text
    assert province.text.index("Phường Phù Liễn") < province.text.index("Xã An Khánh")
    assert (await client.get("/wards/99999")).status_code == 404
