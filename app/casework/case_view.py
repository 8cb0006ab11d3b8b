"""What the case page shows a member of staff: the report, its whole history with internal
notes, its handler, and the steps this person may take now."""

from __future__ import annotations

from app.accounts.policy import Act, Actor, Place, allows
from app.accounts.rules import ward_officers
from app.casework import steps
from app.casework.replies import suggested_replies
from app.platform.tables import Person, Report, ReportEvent
from app.reporting.public import report_view


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


async def case_context(report: dict, place: Place, actor: Actor) -> dict:
    view = await report_view(report["code"])
    return {
        "actor": actor, "report": report, "view": view, "events": await history(report["id"]),
        "assignee": await display_name(report["assignee"]),
        "steps": steps.permitted_steps(actor, place, report),
        "show_contact": allows(actor, Act.VIEW_CONTACT, place),
        "officers": await ward_officers(report["ward"]),
        "replies": suggested_replies(view["category"]["code"], report["status"]),
    }  # fmt: skip


async def report_ids(codes: list[str]) -> list[int]:
    """The ids of the reports with these tracking codes (unknown codes are left out)."""
    upper = [c.upper() for c in codes]
    return [r["id"] for r in await Report.select(Report.id).where(Report.code.is_in(upper or [""]))]
