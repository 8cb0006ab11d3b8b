"""A resident's submission → a routed, tracked report.

Checks what was sent, processes the photos (in a worker thread: decoding is CPU work),
finds the location (GPS or map pin, else the photo's GPS tags, else the typed address),
routes it to a ward, and stores it once per idempotency key — also when two copies of the
same request arrive together.
"""

from __future__ import annotations

import asyncio
import math
import re
from dataclasses import dataclass, field

from geopy.distance import great_circle

from app.casework.workflow import OPEN_STATUSES
from app.platform import clock
from app.platform.db import UNIQUE_VIOLATIONS, write_transaction
from app.platform.geo import KM_PER_DEGREE
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore, PhotoRejected, ProcessedPhoto, process_photos
from app.platform.tables import Category, Follow, Report, Support, Ward
from app.reporting.addresses import match_address
from app.reporting.moderation import public_description
from app.reporting.public import status_is_open
from app.reporting.reports import NewReport, add_event, create_report
from app.reporting.routing import OutsideVietnam, locator
from notifications import notify

MAX_PHOTOS = 5
MIN_DESCRIPTION, MAX_DESCRIPTION = 5, 2000
MAX_NAME, MAX_ADDRESS = 120, 500
CHANNELS = ("web", "app", "counter", "hotline", "open311")
# Counter and hotline reports are filed by staff for a caller, who may have no photo.
CHANNELS_NEEDING_A_PHOTO = ("web", "app")
PHONE = re.compile(r"^(\+?84|0)\d{8,10}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class SubmissionError(ValueError):
    """What is wrong with a submission, per form field, in words a resident can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass
class Submission:
    category: str
    description: str
    lat: float | None = None
    lon: float | None = None
    location_source: str = "gps"  # gps | map, when lat/lon are given
    address: str = ""
    ward_code: str = ""  # the resident's correction of the suggested ward
    photos: list[bytes] = field(default_factory=list)
    name: str = ""
    phone: str = ""
    email: str = ""
    show_name: bool = False
    channel: str = "web"
    idempotency_key: str | None = None
    # GPS tags the resident's phone read from a photo before shrinking it (which drops them).
    photo_gps: tuple[float, float] | None = None
    # What the form reader already found wrong (coordinates, a photo too large): reported
    # together with every other field's problem, so a form is sent back once, not field by field.
    form_errors: dict[str, str] = field(default_factory=dict)
    reporter_id: int | None = None
    filed_by_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    report: dict
    created: bool


async def find_by_key(key: str | None) -> dict | None:
    if not key:
        return None
    return await Report.select().where(Report.idempotency_key == key).first()


def _check_fields(s: Submission) -> tuple[dict[str, str], str]:
    errors: dict[str, str] = {}
    description = " ".join(s.description.split())
    if len(description) < MIN_DESCRIPTION:
        errors["description"] = _("Describe the problem in a few words.")
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = _("The description is too long (at most 2,000 characters).")
    if len(s.photos) > MAX_PHOTOS:
        errors["photos"] = _("Send at most 5 photos.")
    elif not s.photos and s.channel in CHANNELS_NEEDING_A_PHOTO:
        errors["photos"] = _("Add at least one photo of the problem.")
    phone = re.sub(r"[\s.\-()]", "", s.phone)
    if phone and not PHONE.match(phone):
        errors["phone"] = _("This does not look like a Vietnamese phone number, e.g. 0912 345 678.")
    if s.email and not EMAIL.match(s.email.strip()):
        errors["email"] = _("This does not look like an e-mail address.")
    if s.show_name and not s.name.strip():
        errors["name"] = _("Write your name if you want it shown.")
    if s.channel not in CHANNELS:
        errors["channel"] = _("Unknown channel.")
    if len(s.name) > MAX_NAME or len(s.address) > MAX_ADDRESS:
        errors["name" if len(s.name) > MAX_NAME else "address"] = _("This field is too long.")
    return errors, description


async def _process_all(photos: list[bytes]) -> list[ProcessedPhoto]:
    try:
        return await process_photos(photos)
    except PhotoRejected as rejected:
        message = rejected.message if rejected.number is None else (
            _("Photo %(n)d: %(reason)s") % {"n": rejected.number, "reason": rejected.message}
        )  # fmt: skip
        raise SubmissionError({"photos": message}) from None


async def _route(s: Submission, photos: list[ProcessedPhoto]) -> tuple[dict, float, float, str]:
    """(ward row, lat, lon, location source)."""
    lat, lon, source = s.lat, s.lon, s.location_source
    if lat is None or lon is None:
        exif = next((p.gps for p in photos if p.gps), None) or s.photo_gps
        lat, lon, source = (*exif, "exif") if exif else (None, None, "address")
    if s.ward_code:
        ward = await Ward.select().where(Ward.code == s.ward_code).first()
        if ward is None:
            raise SubmissionError({"ward": _("Choose a ward from the list.")})
    elif lat is not None and lon is not None:
        try:
            match = (await locator()).locate(lat, lon)
        except OutsideVietnam:
            raise SubmissionError({"location": _(
                "This place is not inside any commune or ward of Vietnam. "
                "Check the pin on the map or type the address."
            )}) from None  # fmt: skip
        ward = await Ward.select().where(Ward.id == match.ward.id).first()
    elif s.address.strip():
        found = match_address(s.address)
        if found is None:
            raise SubmissionError({"address": _(
                "We could not recognise the commune or ward in this address. "
                "Write it as: street, ward or commune, province."
            )})  # fmt: skip
        ward = await Ward.select().where(Ward.code == found.ward_code).first()
    else:
        raise SubmissionError({"location": _(
            "Tell us where the problem is: allow location, place the pin on the map, "
            "or type the address."
        )})  # fmt: skip
    if lat is None or lon is None:
        lat, lon = ward["lat"], ward["lon"]
    return ward, lat, lon, source


async def submit(s: Submission, media: MediaStore, originals: MediaStore | None = None) -> Outcome:
    if existing := await find_by_key(s.idempotency_key):
        return Outcome(existing, created=False)
    errors, description = _check_fields(s)
    errors = {**s.form_errors, **errors}
    category = await Category.select().where(Category.code == s.category, Category.active.eq(True)).first()
    if category is None:
        errors["category"] = _("Choose what kind of problem it is.")
    if errors:
        raise SubmissionError(errors)
    photos = await _process_all(s.photos)
    ward, lat, lon, source = await _route(s, photos)
    for photo, original in zip(photos, s.photos, strict=True):
        await asyncio.to_thread(media.save, photo)
        if originals is not None:
            await asyncio.to_thread(originals.keep, photo.digest, original)
    new = NewReport(
        ward_id=ward["id"], category_id=category["id"], description=description, lat=lat,
        lon=lon, location_source=source, address=s.address.strip(), channel=s.channel,
        reporter_id=s.reporter_id, reporter_name=s.name.strip(),
        reporter_phone=re.sub(r"[\s.\-()]", "", s.phone), reporter_email=s.email.strip(),
        show_name=s.show_name, filed_by_id=s.filed_by_id, idempotency_key=s.idempotency_key,
        photos=photos,
    )  # fmt: skip
    try:
        report = await create_report(new)
    except UNIQUE_VIOLATIONS:
        # Two copies of one request raced past the first check; the unique key let one in.
        if existing := await find_by_key(s.idempotency_key):
            return Outcome(existing, created=False)
        raise
    if s.reporter_id:
        await follow(s.reporter_id, report["id"])
    await notify.tell(await notify.ward_staff(ward["id"]), "new_report", report["id"])
    return Outcome(report, created=True)


async def follow(person_id: int, report_id: int) -> None:
    if not await Follow.exists().where(Follow.person == person_id, Follow.report == report_id):
        try:
            await Follow.insert(Follow(person=person_id, report=report_id, created_at=clock.now()))
        except UNIQUE_VIOLATIONS:  # a concurrent follow got there first; that is the goal
            pass


def may_support(report: dict, person_id: int | None) -> bool:
    """A "me too" is for an open report, and from someone other than its reporter."""
    return report["status"] in OPEN_STATUSES and (person_id is None or report["reporter"] != person_id)


async def support(person_id: int, report_id: int, network: str = "") -> bool:
    """A resident's "me too": counted once, and they follow the report from then on.
    False when nothing was counted: already supported, their own report, or not open.
    `network` is the keyed hash of the network it came from, for `support_tally`."""
    at = clock.now()
    try:
        async with write_transaction():
            report = await Report.select(Report.status, Report.reporter).where(Report.id == report_id).first()
            if not may_support(report, person_id) or await Support.exists().where(
                Support.person == person_id, Support.report == report_id
            ):
                return False
            await Support.insert(Support(person=person_id, report=report_id, created_at=at, network=network))
            await add_event(report_id, "supported", is_public=False, data={"added": 1}, at=at)
    except UNIQUE_VIOLATIONS:  # a double tap's twin got there first: counted once, as it should be
        return False
    await follow(person_id, report_id)
    return True


async def support_tally(report_id: int) -> dict:
    """Supports counted by device and by network: twenty fresh cookie jars on one network show
    as twenty supports from one network. Supports from before networks were kept count as one
    network each."""
    rows = await Support.select(Support.network).where(Support.report == report_id)
    known = {r["network"] for r in rows if r["network"]}
    return {"devices": len(rows), "networks": len(known) + sum(1 for r in rows if not r["network"])}


async def nearby_open_reports(
    category: str, lat: float, lon: float, radius_m: int, limit: int = 5
) -> list[dict]:
    """Open reports of the same category within `radius_m`, nearest first."""
    dlat = radius_m / 1000 / KM_PER_DEGREE
    dlon = dlat / max(0.1, math.cos(math.radians(lat)))
    rows = await Report.select(
        Report.id, Report.code, Report.description, Report.lat, Report.lon, Report.status,
        Report.support_count, Report.created_at, Report.description_state, Report.redacted_description,
    ).where(
        Report.category.code == category,
        status_is_open(),
        Report.lat >= lat - dlat, Report.lat <= lat + dlat,
        Report.lon >= lon - dlon, Report.lon <= lon + dlon,
    ).limit(200)  # fmt: skip
    near = []
    for row in rows:
        metres = great_circle((lat, lon), (row["lat"], row["lon"])).m
        if metres <= radius_m:
            near.append({**row, "description": public_description(row), "distance_m": round(metres)})
    near.sort(key=lambda r: r["distance_m"])
    return near[:limit]
