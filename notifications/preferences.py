"""Per-person notification preferences and quiet hours."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from app.platform.clock import VIETNAM

# Which kinds of notification each preference governs.
GROUPS = {
    "report_updates": {"status", "resolved", "reopened", "reply", "apology", "duplicate"},
    "ward_news": {"government_action", "consultation_opened", "consultation_closing",
                  "consultation_synthesis", "consultation_late", "proposal_answered", "proposal_progress",
                  "inspection_answered"},
    "work": {"new_report", "assigned", "due_soon", "escalated", "proposal_due", "proposal_overdue",
             "inspection_request", "inspection_overdue"},
}
DEFAULTS = {"push": True, "report_updates": True, "ward_news": True, "work": True, "quiet_hours": True}
QUIET_FROM, QUIET_UNTIL = time(22, 0), time(6, 0)
# Never held back for the night: a late case going up a level, a flooded lane reported.
URGENT_KINDS = {"escalated", "apology"}


def load(raw) -> dict:
    stored = json.loads(raw) if isinstance(raw, str) else (raw or {})
    return {**DEFAULTS, **{k: bool(v) for k, v in stored.items() if k in DEFAULTS}}


def wants_push(preferences: dict, kind: str) -> bool:
    if not preferences["push"]:
        return False
    return all(preferences[group] for group, kinds in GROUPS.items() if kind in kinds)


def deliver_at(now: datetime, preferences: dict, urgent: bool) -> datetime:
    """Now, or the end of the quiet hours (06:00 in Vietnam) for what can wait."""
    if urgent or not preferences["quiet_hours"]:
        return now
    local = now.astimezone(VIETNAM)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return now
    morning = local.date() + (timedelta(days=1) if local.time() >= QUIET_FROM else timedelta())
    return datetime.combine(morning, QUIET_UNTIL, tzinfo=VIETNAM)
