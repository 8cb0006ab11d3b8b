"""Resident proposals (sáng kiến, kiến nghị; Law 10/2022 on grassroots democracy): a resident
proposes something for their ward, others support it, and a proposal that reaches its
threshold of supports within its period must be answered publicly by the ward within a
deadline in working days — accepted (with a plan), accepted in part, or declined with reasons.
An accepted proposal carries a public progress tracker; one that misses its threshold expires.

Supports are not a poll: one person supports once, nobody opposes, and a support is counted
towards the ward's duty to answer, not towards a decision.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from piccolo.query.functions.aggregate import Count

from app.accounts.administration import record_ward_setting
from app.accounts.policy import Act, Actor, Place, Role, allows
from app.participation import comments
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.db import UNIQUE_VIOLATIONS, for_update, write_transaction
from app.platform.deadlines import deadline_for
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore, PhotoRejected, ProcessedPhoto, process_photos
from app.platform.tables import (
    Proposal,
    ProposalMilestone,
    ProposalPhoto,
    ProposalSupport,
    ProposalUpdate,
    Ward,
    WardParticipation,
)
from app.reporting.routing import OutsideVietnam, locator
from notifications import notify

DEFAULT_THRESHOLD = 100
DEFAULT_PERIOD_DAYS = 90
DEFAULT_ANSWER_WORKING_DAYS = 15
MAX_PHOTOS = 5

STATES = {
    "open": N_("Gathering supports"),
    "due": N_("Due for an answer"),
    "answered": N_("Answered"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
    "expired": N_("Expired"),
}
ANSWERS = {
    "accepted": N_("Accepted"),
    "partial": N_("Accepted in part"),
    "declined": N_("Declined"),
}
SUPPORTABLE = ("open", "due")


class ProposalError(ValueError):
    """What is wrong with a proposal, an answer or an update, per form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class Rules:
    """A ward's proposal rules, with the defaults filled in."""

    threshold: int
    period_days: int
    answer_working_days: int


def threshold_for(population: int | None, support_threshold: int | None, percent: float | None) -> int:
    """Supports that make an answer due: a share of the population where both are known,
    else the ward's own number, else the default."""
    if population and percent:
        return max(1, math.ceil(population * percent / 100))
    return support_threshold or DEFAULT_THRESHOLD


async def ward_rules(ward_id: int) -> Rules:
    row = await WardParticipation.select().where(WardParticipation.ward == ward_id).first()
    row = row or {}
    return Rules(
        threshold=threshold_for(
            row.get("population"), row.get("support_threshold"), row.get("threshold_percent")
        ),
        period_days=row.get("period_days") or DEFAULT_PERIOD_DAYS,
        answer_working_days=row.get("answer_working_days") or DEFAULT_ANSWER_WORKING_DAYS,
    )


async def set_ward_rules(ward_id: int, **values) -> None:
    """Store a ward's settings (population, support_threshold, threshold_percent, period_days,
    answer_working_days); None keeps the default."""
    if await WardParticipation.exists().where(WardParticipation.ward == ward_id):
        await WardParticipation.update(values).where(WardParticipation.ward == ward_id)
    else:
        await WardParticipation.insert(WardParticipation(ward=ward_id, **values))


# What a ward lead may set, with the bounds a form value must keep (None: the default).
RULE_BOUNDS: dict[str, tuple[type, float, float]] = {
    "support_threshold": (int, 1, 1_000_000),
    "population": (int, 1, 100_000_000),
    "threshold_percent": (float, 0.01, 100),
    "period_days": (int, 7, 365),
    "answer_working_days": (int, 1, 60),
}


async def stored_rules(ward_id: int) -> dict:
    """The ward's own settings as stored, None where the default applies."""
    row = (
        await WardParticipation.select(*[getattr(WardParticipation, n) for n in RULE_BOUNDS])
        .where(WardParticipation.ward == ward_id)
        .first()
    )
    return row or dict.fromkeys(RULE_BOUNDS)


def _vietnamese_number(value: float) -> str:
    """1.000.000 and 0,01: thousands with dots, decimals with a comma, as the form is read."""
    whole = f"{int(value):,}".replace(",", ".")
    return whole if value == int(value) else f"{value:g}".replace(".", ",")


def read_rules(form: dict[str, str]) -> dict[str, int | float | None]:
    """A ward's settings from a form: each empty (the default) or a number within its bounds."""
    values, errors = {}, {}
    for name, (kind, low, high) in RULE_BOUNDS.items():
        text = "".join((form.get(name) or "").split())
        # A whole number may be typed with thousands dots (12.345); a share with a comma (0,5).
        text = text.replace(".", "").replace(",", "") if kind is int else text.replace(",", ".")
        if not text:
            values[name] = None
            continue
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            errors[name] = _("Give a number from %(low)s to %(high)s, or leave it empty for the default.") % {
                "low": _vietnamese_number(low),
                "high": _vietnamese_number(high),
            }
        values[name] = value
    if errors:
        raise ProposalError(errors)
    return values


async def change_ward_rules(actor: Actor, ward_code: str, values: dict[str, int | float | None]) -> None:
    """A ward lead sets the ward's proposal rules; the change is written to the audit log in
    the same transaction. Proposals already made keep the threshold they were made with."""
    ward = (
        await Ward.select(Ward.id, Ward.code, Ward.name, Ward.province).where(Ward.code == ward_code).first()
    )
    if ward is None:
        raise LookupError(ward_code)
    if not allows(actor, Act.SET_PROPOSAL_RULES, Place(ward["id"], ward["province"])):
        raise PermissionError(_("Only the ward's leaders set its proposal rules."))
    async with write_transaction():
        before = await stored_rules(ward["id"])
        changed = {
            name: f"{'—' if before[name] is None else before[name]} → {'—' if value is None else value}"
            for name, value in values.items()
            if before[name] != value
        }
        if not changed:
            return
        await set_ward_rules(ward["id"], **values)
        await record_ward_setting(
            actor, "proposal_rules_changed", f"{ward['code']} {ward['name']}", ward["province"], changed
        )


# --- proposing ------------------------------------------------------------------------------


@dataclass
class NewProposal:
    title: str
    description: str
    ward_code: str = ""
    lat: float | None = None
    lon: float | None = None
    photos: list[bytes] = field(default_factory=list)


def _clean(new: NewProposal) -> tuple[str, str]:
    errors = {}
    title = " ".join(new.title.split())
    description = new.description.strip()
    if not 5 <= len(title) <= 200:
        errors["title"] = _("The title needs 5 to 200 characters.")
    if not 20 <= len(description) <= 5000:
        errors["description"] = _("Describe your proposal in 20 to 5,000 characters.")
    if len(new.photos) > MAX_PHOTOS:
        errors["photos"] = _("Attach at most 5 photos.")
    if (new.lat is None) != (new.lon is None):
        errors["location"] = _("Give both latitude and longitude, or neither.")
    if errors:
        raise ProposalError(errors)
    return title, description


async def _ward_of(new: NewProposal) -> dict:
    """The ward a proposal belongs to: where its place on the map lies, else the one chosen."""
    if new.lat is not None and new.lon is not None:
        try:
            match = (await locator()).locate(new.lat, new.lon)
        except OutsideVietnam:
            raise ProposalError(
                {
                    "location": _(
                        "This place is not inside any commune or ward of Vietnam. Check the pin on the map."
                    )
                }
            ) from None
        return await Ward.select(Ward.id, Ward.code).where(Ward.id == match.ward.id).first()
    ward = await Ward.select(Ward.id, Ward.code).where(Ward.code == new.ward_code.strip()).first()
    if ward is None:
        raise ProposalError({"ward": _("Choose the ward your proposal is for.")})
    return ward


async def _photos(data: list[bytes], media: MediaStore) -> list[ProcessedPhoto]:
    try:
        photos = await process_photos(data)
    except PhotoRejected as rejected:
        message = (
            rejected.message
            if rejected.number is None
            else (_("Photo %(n)d: %(reason)s") % {"n": rejected.number, "reason": rejected.message})
        )
        raise ProposalError({"photos": message}) from None
    for photo in photos:
        await asyncio.to_thread(media.save, photo)
    return photos


async def _insert_photos(
    proposal_id: int, photos: list[ProcessedPhoto], update_id: int | None = None
) -> None:
    if photos:
        await ProposalPhoto.insert(
            *[
                ProposalPhoto(
                    proposal=proposal_id,
                    update=update_id,
                    digest=p.digest,
                    width=p.width,
                    height=p.height,
                    position=i,
                )
                for i, p in enumerate(photos)
            ]
        )


async def propose(person_id: int, new: NewProposal, media: MediaStore) -> int:
    title, description = _clean(new)
    ward = await _ward_of(new)
    photos = await _photos(new.photos, media)
    rules = await ward_rules(ward["id"])
    now = clock.now()
    async with write_transaction():
        proposal = Proposal(
            ward=ward["id"],
            title=title,
            description=description,
            lat=new.lat,
            lon=new.lon,
            proposer=person_id,
            threshold=rules.threshold,
            closes_at=now + timedelta(days=rules.period_days),
            created_at=now,
            updated_at=now,
        )
        await proposal.save()
        await _insert_photos(proposal.id, photos)
    return proposal.id


# --- supporting -----------------------------------------------------------------------------


def may_support(proposal: dict, person_id: int | None, now: datetime) -> bool:
    """Open to supports until answered or expired, and never by its own proposer."""
    return (
        proposal["state"] in SUPPORTABLE
        and (proposal["state"] == "due" or now < proposal["closes_at"])
        and (person_id is None or proposal["proposer"] != person_id)
    )


async def has_supported(proposal_id: int, person_id: int | None) -> bool:
    if person_id is None:
        return False
    return await ProposalSupport.exists().where(
        ProposalSupport.proposal == proposal_id, ProposalSupport.person == person_id
    )


async def support(person_id: int, proposal_id: int) -> bool:
    """One person's support, counted once (the unique index decides a race). The support that
    reaches the threshold makes the ward's answer due. False when nothing was counted."""
    now = clock.now()
    try:
        async with write_transaction():
            proposal = await for_update(Proposal.select().where(Proposal.id == proposal_id)).first()
            if proposal is None or not may_support(proposal, person_id, now):
                return False
            if await has_supported(proposal_id, person_id):
                return False
            await ProposalSupport.insert(
                ProposalSupport(proposal=proposal_id, person=person_id, created_at=now)
            )
            count = await ProposalSupport.count().where(ProposalSupport.proposal == proposal_id)
            changes = {Proposal.support_count: count, Proposal.updated_at: now}
            reached = proposal["state"] == "open" and count >= proposal["threshold"]
            if reached:
                rules = await ward_rules(proposal["ward"])
                changes |= {
                    Proposal.state: "due",
                    Proposal.reached_at: now,
                    Proposal.answer_deadline: deadline_for(now, working_days=rules.answer_working_days),
                }
            await Proposal.update(changes).where(Proposal.id == proposal_id)
            if reached:
                await notify.tell(
                    await notify.ward_staff(proposal["ward"], (Role.WARD_LEAD,)),
                    "proposal_due",
                    proposal_id=proposal_id,
                    title=proposal["title"],
                )
    except UNIQUE_VIOLATIONS:
        return False  # the same person's other request got there first
    return True


# --- commenting -----------------------------------------------------------------------------


def takes_comments(proposal: dict) -> bool:
    """Residents discuss a proposal while it lives: not once it expired unanswered."""
    return proposal["state"] != "expired"


async def comment(proposal: dict, person_id: int, body: str, parent_id: int | None = None) -> int:
    """A resident's public comment (or reply) on a proposal; its id."""
    if not takes_comments(proposal):
        raise comments.CommentError(_("This proposal has expired: it takes no more comments."))
    ward = await ward_of(proposal["id"])
    return await comments.post("proposal", proposal["id"], ward["ward_id"], person_id, body, parent_id)


# --- answering and tracking -----------------------------------------------------------------


async def _place(proposal_id: int) -> tuple[dict, Place]:
    proposal = (
        await Proposal.select(
            Proposal.id,
            Proposal.state,
            Proposal.title,
            Proposal.ward,
            Proposal.ward.province,
            Proposal.progress,
        )
        .where(Proposal.id == proposal_id)
        .first()
    )
    if proposal is None:
        raise LookupError(proposal_id)
    return proposal, Place(proposal["ward"], proposal["ward.province"])


async def supporters(proposal_id: int) -> list[int]:
    """Everyone to tell about a proposal's answer and progress: its supporters and proposer."""
    rows = await ProposalSupport.select(ProposalSupport.person).where(ProposalSupport.proposal == proposal_id)
    proposer = await Proposal.select(Proposal.proposer).where(Proposal.id == proposal_id).first()
    return [r["person"] for r in rows] + [proposer["proposer"]]


@dataclass
class Milestone:
    title: str
    planned_on: date


def _local_day(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VIETNAM)


async def answer(actor: Actor, proposal_id: int, kind: str, text: str, milestones: list[Milestone]) -> None:
    """The ward's public answer to a proposal due for one (or, early, to an open one that the
    ward takes up before it reaches its threshold)."""
    proposal, place = await _place(proposal_id)
    if not allows(actor, Act.ANSWER_PROPOSAL, place):
        raise PermissionError(_("Only the ward's leaders answer its proposals."))
    errors = {}
    if proposal["state"] not in SUPPORTABLE:
        errors["kind"] = _("This proposal has already been answered or has expired.")
    if kind not in ANSWERS:
        errors["kind"] = _("Choose whether the ward accepts, accepts in part or declines.")
    text = text.strip()
    if not 20 <= len(text) <= 5000:
        errors["text"] = _("Write the answer (the plan, or the reasons) in 20 to 5,000 characters.")
    if kind == "declined" and milestones:
        errors["milestones"] = _("A declined proposal has no plan.")
    if any(not 3 <= len(m.title.strip()) <= 200 for m in milestones):
        errors["milestones"] = _("Each step of the plan needs 3 to 200 characters.")
    if errors:
        raise ProposalError(errors)
    now = clock.now()
    state = "answered" if kind == "declined" else "in_progress"
    async with write_transaction():
        updated = (
            await Proposal.update(
                {
                    Proposal.state: state,
                    Proposal.answer_kind: kind,
                    Proposal.answer_text: text,
                    Proposal.answered_at: now,
                    Proposal.answered_by: actor.person_id,
                    Proposal.updated_at: now,
                }
            )
            .where(Proposal.id == proposal_id, Proposal.state.is_in(list(SUPPORTABLE)))
            .returning(Proposal.id)
        )
        if not updated:
            raise ProposalError({"kind": _("This proposal has already been answered or has expired.")})
        if milestones:
            await ProposalMilestone.insert(
                *[
                    ProposalMilestone(
                        proposal=proposal_id,
                        title=m.title.strip(),
                        planned_on=_local_day(m.planned_on),
                        position=i,
                    )
                    for i, m in enumerate(milestones)
                ]
            )
        await notify.tell(
            await supporters(proposal_id),
            "proposal_answered",
            exclude=actor.person_id,
            proposal_id=proposal_id,
            title=proposal["title"],
        )


@dataclass
class ProgressUpdate:
    progress: int
    text: str
    reached: list[int] = field(default_factory=list)  # milestone ids reached with this update
    new_milestone: Milestone | None = None
    photos: list[bytes] = field(default_factory=list)


async def add_update(actor: Actor, proposal_id: int, update: ProgressUpdate, media: MediaStore) -> int:
    """A public progress update, pushed to the supporters. 100 % marks the proposal done."""
    proposal, place = await _place(proposal_id)
    if not allows(actor, Act.TRACK_PROPOSAL, place):
        raise PermissionError(_("Only the ward's staff report progress on its proposals."))
    errors = {}
    if proposal["state"] not in ("in_progress", "done"):
        errors["progress"] = _("Only an accepted proposal has a progress tracker.")
    if not 0 <= update.progress <= 100:
        errors["progress"] = _("Progress is a percentage from 0 to 100.")
    text = update.text.strip()
    if not 5 <= len(text) <= 5000:
        errors["text"] = _("Say what was done, in 5 to 5,000 characters.")
    if len(update.photos) > MAX_PHOTOS:
        errors["photos"] = _("Attach at most 5 photos.")
    if update.new_milestone and not 3 <= len(update.new_milestone.title.strip()) <= 200:
        errors["milestone"] = _("Each step of the plan needs 3 to 200 characters.")
    if errors:
        raise ProposalError(errors)
    photos = await _photos(update.photos, media)
    now = clock.now()
    async with write_transaction():
        row = ProposalUpdate(
            proposal=proposal_id, author=actor.person_id, text=text, progress=update.progress, created_at=now
        )
        await row.save()
        await _insert_photos(proposal_id, photos, row.id)
        if update.reached:
            await ProposalMilestone.update({ProposalMilestone.reached_at: now}).where(
                ProposalMilestone.proposal == proposal_id,
                ProposalMilestone.id.is_in(update.reached),
                ProposalMilestone.reached_at.is_null(),
            )
        if update.new_milestone:
            position = await ProposalMilestone.count().where(ProposalMilestone.proposal == proposal_id)
            await ProposalMilestone.insert(
                ProposalMilestone(
                    proposal=proposal_id,
                    title=update.new_milestone.title.strip(),
                    planned_on=_local_day(update.new_milestone.planned_on),
                    position=position,
                )
            )
        await Proposal.update(
            {
                Proposal.progress: update.progress,
                Proposal.updated_at: now,
                Proposal.state: "done" if update.progress == 100 else "in_progress",
            }
        ).where(Proposal.id == proposal_id)
        await notify.tell(
            await supporters(proposal_id),
            "proposal_progress",
            exclude=actor.person_id,
            proposal_id=proposal_id,
            title=proposal["title"],
            progress=update.progress,
        )
    return row.id


# --- the periodic step ----------------------------------------------------------------------


async def expire_and_mark_overdue(now: datetime) -> tuple[int, int]:
    """(expired, newly overdue). Each row changes once, by a conditional update, so two sweeps
    running at once do not both count or tell about it."""
    async with write_transaction():
        expired = (
            await Proposal.update(
                {Proposal.state: "expired", Proposal.expired_at: now, Proposal.updated_at: now}
            )
            .where(Proposal.state == "open", Proposal.closes_at <= now)
            .returning(Proposal.id)
        )
        overdue = (
            await Proposal.update({Proposal.answer_overdue: True})
            .where(Proposal.state == "due", Proposal.answer_deadline < now, Proposal.answer_overdue.eq(False))
            .returning(Proposal.id, Proposal.ward, Proposal.title)
        )
        for row in overdue:
            await notify.tell(
                await notify.ward_staff(row["ward"], (Role.WARD_LEAD,)),
                "proposal_overdue",
                proposal_id=row["id"],
                title=row["title"],
            )
    return len(expired), len(overdue)


# --- reading --------------------------------------------------------------------------------

PUBLIC_COLUMNS = (
    Proposal.id,
    Proposal.title,
    Proposal.description,
    Proposal.lat,
    Proposal.lon,
    Proposal.state,
    Proposal.support_count,
    Proposal.threshold,
    Proposal.closes_at,
    Proposal.reached_at,
    Proposal.answer_deadline,
    Proposal.answer_overdue,
    Proposal.answer_kind,
    Proposal.answer_text,
    Proposal.answered_at,
    Proposal.progress,
    Proposal.expired_at,
    Proposal.created_at,
    Proposal.updated_at,
    Proposal.ward.code,
    Proposal.ward.name,
)


async def public_proposal(proposal_id: int) -> dict | None:
    """A proposal as anyone may see it: never who proposed or supported it."""
    row = await Proposal.select(*PUBLIC_COLUMNS).where(Proposal.id == proposal_id).first()
    if row is None:
        return None
    row["photos"] = (
        await ProposalPhoto.select(ProposalPhoto.digest, ProposalPhoto.update)
        .where(ProposalPhoto.proposal == proposal_id)
        .order_by(ProposalPhoto.id)
    )
    row["milestones"] = (
        await ProposalMilestone.select(
            ProposalMilestone.id,
            ProposalMilestone.title,
            ProposalMilestone.planned_on,
            ProposalMilestone.reached_at,
        )
        .where(ProposalMilestone.proposal == proposal_id)
        .order_by(ProposalMilestone.position)
    )
    row["updates"] = (
        await ProposalUpdate.select(
            ProposalUpdate.id, ProposalUpdate.text, ProposalUpdate.progress, ProposalUpdate.created_at
        )
        .where(ProposalUpdate.proposal == proposal_id)
        .order_by(ProposalUpdate.created_at, ascending=False)
    )
    return row


async def ward_of(proposal_id: int) -> dict | None:
    """The ward (and province) a proposal belongs to, for moderating its comments."""
    return (
        await Proposal.select(
            Proposal.ward.as_alias("ward_id"),
            Proposal.ward.province.as_alias("province_id"),
            Proposal.ward.code.as_alias("ward_code"),
        )
        .where(Proposal.id == proposal_id)
        .first()
    )


async def proposer_of(proposal_id: int) -> int | None:
    row = await Proposal.select(Proposal.proposer).where(Proposal.id == proposal_id).first()
    return row["proposer"] if row else None


async def ward_proposals(ward_code: str, state: str | None = None, limit: int = 100) -> list[dict]:
    select = Proposal.select(*PUBLIC_COLUMNS).where(Proposal.ward.code == ward_code)
    if state:
        select = select.where(Proposal.state == state)
    return await select.order_by(Proposal.updated_at, ascending=False).limit(limit)


async def state_counts(ward_code: str) -> dict[str, int]:
    rows = (
        await Proposal.select(Proposal.state, Count(alias="n"))
        .where(Proposal.ward.code == ward_code)
        .group_by(Proposal.state)
    )
    counts = dict.fromkeys(STATES, 0)
    counts.update({r["state"]: r["n"] for r in rows})
    return counts


async def wards_named(ward_ids: frozenset[int] | None) -> list[dict]:
    """Code and name of these wards (None: none to choose from, the admin types a code)."""
    if not ward_ids:
        return []
    return await Ward.select(Ward.code, Ward.name).where(Ward.id.is_in(sorted(ward_ids)))


async def staff_due(ward_ids: frozenset[int] | None) -> list[dict]:
    """Proposals awaiting an answer or in progress in these wards (None: all), oldest first."""
    select = Proposal.select(*PUBLIC_COLUMNS).where(Proposal.state.is_in(["due", "in_progress"]))
    if ward_ids is not None:
        select = select.where(Proposal.ward.is_in(sorted(ward_ids) or [0]))
    return await select.order_by(Proposal.answer_deadline).limit(200)
