"""The ballot box of a household decision: single-use codes, the printed sheets, casting, counting.

Each household of a decision's electorate has one row in `ballot_codes`, made at opening. Codes
are drawn when the sheets are printed, and only their SHA-256 is stored: the database cannot
print a sheet again, so printing again draws new codes (the unused old sheets stop working).

Casting spends the code and stores the ballot in ONE transaction; the ballot row holds the
decision, the choices and the day, under a random id — no code, no household, no person, no
device, no time of day — and `used` on the code row has no time at all. Closing counts the
ballots and writes them again in a shuffled order under new ids, so nothing of the order or
the transaction they were cast in survives the count. docs/ballot-secrecy.md states what an
administrator with the database can and cannot learn.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from app.accounts.policy import Actor
from app.participation import decisions
from app.participation.decisions import DecisionError
from app.participation.verification import ALPHABET
from app.platform import clock, printing
from app.platform.db import for_update, write_transaction
from app.platform.i18n import N_, in_default_language
from app.platform.i18n import gettext as _
from app.platform.tables import Ballot, BallotCode, HouseholdDecision

CODE_LENGTH = 12  # 31 letters and digits: about 59 bits, far beyond guessing over the web


class BallotError(ValueError):
    """A code or a ballot that cannot be taken, said so the household knows what to do."""


def normalised(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalised(code).encode()).hexdigest()


def readable(code: str) -> str:
    """ABCD-EFGH-JKMN: groups of four are easier to read aloud and to type."""
    code = normalised(code)
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _place in range(CODE_LENGTH))


@dataclass(frozen=True)
class Sheet:
    household: str
    group: str
    code: str  # readable


REFUSED = N_(
    "This code cannot vote: it may be mistyped, already used, or belong to another decision. "
    "Check the sheet, or ask your group head or the ward's one-stop desk."
)


async def _unvoted(
    actor: Actor, decision_id: int, household_ids: list[int] | None
) -> tuple[dict, list[dict]]:
    """The decision and the code rows of its households that have not voted (or only these)."""
    decision = await decisions.detail(decision_id)
    if decision is None:
        raise LookupError(decision_id)
    if not await decisions.may_run(actor, decision):
        raise PermissionError(_("You may not print the sheets of this decision."))
    if decision["method"] != "ballot":
        raise DecisionError(_("This decision is taken at a community meeting: it has no ballot sheets."))
    if decision["status"] not in ("upcoming", "open"):
        raise DecisionError(_("Voting has ended: no sheet can be printed."))
    query = (
        BallotCode.select(BallotCode.id, BallotCode.household, BallotCode.household.label,
                          BallotCode.household.group.name, BallotCode.used)
        .where(BallotCode.decision == decision_id)
        .order_by(BallotCode.household.group)
        .order_by(BallotCode.household)
    )  # fmt: skip
    if household_ids is not None:
        query = query.where(BallotCode.household.is_in(household_ids or [0]))
    rows = await query
    if household_ids is not None and len(rows) < len(set(household_ids)):
        raise DecisionError(_("A household chosen is not in this decision."))
    rows = [r for r in rows if not r["used"]]
    if not rows:
        raise DecisionError(_("Every household chosen has voted already: no sheet to print."))
    return decision, rows


async def _keep_hashes(decision_id: int, rows: list[dict], codes: list[str]) -> bool:
    """Store the new codes' hashes in one transaction that holds the decision row, so two
    printings one after the other each leave a whole set; False (nothing stored) when a
    household voted or the decision closed since the codes were drawn: draw again."""
    async with write_transaction():
        locked = await for_update(
            HouseholdDecision.select(HouseholdDecision.closed_at).where(HouseholdDecision.id == decision_id)
        ).first()
        if locked is None or locked["closed_at"] is not None:
            raise DecisionError(_("Voting has ended: no sheet can be printed."))
        unvoted = {r["id"] for r in await BallotCode.select(BallotCode.id).where(
            BallotCode.decision == decision_id, BallotCode.used.eq(False),
            BallotCode.id.is_in([r["id"] for r in rows]))}  # fmt: skip
        if unvoted != {r["id"] for r in rows}:
            return False
        for row, code in zip(rows, codes, strict=True):
            await BallotCode.update({BallotCode.code_hash: code_hash(code)}).where(BallotCode.id == row["id"])
    return True


async def issue_sheets(
    actor: Actor,
    decision_id: int,
    household_ids: list[int] | None = None,
    render: Callable[[dict, list[Sheet]], bytes] | None = None,
) -> tuple[dict, list[Sheet], bytes | None]:
    """Draw a new code for every household that has not voted (or only for these), render the
    sheets (in a thread) and only then keep the codes' hashes: a failed rendering leaves the
    earlier sheets working, and the sheets returned are exactly the ones that work. Earlier
    unused sheets stop working."""
    for _attempt in range(3):
        decision, rows = await _unvoted(actor, decision_id, household_ids)
        codes = [new_code() for _row in rows]
        sheets = [Sheet(r["household.label"], r["household.group.name"], readable(c))
                  for r, c in zip(rows, codes, strict=True)]  # fmt: skip
        output = await asyncio.to_thread(render, decision, sheets) if render else None
        if await _keep_hashes(decision_id, rows, codes):
            return decision, sheets, output
    raise DecisionError(_("Households are voting right now: print the sheets again in a moment."))


async def draw_codes(
    actor: Actor, decision_id: int, household_ids: list[int] | None = None
) -> tuple[dict, list[Sheet]]:
    """New codes without a PDF (the demo data hands them out directly)."""
    decision, sheets, _none = await issue_sheets(actor, decision_id, household_ids)
    return decision, sheets


SHEET_TITLE = N_("HOUSEHOLD BALLOT SHEET")
SHEET_LINES = (
    N_("Scan the QR code with a phone, or open %(url)s and type the code."),
    N_("The code can be used once, by this household only; the ballot is secret."),
    N_("No phone? Bring this sheet to the ward's one-stop desk: a clerk enters the ballot for you."),
    N_("If the sheet is printed again, this one stops working."),
)
SHEET_PERIOD = N_("Voting from %(opens)s to %(closes)s.")
SHEET_RULE = N_("The decision passes with %(rule)s of the %(registered)d registered households.")


def render_sheets(decision: dict, sheets: list[Sheet], vote_url: str) -> bytes:
    """One A4 page per household, in the record's language (Vietnamese): CPU work, run it in
    a thread."""
    say = in_default_language
    pdf = printing.new_document(f"{say(SHEET_TITLE)} — {decision['title']}")
    pdf.set_auto_page_break(False)
    period = say(SHEET_PERIOD) % {
        "opens": decision["opens_at"].astimezone(clock.VIETNAM).strftime("%d/%m/%Y"),
        "closes": decision["closes_at"].astimezone(clock.VIETNAM).strftime("%d/%m/%Y"),
    }
    rule = say(SHEET_RULE) % {"rule": say(decisions.THRESHOLDS[next(
        k for k, ((n, d), _label) in decisions.THRESHOLDS.items()
        if (n, d) == (decision["threshold_num"], decision["threshold_den"]))][1]),
        "registered": decision["registered"]}  # fmt: skip
    for sheet in sheets:
        pdf.add_page()
        pdf.set_font(printing.FONT, "B", 16)
        pdf.multi_cell(0, 9, say(SHEET_TITLE), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(printing.FONT, "", 11)
        pdf.multi_cell(
            0, 6, f"{decision['ward.name']} · {sheet.group}", align="C", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.ln(4)
        pdf.set_font(printing.FONT, "B", 13)
        pdf.multi_cell(0, 7, decision["title"], new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(printing.FONT, "", 11)
        pdf.multi_cell(0, 6, f"{period} {rule}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font(printing.FONT, "B", 12)
        pdf.multi_cell(0, 7, f"{sheet.household}", new_x="LMARGIN", new_y="NEXT")
        url = f"{vote_url}?code={sheet.code}"
        top = pdf.get_y() + 4
        pdf.image(printing.qr_image(url), x=65, y=top, w=80)
        pdf.set_y(top + 84)
        pdf.set_font(printing.FONT, "B", 20)
        pdf.multi_cell(0, 10, sheet.code, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(printing.FONT, "", 10)
        pdf.ln(3)
        for line in SHEET_LINES:
            pdf.multi_cell(0, 5.5, "• " + (say(line) % {"url": vote_url} if "%(url)s" in line else say(line)),
                           new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return printing.render(pdf)


async def print_sheets(actor: Actor, decision_id: int, vote_url: str,
                       household_ids: list[int] | None = None) -> bytes:  # fmt: skip
    """The ballot sheets PDF, with freshly drawn codes; rendered off the event loop."""
    _decision, _sheets, pdf = await issue_sheets(
        actor, decision_id, household_ids, lambda decision, sheets: render_sheets(decision, sheets, vote_url)
    )
    return pdf


async def lookup(code: str) -> dict | None:
    """The decision a typed or scanned code belongs to (None: no such code), and whether it
    is spent: to show the right ballot, or say why not."""
    if not 8 <= len(normalised(code)) <= 40:
        return None
    row = (
        await BallotCode.select(BallotCode.decision, BallotCode.used)
        .where(BallotCode.code_hash == code_hash(code))
        .first()
    )
    if row is None:
        return None
    decision = await decisions.detail(row["decision"])
    return {"decision": decision, "used": row["used"]}


def checked_choices(decision: dict, choices: list[int]) -> list[int]:
    positions = sorted(set(choices))
    count = len(decision["options"])
    if any(not 0 <= p < count for p in positions):
        raise BallotError(_("Choose among the options on the ballot."))
    if decision["seats"] is None:
        if len(positions) != 1:
            raise BallotError(_("Choose one answer: approve, disapprove or abstain."))
    elif len(positions) > decision["seats"]:
        raise BallotError(
            _("Approve at most %(n)d candidates: as many as there are seats.") % {"n": decision["seats"]}
        )
    return positions


async def cast(decision_id: int, code: str, choices: list[int]) -> None:
    """Spend the code and store the ballot, together or not at all. Of any number of attempts
    with one code, exactly one stores a ballot; a code of another decision is refused."""
    decision = await decisions.detail(decision_id)
    if decision is None or decision["method"] != "ballot":
        raise BallotError(_(REFUSED))
    if decision["status"] == "upcoming":
        raise BallotError(_("Voting has not opened yet."))
    if decision["status"] != "open":
        raise BallotError(_("Voting has ended: the ballot can no longer be taken."))
    positions = checked_choices(decision, choices)
    async with write_transaction():
        # The decision row is held while the ballot goes in, so closing cannot count in between.
        locked = await for_update(
            HouseholdDecision.select(HouseholdDecision.closed_at, HouseholdDecision.closes_at)
            .where(HouseholdDecision.id == decision_id)
        ).first()  # fmt: skip
        if locked["closed_at"] is not None or clock.now() > locked["closes_at"]:
            raise BallotError(_("Voting has ended: the ballot can no longer be taken."))
        spent = (
            await BallotCode.update({BallotCode.used: True})
            .where(BallotCode.decision == decision_id, BallotCode.code_hash == code_hash(code),
                   BallotCode.used.eq(False))
            .returning(BallotCode.id)
        )  # fmt: skip
        if not spent:
            raise BallotError(_(REFUSED))
        await Ballot.insert(Ballot(id=uuid.uuid4(), decision=decision_id, choices=json.dumps(positions),
                                   cast_on=decisions.today()))  # fmt: skip


async def count_and_reshuffle(decision_id: int, options: int) -> list[int]:
    """Inside the closing transaction: the tallies per option, and the ballots written again
    in a random order under new ids (and the code rows touched), so that neither the storage
    order nor the transaction a ballot was cast in links it to the code it spent."""
    rows = await Ballot.select(Ballot.choices, Ballot.cast_on).where(Ballot.decision == decision_id)
    tallies = [0] * options
    for row in rows:
        for position in json.loads(row["choices"]) if isinstance(row["choices"], str) else row["choices"]:
            tallies[position] += 1
    secrets.SystemRandom().shuffle(rows)
    await Ballot.delete().where(Ballot.decision == decision_id)
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        await Ballot.insert(*[Ballot(id=uuid.uuid4(), decision=decision_id, choices=r["choices"],
                                     cast_on=r["cast_on"]) for r in chunk])  # fmt: skip
    await BallotCode.update({BallotCode.used: BallotCode.used}).where(BallotCode.decision == decision_id)
    return tallies


async def households_to_print(decision_id: int) -> list[dict]:
    """The households of the electorate that have not voted, for printing one sheet again."""
    return (
        await BallotCode.select(
            BallotCode.household.as_alias("id"), BallotCode.household.label.as_alias("label"),
            BallotCode.household.group.name.as_alias("group"),
        )
        .where(BallotCode.decision == decision_id, BallotCode.used.eq(False))
        .order_by(BallotCode.household)
    )  # fmt: skip
