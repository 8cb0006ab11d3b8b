"""The household register of each residential group: who has a say in a household decision.

A household is a label the ward gives it ("Hộ số 17", "Số 12 ngõ 5") in its group: no name and
no ID number is asked or kept. The register comes from a CSV — `gandan import-households FILE`
for many wards, or uploaded by the ward lead or a group head — with the columns ward_code,
group, household; or a group head adds and removes households one by one. Importing again adds
what is new and takes back a household marked as left; it removes nothing.

The register fixes each decision's denominator: a decision counts the households registered in
its groups when it opens, and later changes to the register do not move a running decision's
threshold. The group's `households` figure follows the register once it has one.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.policy import Act, Actor, Place, allows_for_groups
from app.platform.csv_import import csv_lines
from app.platform.db import write_transaction
from app.platform.i18n import gettext as _
from app.platform.tables import GroupHead, Household, Person, ResidentialGroup, StaffRole, Ward
from app.platform.text import clean_text

COLUMNS = ("ward_code", "group", "household")
MAX_ROWS = 20_000
LABEL_CHARS = 60


class RegisterError(ValueError):
    """What is wrong with a household file or entry, by line, for the person keeping it."""


@dataclass(frozen=True)
class HouseholdRow:
    ward_code: str
    group: str
    label: str


def read_households(text: str, *, only_ward: str | None = None) -> list[HouseholdRow]:
    """The rows of a household CSV, checked. `only_ward`: every row must belong to that ward
    (a ward lead or group head imports for their own ward; the column may then be left out)."""
    rows: list[HouseholdRow] = []
    seen: set[tuple[str, str, str]] = set()
    too_many = _("A file holds at most %(n)d households.") % {"n": MAX_ROWS}
    for number, cells in csv_lines(text, columns=COLUMNS, required={"group", "household"},
                                   max_rows=MAX_ROWS, too_many=too_many, error=RegisterError):  # fmt: skip
        ward_code = cells.get("ward_code") or only_ward or ""
        group = cells.get("group", "")
        label = cells.get("household", "")
        line = {"line": number}
        if only_ward and ward_code != only_ward:
            raise RegisterError(_("Line %(line)d belongs to another ward.") % line)
        if not group:
            raise RegisterError(_("Line %(line)d: name the residential group.") % line)
        if len(group) > 120:
            raise RegisterError(_("Line %(line)d: the name needs 2 to 120 characters.") % line)
        if not 1 <= len(label) <= LABEL_CHARS:
            raise RegisterError(_("Line %(line)d: the household label needs 1 to 60 characters.") % line)
        key = (ward_code, group, label)
        if key in seen:
            raise RegisterError(_("Line %(line)d repeats a household of the same group.") % line)
        seen.add(key)
        rows.append(HouseholdRow(ward_code, group, label))
    return rows


async def headed_groups(person_id: int) -> frozenset[int]:
    """The residential groups this person heads."""
    rows = await GroupHead.select(GroupHead.group).where(GroupHead.person == person_id)
    return frozenset(r["group"] for r in rows)


async def may_keep(
    actor: Actor, act: Act, ward: dict, group_ids: set[int], headed: frozenset[int] | None = None
) -> bool:
    """Whether the actor may do `act` for these groups of `ward` ({"id", "province"}).
    `headed`: the groups the actor heads, when the caller asks for many groups at once."""
    if headed is None:
        headed = await headed_groups(actor.person_id)
    return allows_for_groups(actor, act, Place(ward["id"], ward["province"]), frozenset(group_ids), headed)


async def _groups_by_name(ward_codes: list[str]) -> dict[tuple[str, str], dict]:
    rows = await ResidentialGroup.select(
        ResidentialGroup.id,
        ResidentialGroup.name,
        ResidentialGroup.ward.as_alias("ward_id"),
        ResidentialGroup.ward.code.as_alias("ward_code"),
        ResidentialGroup.ward.province.as_alias("province"),
    ).where(ResidentialGroup.ward.code.is_in(ward_codes or [""]))
    return {(r["ward_code"], r["name"]): r for r in rows}


async def import_households(actor: Actor | None, rows: list[HouseholdRow]) -> int:
    """Add these households (or take back ones marked as left); returns how many rows were
    stored. `actor` None: the command line, run by whoever runs the server."""
    groups = await _groups_by_name(sorted({r.ward_code for r in rows}))
    missing = sorted({f"{r.group} ({r.ward_code})" for r in rows if (r.ward_code, r.group) not in groups})
    if missing:
        raise RegisterError(
            _("No residential group is named %(names)s: import the groups first.")
            % {"names": ", ".join(missing[:5])}
        )
    if actor is not None:
        for ward_id in {groups[(r.ward_code, r.group)]["ward_id"] for r in rows}:
            mine = {g["id"] for g in groups.values() if g["ward_id"] == ward_id}
            named = {groups[(r.ward_code, r.group)]["id"] for r in rows} & mine
            ward = {"id": ward_id, "province": next(g["province"] for g in groups.values()
                                                    if g["ward_id"] == ward_id)}  # fmt: skip
            if not await may_keep(actor, Act.KEEP_HOUSEHOLDS, ward, named):
                raise PermissionError(_("You may not keep the register of these groups."))
    if not rows:
        return 0
    async with write_transaction():
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            await Household.insert(
                *[Household(group=groups[(r.ward_code, r.group)]["id"], label=r.label) for r in chunk]
            ).on_conflict(
                target=(Household.group, Household.label), action="DO UPDATE", values=[Household.active]
            )
        await _recount({groups[(r.ward_code, r.group)]["id"] for r in rows})
    return len(rows)


async def _recount(group_ids: set[int]) -> None:
    """The group's household figure follows its register."""
    for group_id in group_ids:
        count = await Household.count().where(Household.group == group_id, Household.active.eq(True))
        await ResidentialGroup.update({ResidentialGroup.households: count}).where(
            ResidentialGroup.id == group_id
        )


async def group_with_ward(group_id: int) -> dict | None:
    return (
        await ResidentialGroup.select(
            ResidentialGroup.id,
            ResidentialGroup.name,
            ResidentialGroup.ward.as_alias("ward_id"),
            ResidentialGroup.ward.code.as_alias("ward_code"),
            ResidentialGroup.ward.province.as_alias("province"),
        )
        .where(ResidentialGroup.id == group_id)
        .first()
    )


async def _checked_group(actor: Actor, group_id: int) -> dict:
    group = await group_with_ward(group_id)
    if group is None:
        raise RegisterError(_("Choose a residential group."))
    ward = {"id": group["ward_id"], "province": group["province"]}
    if not await may_keep(actor, Act.KEEP_HOUSEHOLDS, ward, {group_id}):
        raise PermissionError(_("You may not keep the register of this group."))
    return group


async def add_household(actor: Actor, group_id: int, label: str) -> None:
    group = await _checked_group(actor, group_id)
    label = " ".join(clean_text(label, LABEL_CHARS, _("Household")).split())
    if not label:
        raise RegisterError(_("Give the household a label, such as its house number."))
    async with write_transaction():
        await Household.insert(Household(group=group["id"], label=label)).on_conflict(
            target=(Household.group, Household.label), action="DO UPDATE", values=[Household.active]
        )
        await _recount({group["id"]})


async def set_active(actor: Actor, household_id: int, active: bool) -> None:
    """A household that left is marked so (kept for the decisions it had a say in)."""
    row = await Household.select(Household.group).where(Household.id == household_id).first()
    if row is None:
        raise RegisterError(_("This household is not in the register."))
    await _checked_group(actor, row["group"])
    async with write_transaction():
        await Household.update({Household.active: active}).where(Household.id == household_id)
        await _recount({row["group"]})


async def register_of(group_id: int) -> list[dict]:
    return (
        await Household.select(Household.id, Household.label, Household.active)
        .where(Household.group == group_id)
        .order_by(Household.active, ascending=False)
        .order_by(Household.id)
    )


async def active_households(group_ids: list[int]) -> list[dict]:
    return (
        await Household.select(Household.id, Household.group)
        .where(Household.group.is_in(group_ids or [0]), Household.active.eq(True))
        .order_by(Household.id)
    )


async def set_group_head(actor: Actor, group_id: int, person_id: int | None) -> None:
    """Name the head of a group (a ward-wide role decides, never a group head); None: nobody."""
    group = await group_with_ward(group_id)
    if group is None:
        raise RegisterError(_("Choose a residential group."))
    ward = {"id": group["ward_id"], "province": group["province"]}
    if not allows_for_groups(actor, Act.KEEP_HOUSEHOLDS, Place(ward["id"], ward["province"]),
                             frozenset({group_id}), frozenset()):  # fmt: skip
        raise PermissionError(_("Only the ward names the heads of its groups."))
    async with write_transaction():
        await GroupHead.delete().where(GroupHead.group == group_id)
        if person_id is not None:
            if person_id not in {h["id"] for h in await head_candidates(ward["id"])}:
                raise RegisterError(_("Choose a group head of this ward."))
            await GroupHead.insert(GroupHead(group=group_id, person=person_id))


async def head_candidates(ward_id: int) -> list[dict]:
    """The ward's accounts holding the group head role."""
    rows = await StaffRole.select(StaffRole.person).where(
        StaffRole.ward == ward_id, StaffRole.role == "group_head"
    )
    return (
        await Person.select(Person.id, Person.display_name)
        .where(Person.id.is_in([r["person"] for r in rows] or [0]), Person.is_active.eq(True))
        .order_by(Person.display_name)
    )


async def ward_register(ward_id: int) -> list[dict]:
    """The ward's groups with their head and their active household count, for staff pages."""
    groups = (
        await ResidentialGroup.select(ResidentialGroup.id, ResidentialGroup.name, ResidentialGroup.households)
        .where(ResidentialGroup.ward == ward_id)
        .order_by(ResidentialGroup.id)
    )
    heads = {
        h["group"]: h
        for h in await GroupHead.select(
            GroupHead.group, GroupHead.person, GroupHead.person.display_name
        ).where(GroupHead.group.is_in([g["id"] for g in groups] or [0]))
    }
    return [{**g, "head_id": heads.get(g["id"], {}).get("person"),
             "head_name": heads.get(g["id"], {}).get("person.display_name")} for g in groups]  # fmt: skip


async def ward_for_code(ward_code: str) -> dict | None:
    return (
        await Ward.select(Ward.id, Ward.code, Ward.name, Ward.province).where(Ward.code == ward_code).first()
    )
