"""Residential groups (thôn, tổ dân phố): the units under a ward where households live.

A ward's groups come from a CSV file — by `gandan import-groups FILE` for many wards, or
uploaded by the ward lead for their own ward — with the columns ward_code, name, kind
(to_dan_pho or thon) and households (optional). Importing again updates what it names and
removes nothing: a group that consultations were put to keeps its history.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.platform.csv_import import csv_lines
from app.platform.db import write_transaction
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.tables import Household, ResidentialGroup, Ward

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
    rows: list[GroupRow] = []
    too_many = _("A file holds at most %(n)d groups.") % {"n": MAX_ROWS}
    for number, cells in csv_lines(text, columns=COLUMNS, required={"name"}, max_rows=MAX_ROWS,
                                   too_many=too_many, error=GroupImportError):  # fmt: skip
        ward_code = cells.get("ward_code") or only_ward or ""
        name = cells.get("name", "")
        kind = cells.get("kind") or "to_dan_pho"
        households = cells.get("households", "")
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


@dataclass(frozen=True)
class Imported:
    stored: int  # rows added or updated
    counted_by_register: int  # groups whose household figure their register sets, not the file


async def import_groups(rows: list[GroupRow]) -> Imported:
    """Add or update these groups. A group that has a household register keeps the figure
    counted from it (see households._recount): the file's figure is for groups without one."""
    codes = sorted({r.ward_code for r in rows})
    wards = {
        w["code"]: w["id"]
        for w in await Ward.select(Ward.id, Ward.code).where(Ward.code.is_in(codes or [""]))
    }
    unknown = [c for c in codes if c not in wards]
    if unknown:
        raise GroupImportError(_("No ward has the code %(code)s.") % {"code": ", ".join(unknown)})
    async with write_transaction():
        registered = {
            (r["group.ward"], r["group.name"])
            for r in await Household.select(Household.group.ward, Household.group.name)
            .where(Household.group.ward.is_in(sorted(wards.values()) or [0]))
            .distinct()
        }
        by_register = [r for r in rows if (wards[r.ward_code], r.name) in registered]
        by_file = [r for r in rows if (wards[r.ward_code], r.name) not in registered]
        for chosen, updated in ((by_file, [ResidentialGroup.kind, ResidentialGroup.households]),
                                (by_register, [ResidentialGroup.kind])):  # fmt: skip
            if chosen:
                await ResidentialGroup.insert(*[
                    ResidentialGroup(ward=wards[r.ward_code], name=r.name, kind=r.kind,
                                     households=r.households)
                    for r in chosen
                ]).on_conflict(
                    target=(ResidentialGroup.ward, ResidentialGroup.name), action="DO UPDATE", values=updated
                )  # fmt: skip
    return Imported(len(rows), len(by_register))


async def groups_of(ward_id: int) -> list[dict]:
    return (
        await ResidentialGroup.select(
            ResidentialGroup.id, ResidentialGroup.name, ResidentialGroup.kind, ResidentialGroup.households
        )
        .where(ResidentialGroup.ward == ward_id)
        .order_by(ResidentialGroup.id)
    )
