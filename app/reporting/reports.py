"""Creating reports and changing them: every change is an event, the row its projection."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from app.casework.workflow import Action, Status, next_status
from app.platform import clock
from app.platform.db import for_update, write_transaction
from app.platform.deadlines import deadline_for
from app.platform.photos import ProcessedPhoto
from app.platform.tables import Category, Photo, Province, Report, ReportEvent, Ward
from app.reporting.codes import next_tracking_code


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
    async with write_transaction():
        code = await next_tracking_code(province["report_prefix"], at)
        report = Report(
            code=code,
            ward=new.ward_id,
            category=new.category_id,
            status=Status.RECEIVED,
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
            deadline=deadline,
            created_at=at,
            updated_at=at,
        )
        await report.save()
        await ReportEvent.insert(
            ReportEvent(
                report=report.id,
                kind="created",
                actor=new.filed_by_id or new.reporter_id,
                to_status=Status.RECEIVED,
                data=json.dumps({"channel": new.channel}),
                created_at=at,
            )
        )
        if new.photos:
            await Photo.insert(
                *[
                    Photo(
                        report=report.id,
                        digest=p.digest,
                        width=p.width,
                        height=p.height,
                        position=i,
                        created_at=at,
                    )  # fmt: skip
                    for i, p in enumerate(new.photos)
                ]
            )
    return await Report.select().where(Report.id == report.id).first()


# Timestamps the projection keeps for the service index: first acknowledgement, resolution,
# closing. A reopen clears the latter two, because the case is open again.
_STAMPS = {Status.ACCEPTED: "acknowledged_at", Status.RESOLVED: "resolved_at", Status.CLOSED: "closed_at"}


async def apply_action(
    report_id: int,
    action: Action | str,
    *,
    actor_id: int | None = None,
    public_text: str = "",
    internal_note: str = "",
    at: datetime | None = None,
    extra: dict | None = None,
) -> dict:
    """Move a report through the state machine and append the event that says so."""
    at = at or clock.now()
    async with write_transaction():
        report = await for_update(Report.select().where(Report.id == report_id)).first()
        to = next_status(report["status"], action)
        changes: dict = {Report.status: to, Report.updated_at: at}
        if (stamp := _STAMPS.get(to)) and report[stamp] is None:
            changes[getattr(Report, stamp)] = at
        if Action(action) == Action.REOPEN:
            changes.update({Report.resolved_at: None, Report.closed_at: None})
        await Report.update(changes).where(Report.id == report_id)
        await ReportEvent.insert(
            ReportEvent(
                report=report_id,
                kind="status",
                actor=actor_id,
                from_status=report["status"],
                to_status=to,
                public_text=public_text,
                internal_note=internal_note,
                data=json.dumps({"action": str(action), **(extra or {})}),
                created_at=at,
            )
        )
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
) -> None:
    """An event that does not change the status: a reply, a note, an apology slip."""
    at = at or clock.now()
    await ReportEvent.insert(
        ReportEvent(
            report=report_id,
            kind=kind,
            actor=actor_id,
            public_text=public_text,
            internal_note=internal_note,
            is_public=is_public,
            data=json.dumps(data or {}),
            created_at=at,
        )
    )
