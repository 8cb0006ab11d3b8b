"""Point → ward, typed addresses → ward, and deadlines in working days."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from app.platform.boundaries import import_boundaries
from app.platform.clock import VIETNAM
from app.platform.deadlines import add_working_days, deadline_for, is_working_day
from app.platform.tables import Ward
from app.reporting.addresses import match_address
from app.reporting.routing import OutsideVietnam, load_locator, locator


@pytest.mark.parametrize("code", ["11446", "11443", "24736", "03405"])  # Phù Liễn, Kiến An,
async def test_ward_centroids_route_to_themselves(database, code):  # Quảng Trực, Tả Lèng
    ward = await Ward.select(Ward.lat, Ward.lon).where(Ward.code == code).first()
    assert (await locator()).locate(ward["lat"], ward["lon"]).ward.code == code


async def test_every_one_of_the_3321_centroids_routes_to_its_own_ward(database):
    index = await load_locator()
    wrong = [p.code for p in index.places if index.locate(p.lat, p.lon).ward.code != p.code]
    assert len(index.places) == 3321 and wrong == []


@pytest.mark.parametrize(
    ("where", "lat", "lon"),
    [
        ("the open sea east of Quảng Ngãi", 15.2, 110.2),
        ("the sea between Huế and Hải Nam", 17.0, 108.6),
        ("Vientiane, Laos", 17.97, 102.63),
        ("Luang Prabang, Laos", 19.89, 102.13),
        ("Phnom Penh, Cambodia", 11.55, 104.92),
        ("Bangkok", 13.75, 100.5),
    ],
)
async def test_points_outside_vietnam_are_refused(database, where, lat, lon):
    with pytest.raises(OutsideVietnam, match="not inside any commune or ward"):
        (await locator()).locate(lat, lon)


async def test_a_larger_commune_wins_over_a_nearer_small_ward(database):
    index = await load_locator()
    phu_lien = next(p for p in index.places if p.code == "11446")
    match = index.locate(phu_lien.lat + 0.01, phu_lien.lon)
    assert match.ward.code == "11446"
    assert match.alternatives and all(a.code != "11446" for a in match.alternatives)


async def test_imported_boundaries_decide_by_containment(database, no_network):
    # A square around Kiến An's centroid that also covers a point closer to Phù Liễn's.
    kien_an = await Ward.select(Ward.lat, Ward.lon).where(Ward.code == "11443").first()
    phu_lien = await Ward.select(Ward.lat, Ward.lon).where(Ward.code == "11446").first()
    probe = (phu_lien["lat"] + 0.002, phu_lien["lon"])
    assert (await locator()).locate(*probe).ward.code == "11446"
    west, east = kien_an["lon"] - 0.05, kien_an["lon"] + 0.05
    south, north = phu_lien["lat"] - 0.001, kien_an["lat"] + 0.05
    square = {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                  [west, north], [west, south]]]}  # fmt: skip
    result = await import_boundaries([
        {"type": "Feature", "properties": {"ma_xa": "11443"}, "geometry": square},
        {"type": "Feature", "properties": {"code": "99999"}, "geometry": square},
        {"type": "Feature", "properties": {"code": "11446"}, "geometry": {"type": "Point",
                                                                          "coordinates": [1, 2]}},
    ])  # fmt: skip
    assert result.imported == 1
    assert len(result.problems) == 2 and "unknown ward code 99999" in result.problems[0]
    match = (await locator()).locate(*probe)
    assert match.ward.code == "11443" and match.by_boundary
    stored = await Ward.select(Ward.boundary).where(Ward.code == "11443").first()
    assert json.loads(stored["boundary"])["type"] == "Polygon"


def test_old_addresses_convert_to_the_new_ward_offline(no_network):
    old = match_address("xã An Tiến, huyện An Lão (cũ), Hải Phòng")
    assert old is not None and old.ward_code == "11629" and old.converted_from
    street = match_address("Số 5 ngõ 12, phường Lãm Hà, quận Kiến An, Hải Phòng")
    assert street is not None and street.ward_code == "11443"
    new = match_address("Số 5 ngõ 12, phường Phù Liễn, Hải Phòng")
    assert new is not None and new.ward_code == "11446" and new.converted_from is None
    assert match_address("một nơi nào đó không có tên") is None


def test_deadline_skips_the_weekend():
    friday_morning = datetime(2026, 11, 13, 9, 0, tzinfo=VIETNAM)
    # 3 working days after Friday 13 Nov: Mon 16, Tue 17, Wed 18 → 17:00 on Wednesday.
    assert deadline_for(friday_morning, working_days=3) == datetime(2026, 11, 18, 17, 0, tzinfo=VIETNAM)


def test_deadline_skips_tet():
    # Tết 2027 holidays run from Thu 4 Feb to Wed 10 Feb; 2 working days after Wed 3 Feb
    # are Thu 11 and Fri 12 Feb.
    assert not is_working_day(date(2027, 2, 8))
    before_tet = datetime(2027, 2, 3, 10, 0, tzinfo=VIETNAM)
    assert deadline_for(before_tet, working_days=2) == datetime(2027, 2, 12, 17, 0, tzinfo=VIETNAM)
    assert add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 11)


def test_urgent_deadlines_count_hours_around_the_clock():
    saturday_night = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    assert (deadline_for(saturday_night, hours=24) - saturday_night).total_seconds() == 86_400
    with pytest.raises(ValueError):
        deadline_for(saturday_night, working_days=2, hours=24)


async def test_a_stale_locator_is_rebuilt_once_however_many_requests_wait(database, monkeypatch):
    import asyncio

    from app.reporting import routing

    builds = []
    real_load = routing.load_locator

    async def counted_load():
        builds.append(1)
        return await real_load()

    monkeypatch.setattr(routing, "load_locator", counted_load)
    routing.forget_locator()
    found = await asyncio.gather(*[routing.locator() for _ in range(8)])
    assert len(builds) == 1 and all(f is found[0] for f in found)
