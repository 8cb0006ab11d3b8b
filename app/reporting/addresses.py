"""Typed addresses → the ward that receives the report, offline.

Residents still write the addresses they have used for decades: "xã An Tiến, huyện An Lão
(cũ), Hải Phòng". Such pre-2025 addresses (with a district, or marked "cũ") are converted to
the new ward with `vietnamadminunits`; others are parsed as current addresses. The street is
never passed to the converter, because for a split ward it would geocode the street online;
without it the converter falls back to the split ward's default new ward, offline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vietnamadminunits import ParseMode, convert_address, parse_address

# A district level or an explicit "(cũ)" means the address predates 1 July 2025.
LEGACY_MARKERS = re.compile(
    r"\b(huyện|quận|thị xã|huyen|quan|thi xa|district)\b|\(?\bcũ\b\)?|\bcu\)", re.IGNORECASE
)


@dataclass(frozen=True)
class AddressMatch:
    ward_code: str
    ward_name: str
    province_name: str
    converted_from: str | None  # the old ward, district, province when converted


def _new(address: str) -> AddressMatch | None:
    try:
        unit = parse_address(address, mode=ParseMode.FROM_2025, level=2)
    except Exception:  # the parser raises plain Exceptions on text it cannot read
        return None
    if not unit.ward_code:
        return None
    return AddressMatch(unit.ward_code, unit.ward, unit.province, None)


def _legacy(address: str) -> AddressMatch | None:
    try:
        old = parse_address(address, mode=ParseMode.LEGACY, level=3)
        parts = [p for p in (old.ward, old.district, old.province) if p]
        if not old.ward or not old.province:
            return None
        new = convert_address(", ".join(parts))  # no street: stays offline
    except Exception:
        return None
    if not new.ward_code:
        return None
    return AddressMatch(new.ward_code, new.ward, new.province, ", ".join(parts))


def match_address(address: str) -> AddressMatch | None:
    """The ward an address names, or None when it names none we can recognise."""
    address = " ".join(address.split())
    if len(address) < 3:
        return None
    if LEGACY_MARKERS.search(address):
        return _legacy(address) or _new(address)
    return _new(address) or _legacy(address)
