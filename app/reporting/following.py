"""Who follows and supports which report: what a report page shows a resident about themselves."""

from __future__ import annotations

from app.platform.tables import Follow, Support
from app.reporting.feedback import can_confirm, can_rate
from app.reporting.submission import may_support


async def stop_following(person_id: int, report_id: int) -> None:
    await Follow.delete().where(Follow.person == person_id, Follow.report == report_id)


async def relation(person_id: int | None, report: dict) -> dict:
    """What this resident has done and may do on this report (its full row)."""
    if person_id is None:
        return {"following": False, "supported": False, "can_confirm": False, "can_rate": False,
                "may_support": may_support(report, None)}  # fmt: skip
    return {
        "following": await Follow.exists().where(Follow.person == person_id, Follow.report == report["id"]),
        "supported": await Support.exists().where(
            Support.person == person_id, Support.report == report["id"]
        ),
        "can_confirm": can_confirm(report, person_id),
        "can_rate": await can_rate(report, person_id),
        "may_support": may_support(report, person_id),
    }
