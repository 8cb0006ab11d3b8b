"""The staff queue: the reports an actor may see, filtered, counted, sorted by deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.columns.combination import Or

from app.accounts.policy import Actor, visible_scope
from app.casework.workflow import OPEN_STATUSES, Status
from app.platform.deadlines import deadline_for
from app.platform.tables import Report
from app.reporting.public import status_is_open

FLAGS = ("open", "overdue", "due_soon", "mine", "unassigned", "escalated", "all")
LIMIT = 300


@dataclass(frozen=True)
class QueueFilter:
    flag: str = "open"
    status: str | None = None
    category: str | None = None


def _scoped(query, actor: Actor):
    scope = visible_scope(actor)
    if scope.ward_ids is None:
        return query
    conditions = []
    if scope.ward_ids:
        conditions.append(Report.ward.is_in(list(scope.ward_ids)))
    if scope.province_ids:
        conditions.append(Report.ward.province.is_in(list(scope.province_ids)))
    if not conditions:
        return query.where(Report.id == -1)
    where = conditions[0] if len(conditions) == 1 else Or(conditions[0], conditions[1])
    return query.where(where)


def _flagged(query, flag: str, actor: Actor, now: datetime):
    open_ = status_is_open()
    if flag == "open":
        return query.where(open_)
    if flag == "overdue":
        return query.where(open_, Report.deadline < now)
    if flag == "due_soon":
        return query.where(open_, Report.deadline >= now,
                           Report.deadline <= deadline_for(now, working_days=1))  # fmt: skip
    if flag == "mine":
        return query.where(open_, Report.assignee == actor.person_id)
    if flag == "unassigned":
        return query.where(open_, Report.assignee.is_null())
    if flag == "escalated":
        return query.where(open_, Report.escalated.eq(True))
    return query


async def counts(actor: Actor, now: datetime) -> dict[str, int]:
    result = {}
    for flag in FLAGS:
        result[flag] = await _flagged(_scoped(Report.count(), actor), flag, actor, now)
    for status in Status:
        result[str(status)] = await _scoped(Report.count(), actor).where(Report.status == status)
    return result


async def reports(actor: Actor, chosen: QueueFilter, now: datetime) -> list[dict]:
    query = Report.select(
        Report.id, Report.code, Report.status, Report.description, Report.deadline,
        Report.created_at, Report.support_count, Report.escalated, Report.channel,
        Report.category.code, Report.category.name_vi, Report.category.name_en,
        Report.ward.name, Report.assignee.display_name,
    )  # fmt: skip
    query = _flagged(_scoped(query, actor), chosen.flag if chosen.flag in FLAGS else "open", actor, now)
    if chosen.status:
        query = query.where(Report.status == chosen.status)
    if chosen.category:
        query = query.where(Report.category.code == chosen.category)
    rows = await query.order_by(Report.deadline).limit(LIMIT)
    for row in rows:
        row["overdue"] = row["status"] in OPEN_STATUSES and row["deadline"] < now
    return rows
