"""Creating reports and changing them: every change is an event, the row its projection."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.casework.workflow import Action, Status, next_status
from app.platform import clock
from app.platform.db import for_update, write_transaction
from app.platform.deadlines import deadline_for
from app.platform.photos import ProcessedPhoto
from app.platform.tables import Category, Photo, Province, Report, ReportEvent, Ward
from app.reporting.codes import next_tracking_code
from app.reporting.counters import count_change, count_new
from app.reporting.projection import Projection, apply, project
from app.transparency.index_snapshots import MOVES_THE_INDEX, ward_changed


@dataclass
class NewReport:
    ward_id: int
    category_id: int
    description: str
    lat: float
    lon: float
    location_source: str = "gps"
    address: str = ""
    channel: str = "web"
    reporter_id: int | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter_email: str = ""
    show_name: bool = False
    filed_by_id: int | None = None
    idempotency_key: str | None = None
    photos: list[ProcessedPhoto] = field(default_factory=list)


async def category_deadline(category_id: int, received_at: datetime) -> datetime:
    category = await Category.select().where(Category.id == category_id).first()
    return deadline_for(
        received_at,
        working_days=category["deadline_working_days"],
        hours=category["deadline_hours"],
    )


async def create_report(new: NewReport, at: datetime | None = None) -> dict:
    """Store a report with its photos and its first event; returns the report row.

    Photos must already be processed and saved in the media store: only their digests and
    sizes are written here, in the same transaction as the report.
    """
    at = at or clock.now()
    ward = await Ward.select(Ward.province).where(Ward.id == new.ward_id).first()
    province = await Province.select(Province.report_prefix).where(Province.id == ward["province"]).first()
    deadline = await category_deadline(new.category_id, at)
    created = {
        "kind": "created", "to_status": Status.RECEIVED, "created_at": at,
        "data": {"channel": new.channel, "ward_id": new.ward_id, "deadline": deadline.isoformat(),
                 "photos": [p.digest for p in new.photos]},
    }  # fmt: skip
    async with write_transaction():
        code = await next_tracking_code(province["report_prefix"], at)
        report = Report(
            code=code,
            category=new.category_id,
            description=new.description,
            lat=new.lat,
            lon=new.lon,
            location_source=new.location_source,
            address=new.address,
            channel=new.channel,
            reporter=new.reporter_id,
            reporter_name=new.reporter_name,
            reporter_phone=new.reporter_phone,
            reporter_email=new.reporter_email,
            show_name=new.show_name,
            filed_by=new.filed_by_id,
            idempotency_key=new.idempotency_key,
            created_at=at,
            **apply(None, created).as_dict(),
        )
        await report.save()
        await count_new({"ward": new.ward_id, "created_at": at, "status": report.status,
                         "category": new.category_id, "lat": new.lat, "lon": new.lon})  # fmt: skip
        await ward_changed(new.ward_id)
        event_id = await _insert_event(report.id, created, actor_id=new.filed_by_id or new.reporter_id)
        await _insert_photos(report.id, new.photos, stage="before", event_id=event_id, at=at)
    return await Report.select().where(Report.id == report.id).first()


async def _insert_event(
    report_id: int, event: dict, *, actor_id: int | None, from_status: str | None = None,
    public_text: str = "", internal_note: str = "", is_public: bool = True,
) -> int:  # fmt: skip
    inserted = await ReportEvent.insert(
        ReportEvent(
            report=report_id,
            kind=event["kind"],
            actor=actor_id,
            from_status=from_status,
            to_status=event.get("to_status"),
            public_text=public_text,
            internal_note=internal_note,
            is_public=is_public,
            data=json.dumps(event["data"]),
            created_at=event["created_at"],
        )
    )
    return inserted[0]["id"]


async def _insert_photos(report_id: int, photos, *, stage: str, event_id: int, at: datetime) -> None:
    if photos:
        await Photo.insert(
            *[
                Photo(report=report_id, event=event_id, stage=stage, digest=p.digest, width=p.width,
                      height=p.height, position=i, created_at=at)  # fmt: skip
                for i, p in enumerate(photos)
            ]
        )


async def _append(report: dict, event: dict, **columns) -> dict:
    """Store one event and the row the projection makes of it (inside a write transaction,
    with `report` read under its row lock); returns the row's changed fields."""
    before = Projection.of_row(report)
    changes = apply(before, event).changes_from(before)
    if changes:
        await Report.update({getattr(Report, name): value for name, value in changes.items()}).where(
            Report.id == report["id"]
        )
    await count_change(report, changes)  # also for an event that changes no field: a reply is news
    if changes.keys() & MOVES_THE_INDEX:
        await ward_changed(report["ward"], changes.get("ward"))
    event_id = await _insert_event(report["id"], event, **columns)
    return {**changes, "event_id": event_id}


async def _locked(report_id: int) -> dict:
    return await for_update(Report.select().where(Report.id == report_id)).first()


async def apply_action(
    report_id: int,
    action: Action | str,
    *,
    actor_id: int | None = None,
    public_text: str = "",
    internal_note: str = "",
    at: datetime | None = None,
    extra: dict | None = None,
    photos: Sequence[ProcessedPhoto] = (),
) -> dict:
    """Move a report through the state machine and append the event that says so.

    `extra` is what else the step changes, in the projection's words (to_ward_id,
    duplicate_of_id, …); `photos` are after-photos that the event carries."""
    at = at or clock.now()
    async with write_transaction():
        report = await _locked(report_id)
        to = next_status(report["status"], action, duplicate=report["duplicate_of"] is not None)
        data = {"action": str(action), **(extra or {})}
        if photos:
            data["photos"] = [p.digest for p in photos]
        event = {"kind": "status", "to_status": to, "data": data, "created_at": at}
        written = await _append(report, event, actor_id=actor_id, from_status=report["status"],
                                public_text=public_text, internal_note=internal_note)  # fmt: skip
        await _insert_photos(report_id, photos, stage="after", event_id=written["event_id"], at=at)
    return await Report.select().where(Report.id == report_id).first()


async def add_event(
    report_id: int,
    kind: str,
    *,
    actor_id: int | None = None,
    public_text: str = "",
    internal_note: str = "",
    is_public: bool = True,
    data: dict | None = None,
    at: datetime | None = None,
) -> dict:
    """An event that leaves the status as it is: a reply, a note, an assignment, an apology
    slip with its new deadline, an escalation, a support. Returns the row's changed fields."""
    event = {"kind": kind, "data": data or {}, "created_at": at or clock.now()}
    async with write_transaction():
        return await _append(await _locked(report_id), event, actor_id=actor_id, public_text=public_text,
                             internal_note=internal_note, is_public=is_public)  # fmt: skip


async def rebuilt(report_id: int) -> Projection:
    """The report's row as its events alone make it."""
    events = (
        await ReportEvent.select(
            ReportEvent.kind, ReportEvent.to_status, ReportEvent.data, ReportEvent.created_at
        )
        .where(ReportEvent.report == report_id)
        .order_by(ReportEvent.id)
        .output(load_json=True)
    )
    return project(events)


async def report_by_code(code: str) -> dict | None:
    """The report's full row, by its tracking code in any case. Written out: Piccolo's build of
    a select of every column cost more than the indexed read (every report page makes it)."""
    rows = await Report.raw("SELECT * FROM reports WHERE code = {}", code.upper())
    return rows[0] if rows else None
