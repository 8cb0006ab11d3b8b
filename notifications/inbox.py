"""A person's in-app inbox and the reports they filed or follow."""

from __future__ import annotations

import json

from app.platform import clock
from app.platform.tables import Follow, InboxNotification, Person, Report
from notifications import preferences
from notifications.messages import render


async def unread_count(person_id: int) -> int:
    return await InboxNotification.count().where(
        InboxNotification.person == person_id, InboxNotification.read_at.is_null()
    )


async def messages(person_id: int, language: str, limit: int = 50) -> list[dict]:
    rows = (
        await InboxNotification.select(
            InboxNotification.id,
            InboxNotification.kind,
            InboxNotification.payload,
            InboxNotification.created_at,
            InboxNotification.read_at,
            InboxNotification.report.code,
        )  # fmt: skip
        .where(InboxNotification.person == person_id)
        .order_by(InboxNotification.created_at, ascending=False)
        .limit(limit)
    )
    result = []
    for row in rows:
        payload = json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
        title, body = render(row["kind"], language, row["report.code"], payload)
        result.append({**row, "title": title, "body": body, "code": row["report.code"],
                       "path": page_path(payload)})  # fmt: skip
    return result


async def mark_all_read(person_id: int) -> None:
    await InboxNotification.update({InboxNotification.read_at: clock.now()}).where(
        InboxNotification.person == person_id, InboxNotification.read_at.is_null()
    )


async def my_reports(person_id: int) -> list[dict]:
    """Reports the person filed, then those they follow, newest first."""
    followed = [f["report"] for f in await Follow.select(Follow.report).where(
        Follow.person == person_id, Follow.report.is_not_null())]  # fmt: skip
    query = Report.select(Report.code, Report.status, Report.description, Report.created_at, Report.reporter)
    rows = await query.where((Report.reporter == person_id) | Report.id.is_in(followed or [0])).order_by(
        Report.created_at, ascending=False
    )
    return [{**r, "mine": r["reporter"] == person_id} for r in rows]


async def get_preferences(person_id: int) -> dict:
    row = await Person.select(Person.preferences).where(Person.id == person_id).first()
    return preferences.load(row["preferences"] if row else None)


async def save_preferences(person_id: int, chosen: dict[str, bool], language: str | None = None) -> None:
    changes = {Person.preferences: json.dumps({k: bool(chosen.get(k)) for k in preferences.DEFAULTS})}
    if language in ("vi", "en"):
        changes[Person.language] = language
    await Person.update(changes).where(Person.id == person_id)


def page_path(payload: dict) -> str | None:
    """The page a notice about something other than a report leads to: its own path, or the
    proposal it names."""
    if payload.get("path"):
        return payload["path"]
    return f"/proposals/{payload['proposal_id']}" if payload.get("proposal_id") else None
