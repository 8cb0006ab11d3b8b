"""Household decisions (Art. 15): the household register, the threshold and election arithmetic
against tables written by hand, single-use codes (also under 50 concurrent attempts), secrecy
of the stored ballots, results hidden until closing, and the printed sheets read back by pdfium
and a real QR decoder."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pypdfium2
import pytest
import zxingcpp
from piccolo.columns import ForeignKey, Timestamptz

from app.accounts.rules import load_actor
from app.participation import ballots, decisions, households
from app.participation.ballots import BallotError
from app.participation.decisions import DecisionError, NewDecision, Threshold, outcome
from app.participation.groups import groups_of, import_groups, read_groups
from app.participation.sweep import sweep_participation
from app.platform.clock import VIETNAM
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore
from app.platform.settings import get_settings
from app.platform.tables import (
    ActionAttachment,
    Ballot,
    BallotCode,
    GovernmentAction,
    HouseholdDecision,
    Ward,
)
from app.transparency.actions import Upload
from tests.workspace_helpers import PHU_LIEN, csrf, sign_in, staff_accounts

VOTE_URL = "https://gandan.example/vote"

# (registered, approvals, threshold, passes): "more than" the share of REGISTERED households.
THRESHOLD_TABLE = [
    (120, 61, (1, 2), True),
    (120, 60, (1, 2), False),  # exactly half does not pass "more than half"
    (7, 4, (1, 2), True),
    (7, 3, (1, 2), False),
    (120, 80, (2, 3), False),  # exactly two thirds
    (120, 81, (2, 3), True),
    (4, 3, (3, 4), False),  # exactly three quarters
    (5, 4, (3, 4), True),
    (0, 0, (1, 2), False),
    (1, 1, (1, 2), True),
]


def _swept():
    """The participation sweep, as the server runs it."""
    return sweep_participation(MediaStore(get_settings().media_dir))

@pytest.mark.parametrize(("registered", "approvals", "share", "passes"), THRESHOLD_TABLE)
def test_threshold_against_a_hand_written_table(registered, approvals, share, passes):
    threshold = Threshold(*share)
    assert threshold.met(approvals, registered) == passes
    assert outcome(registered, [approvals, 0, 0], threshold)["passed"] == passes
    # `needed` is the fewest approvals that pass: one fewer does not.
    needed = threshold.needed(registered)
    assert threshold.met(needed, registered) and not threshold.met(needed - 1, registered)


# (tallies approve/disapprove/abstain, registered 120, passes): abstaining and not voting count against.
COUNTED_AGAINST_REGISTERED = [
    ([61, 0, 59], True),
    ([60, 10, 50], False),  # 60 of 120: half, though most of the votes cast
    ([55, 5, 0], False),  # 92 % of the votes cast, but 55 of 120 households
    ([70, 50, 0], True),
]


@pytest.mark.parametrize(("tallies", "passes"), COUNTED_AGAINST_REGISTERED)
def test_abstentions_and_households_that_did_not_vote_count_against(tallies, passes):
    assert outcome(120, tallies, Threshold(1, 2))["passed"] == passes


# Registered 100 (a candidate needs 51):
# (seats, approvals per candidate) → (elected, tied, tied seats, vacant).
ELECTIONS = [
    (1, [60, 55, 30], ([0], [], 0, 0)),
    (2, [60, 55, 55], ([0], [1, 2], 1, 0)),  # a tie for the last seat is reported, not broken
    (2, [70, 70, 70], ([], [0, 1, 2], 2, 0)),
    (3, [60, 55, 55], ([0, 1, 2], [], 0, 0)),
    (2, [60, 50, 40], ([0], [], 0, 1)),  # 50 is exactly half: not elected, the seat stays vacant
    (2, [51, 51], ([0, 1], [], 0, 0)),
    (1, [51, 51, 10], ([], [0, 1], 1, 0)),
    (2, [80, 60, 60, 52], ([0], [1, 2], 1, 0)),
    (2, [90, 20, 95], ([0, 2], [], 0, 0)),
]


@pytest.mark.parametrize(("seats", "tallies", "expected"), ELECTIONS)
def test_elections_with_seats_and_ties_against_a_hand_written_table(seats, tallies, expected):
    result = outcome(100, tallies, Threshold(1, 2), seats)
    assert (result["elected"], result["tied"], result["tied_seats"], result["vacant"]) == expected
    assert result["passed"] == (len(expected[0]) == seats)


# The register, the decisions, the ballot box --------------------------------------------


@pytest.fixture
async def accounts(database, fixed_clock):
    ids = await staff_accounts()
    return {name: await load_actor(person) for name, person in ids.items()}


@pytest.fixture
async def groups(accounts):
    """Two groups of Phù Liễn with 12 and 5 households; the demo group head heads the first."""
    header = "ward_code,name,kind,households\n"
    await import_groups(read_groups(f"{header}{PHU_LIEN},Tổ dân phố số 5,to_dan_pho,\n"
                                    f"{PHU_LIEN},Tổ dân phố số 6,to_dan_pho,\n"))  # fmt: skip
    ward = await Ward.select(Ward.id).where(Ward.code == PHU_LIEN).first()
    found = {g["name"]: g["id"] for g in await groups_of(ward["id"])}
    csv_text = (
        "group,household\n"
        + "".join(f"Tổ dân phố số 5,Hộ số {n}\n" for n in range(1, 13))
        + "".join(f"Tổ dân phố số 6,Nhà {n}\n" for n in range(1, 6))
    )
    stored = await households.import_households(
        accounts["lanhdao.phulien"], households.read_households(csv_text, only_ward=PHU_LIEN)
    )
    assert stored == 17
    await households.set_group_head(accounts["lanhdao.phulien"], found["Tổ dân phố số 5"],
                                    accounts["totruong.phulien"].person_id)  # fmt: skip
    return found


def _media() -> MediaStore:
    return MediaStore(get_settings().media_dir)


async def _open(actor, group_ids, *, kind="works", closes=date(2026, 11, 27), **extra) -> int:
    return await decisions.open_decision(actor, NewDecision(
        ward_code=PHU_LIEN, kind=kind, method=extra.pop("method", "ballot"),
        title="Đóng góp sửa chữa ngõ 12", summary="Mỗi hộ góp 500.000 đồng",
        opens_on=date(2026, 11, 20), closes_on=closes, group_ids=list(group_ids), **extra,
    ), _media())  # fmt: skip


def _codes_from_pdf(data: bytes, vote_url: str = VOTE_URL) -> list[str]:
    """Each page's QR code, decoded by zxing-cpp from pdfium's rendering: the code in its URL."""
    document = pypdfium2.PdfDocument(data)
    codes = []
    for page in document:
        found = zxingcpp.read_barcodes(page.render(scale=2).to_pil())
        assert len(found) == 1
        url = urlsplit(found[0].text)
        assert f"{url.scheme}://{url.netloc}{url.path}" == vote_url
        codes.append(parse_qs(url.query)["code"][0])
    return codes


async def test_the_register_imports_per_group_and_fixes_the_denominator_at_opening(accounts, groups):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 5"], groups["Tổ dân phố số 6"]])
    assert (await decisions.detail(decision_id))["registered"] == 17
    # Later changes to the register move neither the running decision's count nor its threshold.
    await households.add_household(lead, groups["Tổ dân phố số 5"], "Hộ số 13")
    decision = await decisions.detail(decision_id)
    assert decision["registered"] == 17 and decision["needed"] == 9
    assert await BallotCode.count().where(BallotCode.decision == decision_id) == 17
    # A later decision counts the register as it is then.
    assert (await decisions.detail(await _open(lead, [groups["Tổ dân phố số 5"]])))["registered"] == 13
    with pytest.raises(households.RegisterError):
        households.read_households("group,household\nTổ dân phố số 5,Hộ 1\nTổ dân phố số 5,Hộ 1\n",
                                   only_ward=PHU_LIEN)  # fmt: skip


async def test_a_groups_file_in_decomposed_unicode_matches_the_households_file(database):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Tổ dân phố số 7")
    assert decomposed != "Tổ dân phố số 7"
    groups = read_groups(f"\ufeffward_code,name\n{PHU_LIEN},{decomposed}\n\n")
    assert [g.name for g in groups] == ["Tổ dân phố số 7"]
    await import_groups(groups)
    rows = households.read_households(f"group,household\n{decomposed},Hộ 1\n", only_ward=PHU_LIEN)
    assert await households.import_households(None, rows) == 1
    with pytest.raises(households.RegisterError) as too_long:
        households.read_households(f"group,household\n{'x' * 201},Hộ 1\n")
    said = _("Line %(line)d: %(column)s is longer than %(n)d characters.")
    assert str(too_long.value) == said % {"line": 2, "column": "group", "n": 200}


async def test_group_heads_decide_only_for_the_groups_they_head(accounts, groups):
    head = accounts["totruong.phulien"]
    assert await _open(head, [groups["Tổ dân phố số 5"]])
    with pytest.raises(PermissionError):
        await _open(head, [groups["Tổ dân phố số 5"], groups["Tổ dân phố số 6"]])
    with pytest.raises(PermissionError):
        await households.add_household(head, groups["Tổ dân phố số 6"], "Nhà 9")
    with pytest.raises(PermissionError):
        await _open(accounts["canbo.phulien"], [groups["Tổ dân phố số 5"]])


async def test_sheets_have_one_page_per_household_and_their_qr_codes_vote(accounts, groups):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 5"], groups["Tổ dân phố số 6"]])
    pdf = await ballots.print_sheets(lead, decision_id, VOTE_URL)
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 17
    text = " ".join(page.get_textpage().get_text_range() for page in document)
    assert "PHIẾU BIỂU QUYẾT" in text and "Hộ số 12" in text and "Nhà 5" in text
    codes = _codes_from_pdf(pdf)
    assert len(set(codes)) == 17
    # Only hashes are stored: no code printed is in the database.
    stored = {r["code_hash"] for r in await BallotCode.select(BallotCode.code_hash)}
    assert not stored & {ballots.normalised(c) for c in codes} and None not in stored
    await ballots.cast(decision_id, codes[0], [decisions.APPROVE])
    assert (await decisions.detail(decision_id))["voted"] == 1
    # Printing again draws new codes for the households that have not voted: old sheets stop working.
    again = _codes_from_pdf(await ballots.print_sheets(lead, decision_id, VOTE_URL))
    assert len(again) == 16
    with pytest.raises(BallotError):
        await ballots.cast(decision_id, codes[1], [decisions.APPROVE])
    await ballots.cast(decision_id, again[0], [1])


async def test_a_failed_rendering_leaves_the_earlier_sheets_working(accounts, groups, monkeypatch):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 5"]])
    codes = _codes_from_pdf(await ballots.print_sheets(lead, decision_id, VOTE_URL))

    def broken_renderer(*_args):
        raise RuntimeError("the printer driver fell over")

    with monkeypatch.context() as patched:
        patched.setattr(ballots, "render_sheets", broken_renderer)
        with pytest.raises(RuntimeError):
            await ballots.print_sheets(lead, decision_id, VOTE_URL)
    # No new code was kept: every sheet printed before still votes.
    for n, code in enumerate(codes):
        await ballots.cast(decision_id, code, [n % 3])
    assert (await decisions.detail(decision_id))["voted"] == len(codes) == 12


async def test_a_household_outside_the_decision_is_said_to_be_outside(accounts, groups):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 5"]])
    outside = await BallotCode.count().where(BallotCode.decision == decision_id)
    assert outside == 12
    other = await households.register_of(groups["Tổ dân phố số 6"])
    with pytest.raises(DecisionError) as refused:
        await ballots.print_sheets(lead, decision_id, VOTE_URL, [other[0]["id"]])
    assert str(refused.value) == _("A household chosen is not in this decision.")


async def test_a_code_votes_once_and_a_code_of_another_decision_or_group_is_refused(accounts, groups):
    lead = accounts["lanhdao.phulien"]
    first = await _open(lead, [groups["Tổ dân phố số 5"]])
    other_group = await _open(lead, [groups["Tổ dân phố số 6"]])
    mine = _codes_from_pdf(await ballots.print_sheets(lead, first, VOTE_URL))
    theirs = _codes_from_pdf(await ballots.print_sheets(lead, other_group, VOTE_URL))
    await ballots.cast(first, mine[0], [0])
    with pytest.raises(BallotError):
        await ballots.cast(first, mine[0], [1])
    with pytest.raises(BallotError):
        await ballots.cast(first, theirs[0], [0])  # a household of group 6 in group 5's decision
    with pytest.raises(BallotError):
        await ballots.cast(other_group, mine[1], [0])
    with pytest.raises(BallotError):
        await ballots.cast(first, mine[1], [0, 1])  # one answer only
    # Refused attempts spent nothing: the codes still work where they belong.
    await ballots.cast(other_group, theirs[0], [0])
    await ballots.cast(first, mine[1], [2])
    assert await Ballot.count().where(Ballot.decision == first) == 2
    assert await Ballot.count().where(Ballot.decision == other_group) == 1


async def test_fifty_concurrent_attempts_with_one_code_store_one_ballot(accounts, groups):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 5"]])
    code = _codes_from_pdf(await ballots.print_sheets(lead, decision_id, VOTE_URL))[0]

    async def attempt(n):
        try:
            await ballots.cast(decision_id, code, [n % 3])
        except BallotError:
            return False
        return True

    results = await asyncio.gather(*[attempt(n) for n in range(50)])
    assert sum(results) == 1
    assert await Ballot.count().where(Ballot.decision == decision_id) == 1
    assert await BallotCode.count().where(BallotCode.decision == decision_id, BallotCode.used.eq(True)) == 1


async def test_no_ballot_can_be_joined_to_a_code_a_household_a_person_or_a_device(
    accounts, groups, fixed_clock
):
    # The schema: a ballot refers to its decision only, and holds no time finer than the day.
    columns = {c._meta.name: c for c in Ballot._meta.columns}
    assert set(columns) == {"id", "decision", "choices", "cast_on"}
    assert [c._foreign_key_meta.resolved_references for c in columns.values() if isinstance(c, ForeignKey)] \
        == [HouseholdDecision]  # fmt: skip
    assert not any(isinstance(c, Timestamptz) for c in columns.values())
    # A code row says whether it was used, and never when.
    assert {c._meta.name for c in BallotCode._meta.columns} == {
        "id",
        "decision",
        "household",
        "code_hash",
        "used",
    }
    # The stored rows: random ids (not in the order cast), the day only, nothing of the code.
    # Twelve candidates, one approved per ballot, so that each ballot can be told apart.
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 5"]], kind="election",
                              candidates=[f"Ứng viên {n}" for n in range(12)], seats=1)  # fmt: skip
    codes = _codes_from_pdf(await ballots.print_sheets(lead, decision_id, VOTE_URL))
    inserted: list[str] = []
    for n, code in enumerate(codes):
        fixed_clock.advance(minutes=7)
        known = set(inserted)
        await ballots.cast(decision_id, code, [n])
        inserted += [str(r["id"]) for r in await Ballot.select(Ballot.id) if str(r["id"]) not in known]
    assert len(inserted) == 12 and sorted(inserted) != inserted
    rows = await Ballot.select().where(Ballot.decision == decision_id)
    assert all(type(r["cast_on"]) is date for r in rows)
    assert {r["cast_on"] for r in rows} == {fixed_clock.now().astimezone(VIETNAM).date()}
    assert all(uuid.UUID(str(r["id"])).version == 4 for r in rows)
    stored_text = json.dumps(rows, default=str)
    hashes = [r["code_hash"] for r in await BallotCode.select(BallotCode.code_hash)]
    assert not any(h in stored_text for h in hashes)
    assert not any(ballots.normalised(c) in stored_text for c in codes)
    # Closing writes the ballots again in a shuffled order under new ids: the table read in its
    # own order no longer follows the order of casting on either engine. On PostgreSQL, each
    # row's writing transaction (xmin) tied a ballot to its code until then; afterwards one
    # transaction wrote them all (docs/ballot-secrecy.md).
    postgres = not get_settings().is_sqlite
    if postgres:
        assert len(await _writers("ballots", decision_id)) == 12
    await decisions.close(lead, decision_id, _media())  # every household voted: it may close early
    if postgres:
        assert len(await _writers("ballots", decision_id)) == 1
        assert await _writers("ballot_codes", decision_id) == await _writers("ballots", decision_id)
    after = await Ballot.select(Ballot.id, Ballot.choices).where(Ballot.decision == decision_id)
    assert not {str(r["id"]) for r in after} & set(inserted)
    assert [json.loads(r["choices"])[0] for r in after] != list(range(12))
    assert sorted(json.loads(r["choices"])[0] for r in after) == list(range(12))


async def _writers(table: str, decision_id: int) -> set[str]:
    """PostgreSQL: the transactions that wrote the decision's rows of `table`."""
    rows = await Ballot.raw(f"SELECT xmin::text AS writer FROM {table} WHERE decision = {{}}", decision_id)
    return {r["writer"] for r in rows}


async def test_results_are_hidden_until_closing_then_published_as_a_government_action(
    accounts, groups, fixed_clock
):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 5"]])  # 12 households: 7 needed
    codes = _codes_from_pdf(await ballots.print_sheets(lead, decision_id, VOTE_URL))
    for code, choice in zip(codes, [0] * 6 + [1] * 3 + [2] * 2, strict=False):  # one household never votes
        await ballots.cast(decision_id, code, [choice])
    decision = await decisions.detail(decision_id)
    assert decision["voted"] == 11 and decisions.results(decision) is None
    with pytest.raises(DecisionError):
        await decisions.close(lead, decision_id, _media())  # still open
    fixed_clock.advance(days=8)
    with pytest.raises(BallotError):
        await ballots.cast(decision_id, codes[11], [0])  # the period is over
    action_id = await decisions.close(lead, decision_id, _media())
    decision = await decisions.detail(decision_id)
    counted = decisions.results(decision)
    assert [o["count"] for o in counted["options"]] == [6, 3, 2]
    assert counted["passed"] is False and counted["needed"] == 7  # 6 of 12 is half: not passed
    action = await GovernmentAction.select().where(GovernmentAction.id == action_id).first()
    assert action["kind"] == "household_decision" and "Không thông qua" in action["body"]
    assert "11" in action["body"] and "12" in action["body"]
    with pytest.raises(DecisionError):
        await decisions.close(lead, decision_id, _media())


async def test_an_election_counts_approvals_per_candidate_up_to_the_seats(accounts, groups, fixed_clock):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 5"]], kind="election",
                              candidates=["Ông A", "Bà B", "Ông C"], seats=2)  # fmt: skip
    codes = _codes_from_pdf(await ballots.print_sheets(lead, decision_id, VOTE_URL))
    with pytest.raises(BallotError):
        await ballots.cast(decision_id, codes[0], [0, 1, 2])  # three approvals for two seats
    ballots_cast = [[0, 1]] * 7 + [[0, 2]] * 2 + [[2]] + [[]]  # a blank ballot counts as voting
    for code, chosen in zip(codes, ballots_cast, strict=False):
        await ballots.cast(decision_id, code, chosen)
    fixed_clock.advance(days=8)
    await decisions.close(lead, decision_id, _media())
    counted = decisions.results(await decisions.detail(decision_id))
    assert [o["count"] for o in counted["options"]] == [9, 7, 3]
    assert counted["elected"] == [0, 1] and counted["tied"] == [] and counted["vacant"] == 0


async def test_a_community_meeting_is_recorded_with_its_minutes(accounts, groups, fixed_clock):
    head = accounts["totruong.phulien"]
    decision_id = await _open(head, [groups["Tổ dân phố số 5"]], method="meeting", kind="convention")
    with pytest.raises(DecisionError):
        await ballots.print_sheets(head, decision_id, VOTE_URL)
    minutes = Upload("bien-ban.pdf", _minutes_pdf())
    with pytest.raises(DecisionError):
        await decisions.record_meeting(head, decision_id, date(2026, 11, 20), [8, 3, 2], minutes, _media())
    fixed_clock.advance(days=1)
    await decisions.record_meeting(head, decision_id, date(2026, 11, 21), [8, 3, 1], minutes, _media())
    decision = await decisions.detail(decision_id)
    assert decision["status"] == "closed" and decision["meeting_on"] == date(2026, 11, 21)
    assert [d["minutes"] for d in decision["documents"]] == [True]
    counted = decisions.results(decision)
    assert counted["passed"] is True and [o["count"] for o in counted["options"]] == [8, 3, 1]
    action = await GovernmentAction.select().where(GovernmentAction.id == decision["outcome_action"]).first()
    assert "họp cộng đồng" in action["body"]


def _failing_once(real, what: str):
    """`real`, except that its first call fails as a crash would."""
    calls = []

    async def once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(f"{what} crashed")
        return await real(*args, **kwargs)

    return once


async def test_a_ballot_whose_result_failed_to_publish_is_published_by_the_sweep(
    accounts, groups, fixed_clock, monkeypatch
):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 6"]])
    codes = _codes_from_pdf(await ballots.print_sheets(lead, decision_id, VOTE_URL))
    for code in codes[:3]:
        await ballots.cast(decision_id, code, [decisions.APPROVE])
    fixed_clock.advance(days=8)
    monkeypatch.setattr(decisions, "publish", _failing_once(decisions.publish, "publishing"))
    with pytest.raises(RuntimeError):
        await decisions.close(lead, decision_id, _media())
    stuck = await decisions.detail(decision_id)
    assert stuck["status"] == "closed" and stuck["outcome_action"] is None
    assert (await _swept()).decisions_closed == 1
    assert (await _swept()).decisions_closed == 0  # once
    published = await decisions.detail(decision_id)
    assert published["outcome_action"] is not None
    assert await GovernmentAction.count().where(GovernmentAction.kind == "household_decision") == 1
    assert decisions.results(published)["passed"] is True  # 3 of 5, as counted at the first try
    with pytest.raises(DecisionError):
        await decisions.close(lead, decision_id, _media())


async def test_a_meeting_whose_closing_failed_keeps_one_copy_of_its_minutes(
    accounts, groups, fixed_clock, monkeypatch
):
    head = accounts["totruong.phulien"]
    decision_id = await _open(head, [groups["Tổ dân phố số 5"]], method="meeting", kind="convention")
    fixed_clock.advance(days=1)
    minutes = Upload("bien-ban.pdf", _minutes_pdf())
    record = (head, decision_id, date(2026, 11, 21), [8, 3, 1], minutes, _media())
    # The count crashes: nothing closed, and recording again does not add a second minutes.
    with monkeypatch.context() as patched:
        patched.setattr(decisions, "outcome", lambda *_args: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            await decisions.record_meeting(*record)
    # Publishing crashes: closed, its result unpublished; the workspace's button publishes it.
    monkeypatch.setattr(decisions, "publish", _failing_once(decisions.publish, "publishing"))
    with pytest.raises(RuntimeError):
        await decisions.record_meeting(*record)
    assert (await decisions.detail(decision_id))["outcome_action"] is None
    action_id = await decisions.close(head, decision_id, _media())
    decision = await decisions.detail(decision_id)
    assert decision["outcome_action"] == action_id
    assert [d["minutes"] for d in decision["documents"]] == [True]
    digest = hashlib.sha256(minutes.data).hexdigest()
    attached = await ActionAttachment.select(ActionAttachment.digest).where(
        ActionAttachment.action == action_id
    )
    assert [a["digest"] for a in attached] == [digest]
    assert await ActionAttachment.count() == 1


def _minutes_pdf() -> bytes:
    from app.platform import printing

    pdf = printing.new_document("Biên bản họp")
    pdf.add_page()
    pdf.multi_cell(0, 10, "Biên bản họp tổ dân phố số 5")
    return printing.render(pdf)


# Over HTTP ------------------------------------------------------------------------------


async def test_a_household_votes_on_its_phone_without_javascript_and_sees_turnout_only(
    client, accounts, groups
):
    decision_id = await _open(accounts["lanhdao.phulien"], [groups["Tổ dân phố số 6"]])
    codes = _codes_from_pdf(await ballots.print_sheets(accounts["lanhdao.phulien"], decision_id, VOTE_URL))
    page = await client.get(f"/vote?code={codes[0]}")
    assert page.status_code == 200 and 'type="radio" name="choice"' in page.text
    form = {"_csrf_token": csrf(page.text), "code": codes[0], "decision": str(decision_id), "choice": "0"}
    done = await client.post("/vote", data=form)
    assert done.status_code == 303 and done.headers["location"] == f"/decisions/{decision_id}?done=voted"
    again = await client.post("/vote", data=form)
    assert again.status_code == 400 and "Mã này không dùng được" in again.text
    assert (await client.get(f"/vote?code={codes[0]}")).text.count("đã được dùng") == 1
    wrong = await client.post("/vote", data={**form, "code": codes[1], "decision": "999999"})
    assert wrong.status_code == 400
    public = (await client.get(f"/decisions/{decision_id}")).text
    assert "<strong>1</strong> / 5" in public and 'id="results-h"' not in public
    api = (await client.get(f"/api/v1/decisions/{decision_id}")).json()
    assert api["voted_households"] == 1 and api["registered_households"] == 5 and api["results"] is None
    ballot = {"code": codes[1], "decision": decision_id, "choices": [1]}
    cast = await client.post("/api/v1/ballots", json=ballot)
    assert cast.status_code == 201 and cast.json()["voted_households"] == 2
    twice = await client.post("/api/v1/ballots", json=ballot)
    assert twice.status_code == 422
    # Ids past what the database holds are a 4xx, not a driver error.
    assert (await client.get("/api/v1/decisions/99999999999")).status_code == 400
    assert (await client.post("/api/v1/ballots", json={**ballot, "decision": 2**40})).status_code == 422
    assert (await client.get("/decisions/99999999999")).status_code == 400
    listed = (await client.get(f"/api/v1/decisions?ward={PHU_LIEN}")).json()
    assert [d["id"] for d in listed] == [decision_id]
    schema = (await client.get("/schema/openapi.json")).json()
    described = {"/api/v1/decisions", "/api/v1/decisions/{decision_id}", "/api/v1/ballots"}
    assert described <= set(schema["paths"])


async def test_the_ward_opens_prints_and_closes_through_its_workspace(
    client, accounts, groups, fixed_clock
):
    await sign_in(client, "lanhdao.phulien")
    form_page = await client.get("/staff/decisions/new")
    assert form_page.status_code == 200
    fields = {"_csrf_token": csrf(form_page.text), "ward": PHU_LIEN, "kind": "works", "method": "ballot",
              "title": "Đóng góp sửa ngõ 12", "summary": "", "opens_on": "2026-11-20",
              "closes_on": "2026-11-22", "threshold": "1/2",
              "groups": str(groups["Tổ dân phố số 6"])}  # fmt: skip
    refused = await client.post("/staff/decisions/new", data={**fields, "closes_on": "2026-11-01"})
    assert refused.status_code == 400 and "Ngày kết thúc phải sau ngày bắt đầu" in refused.text
    opened = await client.post("/staff/decisions/new", data=fields)
    assert opened.status_code == 303
    staff_page = await client.get(opened.headers["location"])
    decision_id = int(opened.headers["location"].rsplit("/", 1)[1])
    token = csrf(staff_page.text)
    pdf = await client.post(f"/staff/decisions/{decision_id}/sheets", data={"_csrf_token": token})
    assert pdf.headers["content-type"] == "application/pdf" and len(pypdfium2.PdfDocument(pdf.content)) == 5
    codes = _codes_from_pdf(pdf.content, get_settings().link("/vote"))  # PUBLIC_URL/vote
    for code in codes[:3]:
        await ballots.cast(decision_id, code, [0])
    early = await client.post(f"/staff/decisions/{decision_id}/close", data={"_csrf_token": token})
    assert early.status_code == 400
    fixed_clock.advance(days=3)
    closed = await client.post(f"/staff/decisions/{decision_id}/close", data={"_csrf_token": token})
    assert closed.status_code == 303
    public = (await client.get(f"/decisions/{decision_id}")).text
    assert 'id="results-h"' in public and "Thông qua" in public  # 3 of 5 is more than half
    assert (await client.get(f"/wards/{PHU_LIEN}/participation")).text.count(f"/decisions/{decision_id}") == 1


async def test_a_group_head_keeps_only_their_groups_register(client, accounts, groups):
    await sign_in(client, "totruong.phulien")
    page = await client.get("/staff/households")
    assert page.status_code == 200 and "Tổ dân phố số 5" in page.text and "Tổ dân phố số 6" not in page.text
    own = await client.get(f"/staff/households/groups/{groups['Tổ dân phố số 5']}")
    added = await client.post(f"/staff/households/groups/{groups['Tổ dân phố số 5']}",
                              data={"_csrf_token": csrf(own.text), "label": "Số 9 ngõ 12"})  # fmt: skip
    assert added.status_code == 303
    assert (await client.get(f"/staff/households/groups/{groups['Tổ dân phố số 6']}")).status_code == 403
    other_group = "group,household\nTổ dân phố số 6,Nhà 9\n".encode()
    upload = await client.post("/staff/households", data={"_csrf_token": csrf(page.text), "ward": PHU_LIEN},
                               files={"file": ("ho.csv", other_group)})  # fmt: skip
    assert upload.status_code == 403


async def test_a_clerk_enters_the_ballot_of_a_household_that_brings_its_sheet(client, accounts, groups):
    decision_id = await _open(accounts["lanhdao.phulien"], [groups["Tổ dân phố số 6"]])
    codes = _codes_from_pdf(await ballots.print_sheets(accounts["lanhdao.phulien"], decision_id, VOTE_URL))
    await sign_in(client, "clerk.phulien")
    assert (await client.get("/staff/decisions")).status_code == 403  # a clerk runs no decision
    page = await client.get(f"/staff/vote?code={codes[0]}")
    assert page.status_code == 200 and 'name="choice"' in page.text
    form = {"_csrf_token": csrf(page.text), "code": codes[0], "decision": str(decision_id), "choice": "1"}
    counted = await client.post("/staff/vote", data=form)
    assert counted.status_code == 200 and "Đã ghi nhận phiếu của hộ" in counted.text
    assert (await client.post("/staff/vote", data=form)).status_code == 400
    assert (await decisions.detail(decision_id))["voted"] == 1
    assert [json.loads(r["choices"]) for r in await Ballot.select(Ballot.choices)] == [[1]]


async def test_the_sweep_closes_a_ballot_once_its_period_is_over(accounts, groups, fixed_clock):
    lead = accounts["lanhdao.phulien"]
    decision_id = await _open(lead, [groups["Tổ dân phố số 6"]])
    codes = _codes_from_pdf(await ballots.print_sheets(lead, decision_id, VOTE_URL))
    await ballots.cast(decision_id, codes[0], [0])
    assert (await _swept()).decisions_closed == 0  # still open
    fixed_clock.advance(days=8)
    assert (await _swept()).decisions_closed == 1
    assert (await _swept()).decisions_closed == 0  # once
    decision = await decisions.detail(decision_id)
    assert decision["status"] == "closed" and decision["outcome_action"] is not None
    assert decisions.results(decision)["passed"] is False  # 1 of 5
