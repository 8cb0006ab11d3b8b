"""Who is told what. Each message lands in the in-app inbox of its recipients, in the same
transaction as the change that caused it; it is rendered in the reader's language when shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from app.accounts.policy import Role
from app.platform import clock
from app.platform.tables import Follow, InboxNotification, StaffRole, Ward
from notifications import outbox, preferences


async def followers(report_id: int) -> list[int]:
    return [r["person"] for r in await Follow.select(Follow.person).where(Follow.report == report_id)]


async def ward_staff(ward_id: int, roles: Iterable[Role] = (Role.OFFICER, Role.WARD_LEAD)) -> list[int]:
    rows = await StaffRole.select(StaffRole.person).where(
        StaffRole.ward == ward_id, StaffRole.role.is_in([str(r) for r in roles])
    )
    return [r["person"] for r in rows]


async def province_supervisors(ward_id: int) -> list[int]:
    ward = await Ward.select(Ward.province).where(Ward.id == ward_id).first()
    rows = await StaffRole.select(StaffRole.person).where(
        StaffRole.province == ward["province"], StaffRole.role == Role.PROVINCE_SUPERVISOR
    )
    return [r["person"] for r in rows]


async def tell(people: Iterable[int], kind: str, report_id: int | None = None,
               exclude: int | None = None, **payload) -> int:  # fmt: skip
    """Tell each person once (never the one who acted): an inbox notification, and a push
    through the outbox for those with a device who want it."""
    recipients = sorted({p for p in people if p is not None and p != exclude})
    if not recipients:
        return 0
    now = clock.now()
    await InboxNotification.insert(
        *[
            InboxNotification(
                person=p, kind=kind, report=report_id, payload=json.dumps(payload), created_at=now
            )  # fmt: skip
            for p in recipients
        ]
    )
    # Pushes leave the database later, through the outbox written in this same transaction.
    await outbox.enqueue(recipients, kind, report_id, payload, urgent=kind in preferences.URGENT_KINDS)
    return len(recipients)
