"""The ward service index snapshots (app/transparency/index_snapshots.py) never hide a change:
whenever one is served, it equals the index computed from the rows as they are now, at the
moment the snapshot was taken; a change, a rating or age makes it unservable at once."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings

from app.accounts.rules import load_actor
from app.casework.steps import Step, perform
from app.platform import clock
from app.platform.tables import Report, ReportCount, Ward, WardIndexSnapshot
from app.reporting.feedback import answer, rate
from app.transparency import index_snapshots
from app.transparency.queries import _live_indexes, refresh_ward_indexes, ward_index
from tests.test_event_log import STAFF, forget, moves, run, with_photos
from tests.workspace_helpers import KIEN_AN, PHU_LIEN, new_report, resident, staff_accounts

_example = itertools.count()


@pytest.fixture
async def accounts(database):
    return await staff_accounts()


async def ward_ids(*codes: str) -> list[int]:
    """The wards' ids, in the order of `codes`."""
    ids = {
        w["code"]: w["id"] for w in await Ward.select(Ward.id, Ward.code).where(Ward.code.is_in(list(codes)))
    }
    return [ids[code] for code in codes]


async def served_agrees_with_the_rows(wards: list[int], taken_at) -> dict:
    """The oracle: each snapshot that nothing has changed since equals a computation, from the
    rows as they are now, at the moment the snapshot was taken; asked as of that moment, so
    that age (the clock moves a day on a sweep move) cannot hide a change that was missed.
    Returns the snapshots that would be served."""
    served = await index_snapshots.servable(wards, taken_at)
    if served:
        assert served == await _live_indexes(list(served), taken_at)
    return served


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=moves)
async def test_a_served_snapshot_matches_the_rows_after_every_random_step(fixed_clock, accounts, moves):
    actors = {name: await load_actor(accounts[name]) for name in STAFF}
    n = next(_example)
    residents = [await resident(f"s{n}-{i}") for i in range(3)]
    first = await new_report(reporter=residents[0])
    second = await new_report(KIEN_AN, category="lighting", reporter=residents[1])
    await with_photos([first["id"], second["id"]])
    wards = await ward_ids(PHU_LIEN, KIEN_AN)  # the moves transfer only between these two
    try:
        for move in moves:
            taken_at = clock.now()
            await refresh_ward_indexes(taken_at, wards=wards)
            assert set(await index_snapshots.servable(wards, taken_at)) == set(wards)
            await run([move], actors, accounts, residents, [first, second], fixed_clock)
            await served_agrees_with_the_rows(wards, taken_at)
    finally:  # the test's own reports go, so the next example starts empty
        await forget([first["id"], second["id"]])
        await ReportCount.delete(force=True)
        await WardIndexSnapshot.delete(force=True)


async def test_each_change_that_moves_the_index_stops_its_snapshot_at_once(fixed_clock, accounts):
    reporter = await resident()
    report = await new_report(reporter=reporter)
    officer = await load_actor(accounts["canbo.phulien"])
    [phu_lien] = await ward_ids(PHU_LIEN)

    async def after(change, moves_the_index: bool = True) -> None:
        taken_at = clock.now()
        await refresh_ward_indexes(taken_at, wards=[phu_lien])
        before = await ward_index(phu_lien, taken_at)
        fixed_clock.advance(minutes=10)
        await change()
        assert await served_agrees_with_the_rows([phu_lien], taken_at) == {}
        if moves_the_index:  # so a snapshot served in its place would have been wrong
            assert await ward_index(phu_lien, clock.now()) != before

    await after(lambda: new_report(reporter=reporter))  # a new report: one more received
    for step in ("accept", "resolve"):
        await after(lambda step=step: perform(officer, report["id"], Step(step, public_text="Đã xử lý")))
    current = await Report.select().where(Report.id == report["id"]).first()
    await after(lambda: answer(current, reporter, fixed=True), moves_the_index=False)  # resolved already
    closed = await Report.select().where(Report.id == report["id"]).first()
    await after(lambda: rate(closed, reporter, 2, "Chậm"))  # a rating moves satisfaction
    assert (await ward_index(phu_lien, clock.now())).satisfaction == 2


async def test_a_snapshot_is_not_served_past_its_maximum_age_and_is_refreshed_before(fixed_clock, accounts):
    await new_report()
    [phu_lien] = await ward_ids(PHU_LIEN)
    taken_at = clock.now()
    assert await refresh_ward_indexes(taken_at, wards=[phu_lien]) == 1
    fixed_clock.advance(seconds=(index_snapshots.REFRESH_AFTER.total_seconds() - 60))
    assert await refresh_ward_indexes(wards=[phu_lien]) == 0  # still young: left alone
    assert set(await served_agrees_with_the_rows([phu_lien], taken_at)) == {phu_lien}
    fixed_clock.at = taken_at + index_snapshots.MAX_AGE
    assert await index_snapshots.servable([phu_lien], clock.now()) == {}
    assert await refresh_ward_indexes(wards=[phu_lien]) == 1
    assert set(await index_snapshots.servable([phu_lien], clock.now())) == {phu_lien}


async def test_a_snapshot_computed_across_a_change_is_not_kept(fixed_clock, accounts):
    """The race the `changes` counter closes: the sweep reads the counter, a report changes
    before the sweep stores what it computed from the older rows."""
    await new_report()
    [phu_lien] = await ward_ids(PHU_LIEN)
    changes_read = await index_snapshots.due(clock.now(), [phu_lien])
    computed = (await _live_indexes([phu_lien], clock.now()))[phu_lien]
    await new_report()  # lands between the computation and its storing
    assert not await index_snapshots.store(phu_lien, computed, clock.now(), changes_read[phu_lien])
    assert await index_snapshots.servable([phu_lien], clock.now()) == {}
    assert await refresh_ward_indexes(wards=[phu_lien]) == 1
    assert (await ward_index(phu_lien, clock.now())).reports == 2


async def test_a_transfer_stops_the_snapshots_of_both_wards(fixed_clock, accounts):
    report = await new_report(PHU_LIEN)
    wards = await ward_ids(PHU_LIEN, KIEN_AN)
    taken_at = clock.now()
    await refresh_ward_indexes(taken_at, wards=wards)
    lead = await load_actor(accounts["lanhdao.phulien"])
    await perform(lead, report["id"], Step("transfer", public_text="Thuộc phường Kiến An",
                                           target_ward_code=KIEN_AN))  # fmt: skip
    assert await served_agrees_with_the_rows(wards, taken_at) == {}
    phu_lien, kien_an = wards
    assert (await ward_index(phu_lien, clock.now())).reports == 0
    assert (await ward_index(kien_an, clock.now())).reports == 1


async def test_a_write_to_a_ward_with_no_snapshot_yet_is_counted(fixed_clock, accounts):
    """The row is made by the first write as well as by the sweep, so a write in flight while
    the sweep adds the row is never lost."""
    [phu_lien] = await ward_ids(PHU_LIEN)
    await new_report()
    row = await WardIndexSnapshot.select().where(WardIndexSnapshot.ward == phu_lien).first()
    assert (row["changes"], row["computed_changes"]) == (1, -1)
    assert (await index_snapshots.due(clock.now(), [phu_lien])) == {phu_lien: 1}


async def test_a_snapshot_of_another_version_of_the_index_is_not_served(fixed_clock, accounts):
    await new_report()
    [phu_lien] = await ward_ids(PHU_LIEN)
    await refresh_ward_indexes(wards=[phu_lien])
    assert set(await index_snapshots.servable([phu_lien], clock.now())) == {phu_lien}
    # A deploy that renamed a field: the stored payload no longer fits the dataclass.
    await WardIndexSnapshot.update(
        {WardIndexSnapshot.payload: '{"fields": ["reports", "score"], "index": {"reports": 1, "score": 50}}'}
    ).where(WardIndexSnapshot.ward == phu_lien)
    assert await index_snapshots.servable([phu_lien], clock.now()) == {}
    assert (await ward_index(phu_lien, clock.now())).reports == 1
