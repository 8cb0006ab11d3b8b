"""Open311 GeoReport v2: our reports seen as service requests, and partners' API keys.

Mapping: a category is a service; a report is a service request, `open` while received,
accepted or in progress and `closed` once resolved, closed or rejected; `status_notes`
carries the latest public reply, `expected_datetime` the deadline, `agency_responsible`
the ward. The detailed status is in `extended_attributes` when asked for.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from app.casework.workflow import OPEN_STATUSES
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.tables import ApiKey, Category, Photo, Report, ReportEvent
from app.reporting.moderation import MODERATION_KINDS, public_description, withheld_photos
from app.reporting.public import ReportFilter, photo_urls

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def issue_key(name: str, created_by: int | None = None, key: str | None = None) -> str:
    """A new partner key; shown once, only its hash is stored."""
    key = key or secrets.token_urlsafe(24)
    await ApiKey.insert(ApiKey(name=name, key_hash=_hash(key), created_by=created_by, created_at=clock.now()))
    return key


async def key_is_valid(key: str | None) -> bool:
    """Whether the key is one we issued and have not revoked; its use is noted for the admins'
    key list, which helps them see which keys are still needed."""
    if not key:
        return False
    row = await ApiKey.select(ApiKey.id).where(ApiKey.key_hash == _hash(key), ApiKey.active.eq(True)).first()
    if row is None:
        return False
    await ApiKey.update({ApiKey.last_used_at: clock.now()}).where(ApiKey.id == row["id"])
    return True


def iso(moment: datetime | None) -> str | None:
    """W3C datetime with an offset, in Vietnam's time, as the spec asks."""
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds") if moment else None


def open311_status(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


async def services() -> list[dict]:
    rows = await Category.select().where(Category.active.eq(True)).order_by(Category.sort_order)
    return [
        {
            "service_code": c["code"],
            "service_name": c["name_vi"],
            "description": f"{c['name_vi']} / {c['name_en']}",
            "metadata": False,
            "type": "realtime",
            "keywords": c["code"].replace("_", ","),
            "group": "urgent" if c["urgent"] else "standard",
        }  # fmt: skip
        for c in rows
    ]


REQUEST_COLUMNS = (
    Report.id, Report.code, Report.status, Report.description, Report.lat, Report.lon, Report.created_at,
    Report.updated_at, Report.deadline, Report.category.code, Report.category.name_vi, Report.ward.name,
    Report.ward.province.short_name, Report.description_state, Report.redacted_description,
    Report.photo_moderation,
)  # fmt: skip


@dataclass(frozen=True)
class RequestQuery:
    """A GET requests query, parsed: either some codes, or the filters (the spec: when codes
    are given the other filters are ignored)."""

    codes: tuple[str, ...] = ()
    filter: ReportFilter = ReportFilter()
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = 1000


async def find_requests(query: RequestQuery) -> list[dict]:
    """Report rows (REQUEST_COLUMNS) that a GET requests query asks for, newest first."""
    select = Report.select(*REQUEST_COLUMNS).where(Report.duplicate_of.is_null())
    if query.codes:
        select = select.where(Report.code.is_in(list(query.codes)))
    else:
        select = query.filter.apply(select)
        if query.updated_after:
            select = select.where(Report.updated_at >= query.updated_after)
        if query.updated_before:
            select = select.where(Report.updated_at <= query.updated_before)
    select = select.order_by(Report.created_at, ascending=False)
    return await select.limit(query.page_size).offset((query.page - 1) * query.page_size)


async def service_exists(code: str) -> bool:
    return await Category.exists().where(Category.code == code, Category.active.eq(True))


async def request_rows(code: str) -> list[dict]:
    return await Report.select(*REQUEST_COLUMNS).where(Report.code == code.upper())


async def code_for_token(token: str) -> str | None:
    """The tracking code of the report a partner created with this token."""
    row = await Report.select(Report.code).where(Report.idempotency_key == f"open311:{token}").first()
    return row["code"] if row else None


async def as_requests(rows: list[dict], base_url: str, extensions: bool = False) -> list[dict]:
    """Service requests for report rows selected with REQUEST_COLUMNS. Public fields only."""
    ids = [r["id"] for r in rows] or [0]
    notes: dict[int, str] = {}
    for event in (
        await ReportEvent.select(ReportEvent.report, ReportEvent.public_text)
        .where(ReportEvent.report.is_in(ids), ReportEvent.is_public.eq(True), ReportEvent.public_text != "",
               ReportEvent.kind.not_in(list(MODERATION_KINDS)))  # a moderator's note is not the case's status
        .order_by(ReportEvent.id)
    ):
        notes[event["report"]] = event["public_text"]  # the latest wins
    withheld = {r["id"]: withheld_photos(r) for r in rows}
    photos = {}
    for photo in await Photo.select(Photo.report, Photo.digest).where(
        Photo.report.is_in(ids), Photo.stage == "before"
    ).order_by(Photo.position):
        if photo["digest"] not in withheld[photo["report"]]:
            photos.setdefault(photo["report"], base_url + photo_urls(photo["digest"])["url"])
    result = []
    for r in rows:
        item = {
            "service_request_id": r["code"], "status": open311_status(r["status"]),
            "status_notes": notes.get(r["id"], ""), "service_name": r["category.name_vi"],
            "service_code": r["category.code"], "description": public_description(r),
            "agency_responsible": r["ward.name"], "service_notice": "",
            "requested_datetime": iso(r["created_at"]), "updated_datetime": iso(r["updated_at"]),
            "expected_datetime": iso(r["deadline"]),
            "address": f"{r['ward.name']}, {r['ward.province.short_name']}", "address_id": "", "zipcode": "",
            "lat": r["lat"], "long": r["lon"], "media_url": photos.get(r["id"], ""),
        }  # fmt: skip
        if extensions:
            item["extended_attributes"] = {"detailed_status": r["status"]}
        result.append(item)
    return result
