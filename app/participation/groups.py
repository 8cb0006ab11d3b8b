"""Residential groups (thôn, tổ dân phố): the units under a ward where households live.

A ward's groups come from a CSV file — by `gandan import-groups FILE` for many wards, or
uploaded by the ward lead for their own ward — with the columns ward_code, name, kind
(to_dan_pho or thon) and households (optional). Importing again updates what it names and
removes nothing: a group that consultations were put to keeps its history.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.tables import ResidentialGroup, Ward

KINDS = {"to_dan_pho": N_("Residential group (tổ dân phố)"), "thon": N_("Village (thôn)")}
COLUMNS = ("ward_code", "name", "kind", "households")
MAX_ROWS = 5000


class GroupImportError(ValueError):
    """What is wrong with a residential group file, by line, for the person importing it."""


@dataclass(frozen=True)
class GroupRow:
    ward_code: str
    name: str
    kind: str
    households: int | None


def read_groups(text: str, *, only_ward: str | None = None) -> list[GroupRow]:
    """The rows of a groups CSV, checked. `only_ward`: every row must belong to that ward
    (a ward lead imports for their own ward; the column may then be left empty)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or "name" not in reader.fieldnames:
        raise GroupImportError(
            _("The file needs a header line: %(columns)s.") % {"columns": ", ".join(COLUMNS)}
        )
    rows: list[GroupRow] = []
    for number, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise GroupImportError(_("A file holds at most %(n)d groups.") % {"n": MAX_ROWS})
        ward_code = (raw.get("ward_code") or only_ward or "").strip()
        name = " ".join((raw.get("name") or "").split())
        kind = (raw.get("kind") or "to_dan_pho").strip() or "to_dan_pho"
        households = (raw.get("households") or "").strip()
        if not name and not ward_code:
            continue  # a blank line
        line = {"line": number}
        if only_ward and ward_code != only_ward:
            raise GroupImportError(_("Line %(line)d belongs to another ward.") % line)
        if not 2 <= len(name) <= 120:
            raise GroupImportError(_("Line %(line)d: the name needs 2 to 120 characters.") % line)
        if kind not in KINDS:
            raise GroupImportError(_("Line %(line)d: the kind is to_dan_pho or thon.") % line)
        if households and not (households.isdigit() and int(households) <= 100_000):
            raise GroupImportError(_("Line %(line)d: households is a whole number.") % line)
        rows.append(GroupRow(ward_code, name, kind, int(households) if households else None))
    return rows


async def import_groups(rows: list[GroupRow]) -> int:
    """Add or update these groups; returns how many rows were stored."""
    codes = sorted({r.ward_code for r in rows})
    wards = {
        w["code"]: w["id"]
        for w in await Ward.select(Ward.id, Ward.code).where(Ward.code.is_in(codes or [""]))
    }
    unknown = [c for c in codes if c not in wards]
    if unknown:
        raise GroupImportError(_("No ward has the code %(code)s.") % {"code": ", ".join(unknown)})
    if rows:
        await ResidentialGroup.insert(
            *[
                ResidentialGroup(ward=wards[r.ward_code], name=r.name, kind=r.kind, households=r.households)
                for r in rows
            ]
        ).on_conflict(
            target=(ResidentialGroup.ward, ResidentialGroup.name),
            action="DO UPDATE",
            values=[ResidentialGroup.kind, ResidentialGroup.households],
        )
    return len(rows)


async def groups_of(ward_id: int) -> list[dict]:
    return (
        await ResidentialGroup.select(
            ResidentialGroup.id, ResidentialGroup.name, ResidentialGroup.kind, ResidentialGroup.households
        )
        .where(ResidentialGroup.ward == ward_id)
        .order_by(ResidentialGroup.id)
    )
