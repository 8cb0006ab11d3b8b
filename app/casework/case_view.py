"""What the case page shows a member of staff: the report, its whole history with internal
notes, its handler, and the steps this person may take now."""

from __future__ import annotations

from app.accounts.policy import Act, Actor, Place, allows
from app.accounts.rules import ward_officers
from app.casework import steps
from app.casework.replies import suggested_replies
from app.participation.comments import FLAG_REASONS
from app.participation.moderation import report_flags
from app.platform.tables import Person, Report, ReportEvent
from app.reporting.moderation import WITHHELD, staff_photos
from app.reporting.public import photo_urls, report_view


async def history(report_id: int) -> list[dict]:
    """Every event of the report, public and internal, oldest first, with who did it."""
    return await (
        ReportEvent.select(
            ReportEvent.kind, ReportEvent.from_status, ReportEvent.to_status, ReportEvent.public_text,
            ReportEvent.internal_note, ReportEvent.is_public, ReportEvent.data, ReportEvent.created_at,
            ReportEvent.actor.display_name,
        )
        .where(ReportEvent.report == report_id)
        .order_by(ReportEvent.id)
        .output(load_json=True)
    )  # fmt: skip


async def display_name(person_id: int | None) -> str | None:
    if person_id is None:
        return None
    row = await Person.select(Person.display_name).where(Person.id == person_id).first()
    return row["display_name"] if row else None


def staff_photo_urls(code: str, digest: str) -> dict:
    """Where staff see a photo the public may not: behind the sign-in, never cached."""
    base = f"/staff/reports/{code}/photos/{digest}"
    return {"url": base, "thumbnail_url": f"{base}?variant=thumb"}


async def photos(report: dict) -> list[dict]:
    """Every photo of the report with its moderation state; withheld ones at staff addresses."""
    return [
        {
            **p,
            **(
                staff_photo_urls(report["code"], p["digest"])
                if p["state"] in WITHHELD
                else photo_urls(p["digest"])
            ),
        }
        for p in await staff_photos(report)
    ]


async def case_context(report: dict, place: Place, actor: Actor) -> dict:
    view = await report_view(report["code"])
    return {
        "actor": actor, "report": report, "view": view, "events": await history(report["id"]),
        "assignee": await display_name(report["assignee"]),
        "steps": steps.permitted_steps(actor, place, report),
        "show_contact": allows(actor, Act.VIEW_CONTACT, place),
        "officers": await ward_officers(report["ward"]),
        "replies": suggested_replies(view["category"]["code"], report["status"]),
        "photos": await photos(report), "flags": await report_flags(report["id"]),
        "flag_reasons": FLAG_REASONS,
    }  # fmt: skip


async def report_ids(codes: list[str]) -> list[int]:
    """The ids of the reports with these tracking codes (unknown codes are left out)."""
    upper = [c.upper() for c in codes]
    return [r["id"] for r in await Report.select(Report.id).where(Report.code.is_in(upper or [""]))]
