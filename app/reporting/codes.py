"""Tracking codes: province prefix, year and month, and a per-month sequence: HP-2611-0042."""

from __future__ import annotations

import re
from datetime import datetime

from app.platform.clock import VIETNAM
from app.platform.tables import CodeCounter


def code_key(prefix: str, at: datetime) -> str:
    return f"{prefix}-{at.astimezone(VIETNAM):%y%m}"


async def next_tracking_code(prefix: str, at: datetime) -> str:
    """Take the next number of the month atomically, so concurrent reports never share one.

    A single upsert statement with RETURNING works the same on SQLite (3.35+) and PostgreSQL.
    """
    key = code_key(prefix, at)
    rows = await CodeCounter.raw(
        "INSERT INTO code_counters (key, last_value) VALUES ({}, 1) "
        "ON CONFLICT (key) DO UPDATE SET last_value = code_counters.last_value + 1 "
        "RETURNING last_value",
        key,
    )
    return f"{key}-{rows[0]['last_value']:04d}"


def normalise_code(typed: str) -> str | None:
    """A code as someone copies it from paper — lower case, spaces, dashes left out
    ("hp 2611 42", "hp26110042") — in its printed form, HP-2611-0042; None if it cannot be one."""
    compact = re.sub(r"[^A-Z0-9]", "", typed.upper())[:20]
    match = re.fullmatch(r"([A-Z]{1,4})(\d{4})(\d{1,6})", compact)
    if not match:
        return None
    prefix, month, number = match.groups()
    return f"{prefix}-{month}-{int(number):04d}"
