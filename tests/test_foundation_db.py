"""Migrations, administrative units and demo data, on whichever engine the run uses."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from app.demo import DEMO_ACCOUNTS, DEMO_WARDS, seed_demo
from app.platform import db
from app.platform.photos import MediaStore
from app.platform.tables import (
    Category,
    Person,
    Photo,
    Province,
    Rating,
    Report,
    ReportEvent,
    StaffRole,
    Ward,
)  # fmt: skip
from app.platform.units import REPORT_PREFIXES, import_units

EXPECTED_TABLES = {
    "provinces", "wards", "categories", "people", "staff_roles", "code_counters", "reports",
    "report_events", "photos", "follows", "devices", "outbox", "inbox", "government_actions",
    "ratings",
}  # fmt: skip


async def _table_names(settings) -> set[str]:
    if settings.is_sqlite:
        rows = await Province.raw("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {r["name"] for r in rows}
    rows = await Province.raw(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return {r["name"] for r in rows}


async def test_migrations_create_every_table_and_rerun_as_no_op(database):
    assert EXPECTED_TABLES <= await _table_names(database)
    applied = await Province.raw("SELECT COUNT(*) AS n FROM migration")
    await db.migrate(database)
    assert await Province.raw("SELECT COUNT(*) AS n FROM migration") == applied


async def test_composite_unique_index_refuses_a_second_follow(database):
    from app.platform.tables import Follow

    person = Person(display_name="x")
    await person.save()
    ward = await Ward.select(Ward.id).first()
    await Follow.insert(Follow(person=person.id, ward=ward["id"]))
    with pytest.raises(Exception, match="(?i)unique"):
        await Follow.insert(Follow(person=person.id, ward=ward["id"]))


async def test_units_are_34_provinces_and_3321_wards_and_a_rerun_changes_nothing(database, no_network):
    # The session fixture has loaded them once already; this run must find nothing to do.
    result = await import_units()
    assert not result.changed, result
    assert await Province.count() == 34
    assert await Ward.count() == 3321
    phu_lien = (
        await Ward.select(Ward.name, Ward.province.code, Ward.lat, Ward.lon)
        .where(Ward.code == "11446")
        .first()
    )
    assert phu_lien["name"] == "Phường Phù Liễn"
    assert phu_lien["province.code"] == "31"
    assert phu_lien["lat"] == pytest.approx(20.79, abs=0.01)
    prefixes = [p["report_prefix"] for p in await Province.select(Province.report_prefix)]
    assert sorted(prefixes) == sorted(REPORT_PREFIXES.values())


async def test_units_repair_a_changed_ward(database, no_network):
    await Ward.update({Ward.name: "Tên sai"}).where(Ward.code == "11446")
    result = await import_units()
    assert result.wards_updated == 1 and result.wards_created == 0
    assert (await Ward.select(Ward.name).where(Ward.code == "11446").first())["name"] == ("Phường Phù Liễn")


async def test_seed_demo_is_idempotent_and_covers_every_status(database, tmp_path):
    media = MediaStore(tmp_path / "media")
    first = await seed_demo(media)
    counts = {
        table: await table.count()
        for table in (Person, StaffRole, Category, Report, ReportEvent, Photo, Rating)
    }
    second = await seed_demo(media)
    assert first >= 30 and second == 0
    assert {t: await t.count() for t in counts} == counts

    usernames = {p["username"] for p in await Person.select(Person.username)}
    assert {a.username for a in DEMO_ACCOUNTS} <= usernames
    statuses = {r["status"] for r in await Report.select(Report.status)}
    assert statuses == {"received", "accepted", "in_progress", "resolved", "closed", "rejected"}
    ward_codes = {r["ward.code"] for r in await Report.select(Report.ward.code)}
    assert ward_codes == set(DEMO_WARDS)
    assert await ReportEvent.count().where(ReportEvent.kind == "apology") >= 1


async def test_demo_photos_are_real_jpegs_without_metadata(database, tmp_path):
    media = MediaStore(tmp_path / "media")
    await seed_demo(media)
    photos = await Photo.select(Photo.digest, Photo.width, Photo.height)
    assert photos
    for photo in photos[:5]:
        for variant, limit in (("display", 1600), ("thumb", 400)):
            data = media.path(photo["digest"], variant).read_bytes()
            image = Image.open(io.BytesIO(data))
            assert image.format == "JPEG"
            assert max(image.size) <= limit
            assert len(image.getexif()) == 0
            assert b"Exif" not in data[:4096]
