"""Household decisions (bàn và quyết định, Law 10/2022 on grassroots democracy, Art. 15).

Residents discuss and decide resident-funded works and their contributions, community funds,
community conventions (hương ước, quy ước), and elect the heads of their residential group and
the members of the community boards. A decision is taken by households, not by individuals: it
passes when more than half (or the stated share) of the households **registered** in its
residential groups approve — not of those who voted, so abstaining and not voting count
against. The register fixes the denominator when the decision opens.

A decision is put either to a secret ballot — one printed sheet per household with a
single-use code (see ballots.py) — or to a community meeting, whose tallies the group head
records with its minutes. Turnout is public while voting runs; the results only once the
decision is closed, when `outcome` — the one function that decides — is computed and published
as a government action.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from app.accounts.policy import Act, Actor
from app.participation.households import active_households, may_keep
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.db import for_update, write_transaction
from app.platform.i18n import N_, in_default_language
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore
from app.platform.tables import (
    BallotCode,
    DecisionDocument,
    DecisionGroup,
    DecisionOption,
    GovernmentAction,
    HouseholdDecision,
    ResidentialGroup,
    Ward,
)
from app.platform.text import LONG_TEXT, clean_text
from app.transparency.actions import (
    ActionError,
    NewAction,
    Upload,
    attachment_rows,
    publish,
    store_attachments,
)

KINDS = {
    "works": N_("Works and the households' contribution"),
    "fund": N_("Community fund or donations"),
    "convention": N_("Community convention (hương ước, quy ước)"),
    "election": N_("Election (group head, inspection or supervision board)"),
}
METHODS = {
    "ballot": N_("Secret ballot: a printed sheet with a single-use code per household"),
    "meeting": N_("Community meeting: the tallies are recorded with the minutes"),
}
# (numerator, denominator): the decision passes when approvals are MORE than this share of the
# registered households. The law's rule is more than half; a convention may ask for more.
THRESHOLDS = {
    "1/2": ((1, 2), N_("more than half")),
    "2/3": ((2, 3), N_("more than two thirds")),
    "3/4": ((3, 4), N_("more than three quarters")),
}
# The options of every decision but an election, in this order (positions 0, 1, 2).
YES_NO = (N_("Approve"), N_("Disapprove"), N_("Abstain"))
APPROVE = 0
MAX_CANDIDATES, MAX_DOCUMENTS = 30, 10
STATUS_LABELS = {
    "upcoming": N_("Voting opens soon"),
    "open": N_("Voting open"),
    "counting": N_("Voting ended: awaiting closing"),
    "closed": N_("Closed: results published"),
}


class DecisionError(ValueError):
    """What is wrong with a decision, a ballot or a record, for the person to fix."""


@dataclass(frozen=True)
class Threshold:
    """More than num/den of the registered households."""

    num: int
    den: int

    def met(self, count: int, registered: int) -> bool:
        return count * self.den > self.num * registered

    def needed(self, registered: int) -> int:
        """The fewest approvals that pass."""
        return self.num * registered // self.den + 1


def outcome(registered: int, tallies: list[int], threshold: Threshold, seats: int | None = None) -> dict:
    """The outcome of a decision: the one place that decides.

    Not an election: `tallies` are (approve, disapprove, abstain); it passes when approvals
    meet the threshold of the REGISTERED households — abstentions and households that did not
    vote count against. An election: `tallies` are the approvals of each candidate; a candidate
    needs the threshold of the registered households to be elected, and the seats go to the
    most approved of those. Candidates tied for the last seats are reported as tied, with the
    seats they contend for; no tie is broken here. Seats nobody reached stay vacant."""
    needed = threshold.needed(registered)
    if seats is None:
        approvals = tallies[APPROVE]
        return {"election": False, "needed": needed, "approvals": approvals,
                "passed": threshold.met(approvals, registered)}  # fmt: skip
    eligible = sorted(
        ((count, position) for position, count in enumerate(tallies) if threshold.met(count, registered)),
        key=lambda c: -c[0],
    )
    elected: list[int] = []
    tied: list[int] = []
    remaining = seats
    for count in sorted({c for c, _position in eligible}, reverse=True):
        if remaining == 0:
            break
        level = [position for c, position in eligible if c == count]
        if len(level) <= remaining:
            elected += level
            remaining -= len(level)
        else:
            tied = level
            break
    return {
        "election": True,
        "needed": needed,
        "elected": sorted(elected),
        "tied": sorted(tied),
        "tied_seats": remaining if tied else 0,
        "vacant": 0 if tied else remaining,
        "passed": len(elected) == seats,
    }


@dataclass
class NewDecision:
    ward_code: str
    kind: str
    method: str
    title: str
    summary: str
    opens_on: date
    closes_on: date
    group_ids: list[int]
    threshold: str = "1/2"
    candidates: list[str] = field(default_factory=list)
    seats: int | None = None
    documents: list[Upload] = field(default_factory=list)


def _opening(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=VIETNAM)


def _closing(day: date) -> datetime:
    """Open through the whole of the closing day, as residents read "until 30/11"."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=VIETNAM)


def today() -> date:
    return clock.now().astimezone(VIETNAM).date()


async def _ward(ward_code: str) -> dict:
    ward = await Ward.select(Ward.id, Ward.name, Ward.province).where(Ward.code == ward_code).first()
    if ward is None:
        raise DecisionError(_("Choose the ward of the residential groups."))
    return ward


def _candidates(new: NewDecision) -> tuple[list[str], int | None]:
    if new.kind != "election":
        return [in_default_language(label) for label in YES_NO], None
    names = [clean_text(c, 200, _("Candidate")) for c in new.candidates]
    names = [" ".join(n.split()) for n in names if n.strip()]
    if not 1 <= len(names) <= MAX_CANDIDATES or len(set(names)) != len(names):
        raise DecisionError(
            _("An election needs 1 to %(n)d different candidates, one per line.") % {"n": MAX_CANDIDATES}
        )
    if new.seats is None or not 1 <= new.seats <= len(names):
        raise DecisionError(_("The number of seats is between 1 and the number of candidates."))
    return names, new.seats


async def open_decision(actor: Actor, new: NewDecision, media: MediaStore) -> int:
    """Open a decision for these groups; the households registered in them now are its
    electorate and its denominator, whatever the register says later."""
    ward = await _ward(new.ward_code)
    groups = sorted(set(new.group_ids))
    if not groups:
        raise DecisionError(_("Choose the residential groups whose households decide."))
    found = await ResidentialGroup.count().where(
        ResidentialGroup.id.is_in(groups), ResidentialGroup.ward == ward["id"]
    )
    if found != len(groups):
        raise DecisionError(_("Choose residential groups of this ward."))
    if not await may_keep(actor, Act.RUN_DECISION, ward, set(groups)):
        raise PermissionError(_("You may not open a decision for these groups."))
    if new.kind not in KINDS:
        raise DecisionError(_("Choose what the households decide."))
    if new.method not in METHODS:
        raise DecisionError(_("Choose how the households decide."))
    if new.threshold not in THRESHOLDS:
        raise DecisionError(_("Choose the share of households needed."))
    title = " ".join(clean_text(new.title, 300, _("Title")).split())
    if len(title) < 5:
        raise DecisionError(_("The title needs 5 to 300 characters."))
    summary = clean_text(new.summary, LONG_TEXT, _("Summary"), multiline=True)
    if new.opens_on < today():
        raise DecisionError(_("The opening date cannot be in the past."))
    if new.closes_on < new.opens_on:
        raise DecisionError(_("The closing date must come after the opening date."))
    options, seats = _candidates(new)
    households = await active_households(groups)
    per_group = {g: 0 for g in groups}
    for household in households:
        per_group[household["group"]] += 1
    empty = [g for g, n in per_group.items() if n == 0]
    if empty:
        raise DecisionError(_("A chosen group has no household in the register yet: import it first."))
    if len(new.documents) > MAX_DOCUMENTS:
        raise DecisionError(_("Attach at most 10 files."))
    try:
        stored = await store_attachments(new.documents, media)
    except ActionError as refused:
        raise DecisionError(str(refused)) from None
    (num, den), _label = THRESHOLDS[new.threshold]
    async with write_transaction():
        decision = HouseholdDecision(
            ward=ward["id"], kind=new.kind, method=new.method, title=title, summary=summary,
            opens_at=_opening(new.opens_on), closes_at=_closing(new.closes_on), threshold_num=num,
            threshold_den=den, seats=seats, registered=len(households), author=actor.person_id,
            created_at=clock.now(),
        )  # fmt: skip
        await decision.save()
        await DecisionGroup.insert(
            *[DecisionGroup(decision=decision.id, group=g, registered=n) for g, n in per_group.items()]
        )
        await DecisionOption.insert(
            *[DecisionOption(decision=decision.id, position=i, label=o) for i, o in enumerate(options)]
        )
        if stored:
            await DecisionDocument.insert(
                *attachment_rows(DecisionDocument, {"decision": decision.id}, stored)
            )
        if new.method == "ballot":
            for start in range(0, len(households), 500):
                await BallotCode.insert(*[BallotCode(decision=decision.id, household=h["id"])
                                          for h in households[start : start + 500]])  # fmt: skip
    return decision.id


def status(decision: dict, now: datetime | None = None) -> str:
    """upcoming | open | counting (period over, not yet closed) | closed."""
    now = now or clock.now()
    if decision["closed_at"] is not None:
        return "closed"
    if now < decision["opens_at"]:
        return "upcoming"
    return "open" if now <= decision["closes_at"] else "counting"


_COLUMNS = (
    HouseholdDecision.id, HouseholdDecision.kind, HouseholdDecision.method, HouseholdDecision.title,
    HouseholdDecision.summary, HouseholdDecision.opens_at, HouseholdDecision.closes_at,
    HouseholdDecision.threshold_num, HouseholdDecision.threshold_den, HouseholdDecision.seats,
    HouseholdDecision.registered, HouseholdDecision.created_at, HouseholdDecision.closed_at,
    HouseholdDecision.meeting_on, HouseholdDecision.outcome, HouseholdDecision.outcome_action,
    HouseholdDecision.ward.as_alias("ward_id"), HouseholdDecision.ward.code, HouseholdDecision.ward.name,
    HouseholdDecision.ward.province.as_alias("province_id"),
)  # fmt: skip


def threshold_of(decision: dict) -> Threshold:
    return Threshold(decision["threshold_num"], decision["threshold_den"])


def threshold_label(decision: dict) -> str:
    for (num, den), label in THRESHOLDS.values():
        if (num, den) == (decision["threshold_num"], decision["threshold_den"]):
            return _(label)
    return f"> {decision['threshold_num']}/{decision['threshold_den']}"


async def turnout(decision_ids: list[int]) -> dict[int, int]:
    """Households that have voted, per decision: the codes used (public while voting runs)."""
    rows = await BallotCode.select(BallotCode.decision).where(
        BallotCode.decision.is_in(decision_ids or [0]), BallotCode.used.eq(True)
    )
    counts = dict.fromkeys(decision_ids, 0)
    for row in rows:
        counts[row["decision"]] += 1
    return counts


def _decorated(row: dict, voted: int, now: datetime) -> dict:
    return {**row, "status": status(row, now), "voted": voted,
            "needed": threshold_of(row).needed(row["registered"])}  # fmt: skip


async def for_ward(ward_code: str, limit: int = 50) -> list[dict]:
    rows = (
        await HouseholdDecision.select(*_COLUMNS)
        .where(HouseholdDecision.ward.code == ward_code)
        .order_by(HouseholdDecision.opens_at, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    voted = await turnout([r["id"] for r in rows])
    now = clock.now()
    return [_decorated(r, voted[r["id"]], now) for r in rows]


async def detail(decision_id: int) -> dict | None:
    row = (
        await HouseholdDecision.select(*_COLUMNS)
        .where(HouseholdDecision.id == decision_id)
        .output(load_json=True)
        .first()
    )
    if row is None:
        return None
    decision = _decorated(row, (await turnout([decision_id]))[decision_id], clock.now())
    decision["options"] = (
        await DecisionOption.select(
            DecisionOption.position, DecisionOption.label, DecisionOption.meeting_tally
        )
        .where(DecisionOption.decision == decision_id)
        .order_by(DecisionOption.position)
    )
    decision["groups"] = (
        await DecisionGroup.select(
            DecisionGroup.group.as_alias("id"),
            DecisionGroup.group.name.as_alias("name"),
            DecisionGroup.registered,
        )
        .where(DecisionGroup.decision == decision_id)
        .order_by(DecisionGroup.group)
    )
    decision["documents"] = (
        await DecisionDocument.select()
        .where(DecisionDocument.decision == decision_id)
        .order_by(DecisionDocument.position)
    )
    decision["action"] = None
    if decision["outcome_action"]:
        decision["action"] = (
            await GovernmentAction.select(
                GovernmentAction.id, GovernmentAction.title, GovernmentAction.published_at
            )
            .where(GovernmentAction.id == decision["outcome_action"])
            .first()
        )
    return decision


def option_label(decision: dict, option: dict) -> str:
    """Approve / disapprove / abstain in the reader's language; a candidate's name as given."""
    if decision["seats"] is None:
        answer = YES_NO[option["position"]]
        return _(answer)
    return option["label"]


def results(decision: dict) -> dict | None:
    """What the public sees of the count: nothing until the decision is closed."""
    if decision["status"] != "closed" or decision["outcome"] is None:
        return None
    counted = decision["outcome"]
    registered = decision["registered"]
    rows = [{"label": option_label(decision, o), "position": o["position"], "count": counted["tallies"][i],
             "share": counted["tallies"][i] / registered if registered else 0.0}
            for i, o in enumerate(decision["options"])]  # fmt: skip
    return {**counted, "options": rows}


async def may_run(actor: Actor, decision: dict) -> bool:
    ward = {"id": decision["ward_id"], "province": decision["province_id"]}
    return await may_keep(actor, Act.RUN_DECISION, ward, {g["id"] for g in decision["groups"]})


async def _runnable(actor: Actor, decision_id: int, *, unpublished_too: bool = False) -> dict:
    """The decision, if the actor may run it and it is not closed (`unpublished_too`: or
    closed with its result not yet published, which may then be published again)."""
    decision = await detail(decision_id)
    if decision is None:
        raise LookupError(decision_id)
    if not await may_run(actor, decision):
        raise PermissionError(_("You may not run this decision."))
    if decision["status"] == "closed" and not (unpublished_too and decision["outcome_action"] is None):
        raise DecisionError(_("This decision is closed."))
    return decision


OUTCOME_TITLE = N_("Result of the household decision: %(title)s")
RECORDED_AT_MEETING = N_("Recorded from the community meeting of %(day)s; the minutes are attached.")
BY_BALLOT = N_("Decided by secret ballot, one single-use code per household.")
TURNOUT_LINE = N_("%(voted)d of the %(registered)d registered households voted.")
RULE_LINE = N_("Rule: %(rule)s of the %(registered)d registered households, that is at least %(needed)d.")
PASSED, NOT_PASSED = N_("Passed."), N_("Not passed.")
ELECTED_LINE = N_("Elected: %(names)s.")
TIED_LINE = N_("Tied for %(seats)d seat(s), to be decided again: %(names)s.")
VACANT_LINE = N_("Seats left vacant: %(n)d.")


def outcome_text(decision: dict, counted: dict, voted: int | None) -> str:
    """The published body: turnout, every tally, the rule and the outcome, in the record's language."""
    say = in_default_language
    labels = [o["label"] if decision["seats"] else say(YES_NO[o["position"]]) for o in decision["options"]]
    lines = [say(RECORDED_AT_MEETING) % {"day": decision["meeting_on"].strftime("%d/%m/%Y")}
             if decision["method"] == "meeting" else say(BY_BALLOT)]  # fmt: skip
    if voted is not None:  # a meeting's election tallies approvals, not who was there
        lines.append(say(TURNOUT_LINE) % {"voted": voted, "registered": decision["registered"]})
    lines += [f"- {label}: {count}" for label, count in zip(labels, counted["tallies"], strict=True)]
    rule = next((label for (n, d), label in THRESHOLDS.values()
                 if (n, d) == (decision["threshold_num"], decision["threshold_den"])), "")  # fmt: skip
    lines.append(
        say(RULE_LINE)
        % {"rule": say(rule), "registered": decision["registered"], "needed": counted["needed"]}
    )
    if counted["election"]:
        if counted["elected"]:
            lines.append(say(ELECTED_LINE) % {"names": ", ".join(labels[p] for p in counted["elected"])})
        if counted["tied"]:
            tied = ", ".join(labels[p] for p in counted["tied"])
            lines.append(say(TIED_LINE) % {"seats": counted["tied_seats"], "names": tied})
        if counted["vacant"]:
            lines.append(say(VACANT_LINE) % {"n": counted["vacant"]})
    else:
        lines.append(say(PASSED if counted["passed"] else NOT_PASSED))
    return "\n".join(lines)


async def close(
    actor: Actor, decision_id: int, media: MediaStore, *, tallies: list[int] | None = None
) -> int:
    """Close the decision: count, decide by `outcome`, publish the result as a government
    action; returns the action's id. A ballot closes once its period is over (or every
    household has voted); a meeting closes with its recorded `tallies`. A decision closed
    whose result failed to publish (no `outcome_action`) publishes the outcome counted then."""
    from app.participation import ballots  # the ballot box is counted only here

    decision = await _runnable(actor, decision_id, unpublished_too=True)
    if decision["status"] == "closed":
        pass  # counted already: only the publishing is left
    elif decision["method"] == "ballot":
        if decision["status"] != "counting" and decision["voted"] < decision["registered"]:
            raise DecisionError(
                _("Voting runs until %(day)s: close it after that.")
                % {"day": decision["closes_at"].astimezone(VIETNAM).strftime("%d/%m/%Y")}
            )
    elif tallies is None:
        raise DecisionError(_("Record the meeting's tallies to close this decision."))
    async with write_transaction():
        locked = await for_update(
            HouseholdDecision.select(
                HouseholdDecision.closed_at, HouseholdDecision.outcome, HouseholdDecision.outcome_action
            ).where(HouseholdDecision.id == decision_id)
        ).first()
        if locked["outcome_action"] is not None:
            raise DecisionError(_("This decision is closed."))
        if locked["closed_at"] is not None:
            counted = locked["outcome"]
            counted = json.loads(counted) if isinstance(counted, str) else counted
        else:
            if decision["method"] == "ballot":
                tallies = await ballots.count_and_reshuffle(decision_id, len(decision["options"]))
                voted = (await turnout([decision_id]))[decision_id]
            else:
                voted = sum(tallies) if decision["seats"] is None else None
            counted = {**outcome(decision["registered"], tallies, threshold_of(decision), decision["seats"]),
                       "tallies": tallies, "voted": voted}  # fmt: skip
            await HouseholdDecision.update({
                HouseholdDecision.closed_at: clock.now(),
                HouseholdDecision.outcome: json.dumps(counted),
            }).where(HouseholdDecision.id == decision_id)  # fmt: skip
    decision = await detail(decision_id)
    body = outcome_text(decision, counted, counted["voted"])
    minutes = [(m["filename"], m["kind"], m["digest"], m["size"]) for m in await DecisionDocument.select(
        DecisionDocument.filename, DecisionDocument.kind, DecisionDocument.digest, DecisionDocument.size
    ).where(DecisionDocument.decision == decision_id, DecisionDocument.minutes.eq(True)).order_by(
        DecisionDocument.position
    )]  # stored when the meeting was recorded: attached as they are
    try:
        action_id = await publish(
            actor,
            NewAction(ward_code=decision["ward.code"], kind="household_decision",
                      title=(in_default_language(OUTCOME_TITLE) % {"title": decision["title"]})[:300],
                      body=body, stored=minutes),
            media,
            closing_decision=True,
        )  # fmt: skip
    except ActionError as refused:
        raise DecisionError(str(refused)) from None
    await HouseholdDecision.update({HouseholdDecision.outcome_action: action_id}).where(
        HouseholdDecision.id == decision_id
    )
    return action_id


async def close_due(media: MediaStore, now: datetime | None = None) -> int:
    """The sweep closes each ballot whose voting period is over, in the name of the person who
    opened it (if they still may), so that its result is published without waiting for
    someone to press the button. Returns how many it closed."""
    from app.accounts.rules import load_actor  # rules of another capability, only here

    now = now or clock.now()
    due = await HouseholdDecision.select(HouseholdDecision.id, HouseholdDecision.author).where(
        HouseholdDecision.outcome_action.is_null(),  # not closed, or closed but its result unpublished
        HouseholdDecision.method == "ballot",
        HouseholdDecision.closes_at < now,
    )
    closed = 0
    for row in due:
        actor = await load_actor(row["author"]) if row["author"] else None
        if actor is None:
            continue  # the ward closes it from its workspace
        try:
            await close(actor, row["id"], media)
        except (DecisionError, PermissionError):
            continue  # closed meanwhile by a person or another worker, or no longer theirs to close
        closed += 1
    return closed


async def record_meeting(actor: Actor, decision_id: int, meeting_on: date, tallies: list[int],
                         minutes: Upload | None, media: MediaStore) -> int:  # fmt: skip
    """The group head records a community meeting's tallies, with its minutes as a PDF, which
    closes the decision; the result is marked as recorded from a meeting."""
    decision = await _runnable(actor, decision_id)
    if decision["method"] != "meeting":
        raise DecisionError(_("This decision is taken by secret ballot, not at a meeting."))
    if minutes is None or not minutes.data.startswith(b"%PDF-"):
        raise DecisionError(_("Attach the meeting's minutes as a PDF."))
    opened = decision["opens_at"].astimezone(VIETNAM).date()
    if not opened <= meeting_on <= today():
        raise DecisionError(_("The meeting day lies between the opening day and today."))
    if len(tallies) != len(decision["options"]) or any(t < 0 for t in tallies):
        raise DecisionError(_("Give a count for every option, 0 or more."))
    registered = decision["registered"]
    too_many = sum(tallies) > registered if decision["seats"] is None else max(tallies) > registered
    if too_many:
        raise DecisionError(_("The counts exceed the %(n)d registered households.") % {"n": registered})
    try:
        stored = await store_attachments([minutes], media)
    except ActionError as refused:
        raise DecisionError(str(refused)) from None
    async with write_transaction():
        await HouseholdDecision.update({HouseholdDecision.meeting_on: meeting_on}).where(
            HouseholdDecision.id == decision_id
        )
        for position, count in enumerate(tallies):
            await DecisionOption.update({DecisionOption.meeting_tally: count}).where(
                DecisionOption.decision == decision_id, DecisionOption.position == position
            )
        # A retry after a failed closing replaces the minutes recorded then, never adds to them.
        await DecisionDocument.delete().where(
            DecisionDocument.decision == decision_id, DecisionDocument.minutes.eq(True)
        )
        await DecisionDocument.insert(*attachment_rows(
            DecisionDocument, {"decision": decision_id, "minutes": True}, stored
        ))  # fmt: skip
    return await close(actor, decision_id, media, tallies=tallies)


async def for_wards(ward_ids: set[int] | None) -> list[dict]:
    """Decisions of these wards (None: every ward), newest first, for the staff list."""
    query = (
        HouseholdDecision.select(*_COLUMNS)
        .order_by(HouseholdDecision.opens_at, ascending=False)
        .limit(200)
        .output(load_json=True)
    )
    if ward_ids is not None:
        query = query.where(HouseholdDecision.ward.is_in(sorted(ward_ids) or [0]))
    rows = await query
    voted = await turnout([r["id"] for r in rows])
    now = clock.now()
    return [_decorated(r, voted[r["id"]], now) for r in rows]
