"""The ward satisfaction survey: periods, one answer per device and period (also when requests
race), anonymous rows, results and index weights against tables computed by hand, the desk
poster read back by pdfium and zxing-cpp, and pages that make no state for a passer-by."""

from __future__ import annotations

import asyncio
import re
import unicodedata
import uuid
from datetime import datetime

import pypdfium2
import pytest
import zxingcpp
from piccolo.engine import engine_finder

from app.participation import survey
from app.participation.survey import Answer, Period, SurveyError, parse_period, period_of, read_answer
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.tables import Person, SurveyAnswer, SurveyMark, Ward
from app.transparency.queries import last_months, ward_index
from app.transparency.service_index import compute
from tests.workspace_helpers import KIEN_AN, PHU_LIEN, csrf, sign_in, staff_accounts

# The fixed clock's day (2026-11-20) lies in the second half of 2026.
CURRENT, PREVIOUS = Period(2026, 7, 6), Period(2026, 1, 6)
FORM = {"overall": "4", "timeliness": "5", "attitude": "3", "visits": "2", "publicity": "partly"}


async def _ward_id(code: str = PHU_LIEN) -> int:
    return (await Ward.select(Ward.id).where(Ward.code == code).first())["id"]


async def _device(token: str) -> int:
    person = Person(device_identity=token)
    await person.save()
    return person.id


# --- periods -----------------------------------------------------------------------------------


def test_periods_start_in_january_and_turn_at_vietnamese_midnight():
    last_minute_of_june = datetime(2026, 6, 30, 23, 59, tzinfo=VIETNAM)
    assert period_of(last_minute_of_june, 6) == Period(2026, 1, 6)
    # 17:30 UTC on 30 June is already 00:30 on 1 July in Vietnam.
    assert period_of(datetime.fromisoformat("2026-06-30T17:30:00+00:00"), 6) == Period(2026, 7, 6)
    assert period_of(datetime(2026, 11, 20, tzinfo=VIETNAM), 3) == Period(2026, 10, 3)
    assert period_of(datetime(2026, 2, 1, tzinfo=VIETNAM), 12).label == "01/2026–12/2026"
    assert Period(2026, 1, 6).previous() == Period(2025, 7, 6)
    assert Period(2026, 4, 3).previous() == Period(2026, 1, 3)
    assert Period(2026, 7, 6).ends_at == datetime(2027, 1, 1, tzinfo=VIETNAM)
    assert Period(2026, 7, 6).key == "2026-07-6m" and parse_period("2026-07-6m") == Period(2026, 7, 6)
    for bad in ("2026-02-6m", "2026-07-5m", "2026-07-6", "2026-7-6m", "x", "", None, "2026-13-1m"):
        assert parse_period(bad) is None, bad
    with pytest.raises(SurveyError):
        period_of(last_minute_of_june, 5)


# --- reading one answer -----------------------------------------------------------------------


def test_every_field_is_checked_and_the_comment_bounded_and_normalised():
    with pytest.raises(SurveyError) as refused:
        read_answer({"overall": "6", "timeliness": "0", "attitude": "x", "visits": "4", "publicity": "maybe"})
    assert set(refused.value.errors) == {"overall", "timeliness", "attitude", "visits", "publicity"}
    with pytest.raises(SurveyError) as refused:
        read_answer({**FORM, "comment": "a" * (survey.COMMENT_LIMIT + 1)})
    assert set(refused.value.errors) == {"comment"}
    decomposed = unicodedata.normalize("NFD", "Cán bộ nhiệt tình")
    answer = read_answer({**FORM, "comment": f"  {decomposed}\u202e\x00  "})
    assert answer == Answer(4, 5, 3, 2, "partly", "Cán bộ nhiệt tình")


# --- results against a table written by hand -------------------------------------------------

# overall, timeliness, attitude, visits, publicity
HAND_TABLE = [
    (5, 4, 5, 1, "yes"),
    (4, 4, 4, 1, "yes"),
    (4, 3, 5, 2, "partly"),
    (3, 3, 2, 3, "no"),
    (5, 5, 5, 1, "yes"),
    (2, 1, 3, 3, "no"),
    (4, 4, 4, 2, "partly"),
    (1, 2, 1, 3, "no"),
]
# Counted by hand from the table above.
EXPECTED_DISTRIBUTIONS = {
    "overall": [1, 1, 1, 3, 2],  # how many 1s, 2s, … 5s
    "timeliness": [1, 1, 2, 3, 1],
    "attitude": [1, 1, 1, 2, 3],
    "visits": [3, 2, 3],  # once, twice, three or more
    "publicity": [3, 2, 3],  # yes, partly, no
}
EXPECTED_AVERAGES = {"overall": 28 / 8, "timeliness": 26 / 8, "attitude": 29 / 8}
# Shares 0–1: (average − 1) / 4; visits (3×1 + 2×0.5) / 8; publicity the same counts.
EXPECTED_SHARES = {"overall": 20 / 32, "timeliness": 18 / 32, "attitude": 21 / 32,
                   "visits": 4 / 8, "publicity": 4 / 8}  # fmt: skip
EXPECTED_SURVEY_SHARE = (20 / 32 + 18 / 32 + 21 / 32 + 0.5 + 0.5) / 5  # = 0.56875


def _rows(table):
    keys = ("overall", "timeliness", "attitude", "visits", "publicity")
    return [dict(zip(keys, row, strict=True)) for row in table]


def test_tally_matches_the_hand_counted_table():
    results = survey.tally(_rows(HAND_TABLE))
    assert results.answers == 8
    by_key = {c.key: c for c in results.criteria}
    for key, counts in EXPECTED_DISTRIBUTIONS.items():
        assert [count for _value, _label, count in by_key[key].distribution] == counts, key
    for key, average in EXPECTED_AVERAGES.items():
        assert by_key[key].average == pytest.approx(average, abs=0.005), key
    assert by_key["visits"].average is None and by_key["publicity"].average is None
    for key, share in EXPECTED_SHARES.items():
        assert by_key[key].share == pytest.approx(share), key
    assert results.share == pytest.approx(0.56875) == pytest.approx(EXPECTED_SURVEY_SHARE)
    assert not results.enough  # eight answers, fewer than the minimum of ten
    assert survey.tally([]).share is None


async def test_stored_answers_give_the_same_results(database):
    ward = await _ward_id()
    for n, (overall, timeliness, attitude, visits, publicity) in enumerate(HAND_TABLE):
        person = await _device(f"phone-{n}")
        answer = Answer(overall, timeliness, attitude, visits, publicity)
        assert await survey.submit(ward, CURRENT, person, answer)
    results = await survey.results(ward, CURRENT)
    assert [c.distribution[-1][2] for c in results.criteria] == [2, 1, 3, 3, 3]
    assert results.share == pytest.approx(EXPECTED_SURVEY_SHARE)
    assert (await survey.results(ward, PREVIOUS)).answers == 0
    assert await survey.answered_periods(ward) == [(CURRENT, 8)]


# --- the service index ------------------------------------------------------------------------


def test_index_weights_with_a_hand_computed_example(fixed_clock):
    now = fixed_clock.now()
    months = last_months(now, 1)
    # No reports: the survey alone is the index.
    assert compute([], [], now, months, survey=(0.56875, 12)).score == 56.9
    # Report ratings 4 and 5 stars (average 4.5 → (4.5 − 1) / 4 = 0.875, weight 25) beside the
    # survey (0.56875, weight 20): 100 × (25 × 0.875 + 20 × 0.56875) / 45 = 73.89 → 73.9.
    index = compute([], [4, 5], now, months, survey=(0.56875, 12))
    assert index.score == 73.9 and index.survey == 0.56875 and index.survey_answers == 12
    # Without a survey the ratings are the index: the survey's weight is not counted as zero.
    assert compute([], [4, 5], now, months).score == 87.5


async def test_a_period_with_too_few_answers_shows_counts_but_moves_no_index(database, fixed_clock):
    ward = await _ward_id()
    # Nine answers of 5 in every criterion, then a tenth: only the tenth makes it count.
    best = Answer(5, 5, 5, 1, "yes")
    for n in range(survey.MINIMUM_ANSWERS - 1):
        await survey.submit(ward, PREVIOUS, await _device(f"p{n}"), best)
    index = await ward_index(ward)
    assert index.survey is None and index.survey_answers == 0 and index.score is None
    assert (await survey.results(ward, PREVIOUS)).answers == 9
    await survey.submit(ward, PREVIOUS, await _device("tenth"), Answer(1, 1, 1, 3, "no"))
    index = await ward_index(ward)
    # By hand: overall (9×5 + 1) / 10 = 4.6 → 0.9, the same for timeliness and attitude;
    # visits 9/10 = 0.9; publicity 9/10 = 0.9: the survey's score is 0.9, the index 90.
    assert index.survey == pytest.approx(0.9) and index.survey_answers == 10
    assert index.score == 90.0
    # A period that ended more than twelve months ago no longer counts.
    old = Period(2025, 1, 6)
    for n in range(survey.MINIMUM_ANSWERS):
        await survey.submit(ward, old, await _device(f"old{n}"), Answer(1, 1, 1, 3, "no"))
    assert (await ward_index(ward)).survey_answers == 10
    # Nor does the running period, however many answers it has: the index would move with
    # each answer and tell how it went.
    for n in range(survey.MINIMUM_ANSWERS + 2):
        await survey.submit(ward, CURRENT, await _device(f"now{n}"), Answer(1, 1, 1, 3, "no"))
    index = await ward_index(ward)
    assert index.survey == pytest.approx(0.9) and index.survey_answers == 10 and index.score == 90.0


# --- one answer per device and period ---------------------------------------------------------


async def _writers(table: str, ward: int, period: Period) -> set[str]:
    """PostgreSQL: the transactions that wrote the period's rows of `table`."""
    rows = await SurveyAnswer.raw(
        f"SELECT xmin::text AS writer FROM {table} WHERE ward = {{}} AND period = {{}}", ward, period.key
    )
    return {r["writer"] for r in rows}


async def test_each_answer_rewrites_its_period_so_nothing_pairs_an_answer_with_its_mark(database):
    ward = await _ward_id()
    await survey.submit(ward, PREVIOUS, await _device("earlier"), Answer(2, 2, 2, 1, "no"))
    [earlier] = await SurveyAnswer.select(SurveyAnswer.id).where(SurveyAnswer.period == PREVIOUS.key)
    postgres = engine_finder().engine_type == "postgres"
    seen: set[str] = set()
    for n in range(6):
        await survey.submit(ward, CURRENT, await _device(f"anon-{n}"), Answer(1 + n % 5, 3, 4, 1, "yes"))
        now = {str(r["id"]) for r in await SurveyAnswer.select(SurveyAnswer.id).where(
            SurveyAnswer.period == CURRENT.key)}  # fmt: skip
        # Every answer of the period was written again, under ids never seen before.
        assert len(now) == n + 1 and not now & seen
        seen |= now
        if postgres:  # one transaction wrote every answer and every mark of the period
            answers = await _writers("survey_answers", ward, CURRENT)
            assert len(answers) == 1 and answers == await _writers("survey_marks", ward, CURRENT)
    # Nothing lost in the rewriting: a recount against the answers given.
    stored = await SurveyAnswer.select(SurveyAnswer.overall).where(SurveyAnswer.period == CURRENT.key)
    assert sorted(r["overall"] for r in stored) == sorted(1 + n % 5 for n in range(6))
    # Another period is left as it was.
    assert await SurveyAnswer.select(SurveyAnswer.id).where(SurveyAnswer.period == PREVIOUS.key) == [earlier]


async def test_twenty_devices_answering_at_once_store_twenty_answers_written_together(database):
    ward = await _ward_id()
    people = [await _device(f"crowd-{n}") for n in range(20)]
    outcomes = await asyncio.gather(*[survey.submit(ward, CURRENT, person, Answer(1 + n % 5, 3, 3, 1, "yes"))
                                      for n, person in enumerate(people)])  # fmt: skip
    assert outcomes == [True] * 20
    # A recount against the answers given: none lost, none written twice by a concurrent rewrite.
    stored = await SurveyAnswer.select(SurveyAnswer.overall).where(SurveyAnswer.period == CURRENT.key)
    assert sorted(r["overall"] for r in stored) == sorted(1 + n % 5 for n in range(20))
    if engine_finder().engine_type == "postgres":
        answers = await _writers("survey_answers", ward, CURRENT)
        assert len(answers) == 1 and answers == await _writers("survey_marks", ward, CURRENT)


async def test_one_answer_per_device_and_period_also_when_thirty_requests_race(database):
    ward = await _ward_id()
    phone = await _device("one-phone")
    outcomes = await asyncio.gather(*[
        survey.submit(ward, CURRENT, phone, Answer(1 + n % 5, 3, 3, 1, "yes")) for n in range(30)
    ])  # fmt: skip
    assert outcomes.count(True) == 1
    assert await SurveyAnswer.count().where(SurveyAnswer.ward == ward) == 1
    assert await SurveyMark.count().where(SurveyMark.person == phone) == 1
    # The same device answers again in another period, and for another ward.
    assert await survey.submit(ward, PREVIOUS, phone, Answer(3, 3, 3, 1, "yes"))
    assert await survey.submit(await _ward_id(KIEN_AN), CURRENT, phone, Answer(3, 3, 3, 1, "yes"))
    assert not await survey.submit(ward, CURRENT, phone, Answer(5, 5, 5, 1, "yes"))
    assert await SurveyAnswer.count() == 3


async def test_twenty_concurrent_posts_from_one_phone_store_one_answer(client, fixed_clock):
    client.cookies.set("gd_device", "racing-phone")
    await _device("racing-phone")
    token = csrf((await client.get(f"/wards/{PHU_LIEN}/survey")).text)
    responses = await asyncio.gather(*[
        client.post(f"/wards/{PHU_LIEN}/survey",
                    data={"_csrf_token": token, **FORM, "overall": str(1 + n % 5)})
        for n in range(20)
    ])  # fmt: skip
    assert [r.status_code for r in responses] == [303] * 20
    targets = sorted(r.headers["location"].split("?")[1].split("#")[0] for r in responses)
    assert targets == ["done=already"] * 19 + ["done=answered"]
    assert await SurveyAnswer.count() == 1 and await SurveyMark.count() == 1
    page = await client.get(f"/wards/{PHU_LIEN}/survey")
    assert 'name="overall"' not in page.text  # no form: this device has answered


async def test_a_ward_or_the_deployment_sets_the_period_length(client_with, fixed_clock):
    ward = await _ward_id()
    async with client_with(survey_period_months=3) as http:
        http.cookies.set("gd_device", "quarterly")
        await _device("quarterly")
        token = csrf((await http.get(f"/wards/{PHU_LIEN}/survey")).text)
        await http.post(f"/wards/{PHU_LIEN}/survey", data={"_csrf_token": token, **FORM})
    assert await SurveyAnswer.select(SurveyAnswer.period).first() == {"period": "2026-10-3m"}
    await staff_accounts()
    async with client_with() as http:
        await sign_in(http, "lanhdao.phulien")
        page = await http.get("/staff/survey")
        changed = await http.post(f"/staff/survey/{PHU_LIEN}/period",
                                  data={"_csrf_token": csrf(page.text), "months": "12"})  # fmt: skip
        assert changed.status_code == 303
        refused = await http.post(f"/staff/survey/{PHU_LIEN}/period",
                                  data={"_csrf_token": csrf(page.text), "months": "5"})  # fmt: skip
        assert refused.status_code == 400
    assert await survey.current_period(ward) == Period(2026, 1, 12)


# --- anonymity ----------------------------------------------------------------------------------


async def _columns(table: str) -> dict[str, str]:
    engine = engine_finder()
    if engine.engine_type == "sqlite":
        rows = await engine.run_ddl(f"PRAGMA table_info({table})")
        return {r["name"]: r["type"].upper() for r in rows}
    rows = await engine.run_ddl(
        "SELECT column_name AS name, data_type AS type FROM information_schema.columns "
        f"WHERE table_name = '{table}'"
    )
    return {r["name"]: r["type"].upper() for r in rows}


async def test_answers_are_stored_without_person_device_or_time(database):
    answer_columns = await _columns("survey_answers")
    assert set(answer_columns) == {"id", "ward", "period", "overall", "timeliness", "attitude", "visits",
                                   "publicity", "comment"}  # fmt: skip
    assert not any("TIME" in kind or "DATE" in kind for kind in answer_columns.values())
    # The mark says who answered where and when (the period), and nothing of the answer.
    assert set(await _columns("survey_marks")) == {"id", "ward", "period", "person"}
    ward = await _ward_id()
    people = [await _device(f"anon-{n}") for n in range(12)]
    for n, person in enumerate(people):
        await survey.submit(ward, CURRENT, person, Answer(1 + n % 5, 3, 4, 1, "yes", f"Ý kiến {n}"))
    rows = await SurveyAnswer.select()
    assert len(rows) == 12
    tokens = {f"anon-{n}" for n in range(12)}
    for row in rows:
        assert set(row) == set(answer_columns)
        assert row["ward"] == ward and row["period"] == CURRENT.key
        assert uuid.UUID(str(row["id"])).version == 4  # random: no order of arrival
        rated = ("ward", "overall", "timeliness", "attitude", "visits")  # small numbers, not people
        assert not any(str(v) in tokens or v in people for k, v in row.items() if k not in rated)
    # Stored in the order of their random ids, not in the order they came in.
    stored = [str(r["id"]) for r in await SurveyAnswer.select(SurveyAnswer.id)]
    if engine_finder().engine_type == "sqlite":
        assert stored == sorted(stored)
        with pytest.raises(Exception, match="rowid"):
            await engine_finder().run_ddl("SELECT rowid FROM survey_answers")


async def test_anonymous_visitors_leave_nothing_behind_until_they_answer(client, fixed_clock):
    page = await client.get(f"/wards/{PHU_LIEN}/survey")
    assert page.status_code == 200
    assert "gd_device" not in page.headers.get("set-cookie", "")
    assert "session" not in page.headers.get("set-cookie", "")
    token = csrf(page.text)
    # A refused answer says what to fix and makes no device either.
    refused = await client.post(f"/wards/{PHU_LIEN}/survey", data={"_csrf_token": token, "overall": "9"})
    assert refused.status_code == 400 and "gd_device" not in refused.headers.get("set-cookie", "")
    assert "Vui lòng trả lời mọi câu hỏi" in refused.text
    assert await Person.count() == 0 and await SurveyAnswer.count() == 0
    for path in (f"/api/v1/wards/{PHU_LIEN}/survey", f"/wards/{PHU_LIEN}",
                 f"/wards/{PHU_LIEN}/participation"):  # fmt: skip
        response = await client.get(path)
        assert response.status_code == 200 and "session" not in response.headers.get("set-cookie", ""), path
    assert await Person.count() == 0
    answered = await client.post(f"/wards/{PHU_LIEN}/survey", data={"_csrf_token": token, **FORM})
    assert answered.status_code == 303 and "gd_device=" in answered.headers["set-cookie"]
    assert await Person.count() == 1 and await SurveyAnswer.count() == 1


async def test_bad_period_and_unknown_ward_are_clear_client_errors(client):
    assert (await client.get(f"/wards/{PHU_LIEN}/survey?period=2026-02-6m")).status_code == 400
    assert (await client.get(f"/api/v1/wards/{PHU_LIEN}/survey?period=soon")).status_code == 400
    assert (await client.get("/wards/99999/survey")).status_code == 404
    assert (await client.get("/api/v1/wards/99999/survey")).status_code == 404


# --- pages, API, staff --------------------------------------------------------------------------


async def test_results_on_the_page_and_in_the_api_and_comments_for_staff_only(client, fixed_clock):
    await staff_accounts()
    ward = await _ward_id()
    for n, row in enumerate(HAND_TABLE):
        answer = Answer(*row, comment=f"Góp ý riêng số {n}")
        await survey.submit(ward, PREVIOUS, await _device(f"h{n}"), answer)
    data = (await client.get(f"/api/v1/wards/{PHU_LIEN}/survey?period={PREVIOUS.key}")).json()
    assert data["answers"] == 8 and data["minimum_answers"] == 10 and not data["counts_in_index"]
    assert data["period"] == {"key": "2026-01-6m", "label": "01/2026–06/2026", "starts": "2026-01-01",
                              "ends": "2026-07-01", "current": False}  # fmt: skip
    assert data["published"] is True
    by_key = {c["key"]: c for c in data["criteria"]}
    for key, counts in EXPECTED_DISTRIBUTIONS.items():
        assert [d["count"] for d in by_key[key]["distribution"]] == counts
    assert by_key["overall"]["average"] == 3.5 and data["score"] == 56.9
    period = {k: data["period"][k] for k in ("key", "label", "starts", "ends")}
    assert data["periods"] == [{**period, "answers": 8}]
    assert (await client.get(f"/api/v1/wards/{PHU_LIEN}/survey")).json() == data  # the default
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/api/v1/wards/{code}/survey" in schema["paths"]
    page = (await client.get(f"/wards/{PHU_LIEN}/survey")).text
    assert "8 câu trả lời" in page and "<svg" in page and "Chưa đủ 10 câu trả lời" in page
    assert "01/2026–06/2026" in page
    for public in (page, str(data), (await client.get(f"/wards/{PHU_LIEN}")).text):
        assert "Góp ý riêng" not in public
    await sign_in(client, "canbo.phulien")
    staff = (await client.get("/staff/survey")).text
    assert all(f"Góp ý riêng số {n}" in staff for n in range(8))
    assert (await client.get(f"/staff/survey/{PHU_LIEN}/poster.pdf")).status_code == 403  # officers don't
    await sign_in(client, "canbo.kienan")
    assert "Góp ý riêng" not in (await client.get("/staff/survey")).text  # another ward's officer


def _section(html: str, opening: str) -> str:
    start = html.index(opening)
    return html[start:html.index("</section>", start)]


async def test_a_running_period_answer_changes_no_public_figure_but_its_count(client, fixed_clock):
    """Someone answers at the desk poster; a reader compares the pages and the API before and
    after. Nothing but the running period's count may differ, or the difference is that
    person's answer (timed to the minute)."""
    await staff_accounts()
    ward = await _ward_id()
    for n, row in enumerate(HAND_TABLE):
        await survey.submit(ward, PREVIOUS, await _device(f"h{n}"), Answer(*row, comment=f"Góp ý cũ {n}"))
    api, api_now = f"/api/v1/wards/{PHU_LIEN}/survey", f"/api/v1/wards/{PHU_LIEN}/survey?period={CURRENT.key}"
    pages = (f"/wards/{PHU_LIEN}", f"/wards/{PHU_LIEN}/participation")

    async def public_view() -> dict:
        index = await ward_index(ward)
        survey_page = (await client.get(f"/wards/{PHU_LIEN}/survey")).text
        return {
            "api": (await client.get(api)).json(), "api_now": (await client.get(api_now)).json(),
            "index": (index.score, index.survey, index.survey_answers),
            "results": _section(survey_page, '<section class="card" id="results"'),
            "page_now": _section((await client.get(f"/wards/{PHU_LIEN}/survey?period={CURRENT.key}")).text,
                                 '<section class="card" id="results"'),
            **{path: _section((await client.get(path)).text, '<section aria-labelledby="survey-h"')
               for path in pages},
        }  # fmt: skip

    before = await public_view()
    # The running period, before anyone answered: its count (0) and when results open, nothing else.
    assert before["api_now"] == {
        "ward": {"code": PHU_LIEN, "name": "Phường Phù Liễn"},
        "period": {"key": "2026-07-6m", "label": "07/2026–12/2026", "starts": "2026-07-01",
                   "ends": "2027-01-01", "current": True},
        "answers": 0, "published": False, "results_open": "2027-01-01", "minimum_answers": 10,
        "counts_in_index": False, "index_weight": 20, "score": None, "criteria": [],
        "periods": [{"key": "2026-01-6m", "label": "01/2026–06/2026", "starts": "2026-01-01",
                     "ends": "2026-07-01", "answers": 8}],
    }  # fmt: skip

    client.cookies.set("gd_device", "at-the-desk")
    await _device("at-the-desk")
    token = csrf((await client.get(f"/wards/{PHU_LIEN}/survey")).text)
    answer = {"overall": "1", "timeliness": "1", "attitude": "1", "visits": "3", "publicity": "no",
              "comment": "Vừa ở quầy một cửa"}  # fmt: skip
    posted = await client.post(f"/wards/{PHU_LIEN}/survey", data={"_csrf_token": token, **answer})
    assert posted.status_code == 303 and await SurveyAnswer.count() == 9
    after = await public_view()

    running = {"key": "2026-07-6m", "label": "07/2026–12/2026", "starts": "2026-07-01",
               "ends": "2027-01-01", "answers": 1}  # fmt: skip
    assert after["api_now"] == {**before["api_now"], "answers": 1,
                                "periods": [running, *before["api_now"]["periods"]]}  # fmt: skip
    assert after["api"] == {**before["api"], "periods": [running, *before["api"]["periods"]]}
    assert before["api"]["period"]["key"] == PREVIOUS.key and before["api"]["score"] == 56.9
    assert after["index"] == before["index"] == (None, None, 0)  # eight answers: too few to count
    # The pages: the finished period's figures as they were, the running one's count alone.
    periods_list = re.compile(r"<ul>.*?</ul>", re.S)
    assert periods_list.sub("", after["results"]) == periods_list.sub("", before["results"])
    assert "07/2026–12/2026</a>: 1 câu trả lời" in after["results"]
    assert "1 câu trả lời." in after["page_now"] and "0 câu trả lời." in before["page_now"]
    for shown in (before["page_now"], after["page_now"]):
        assert "được công bố khi kỳ kết thúc, ngày 01/01/2027" in shown
        assert "<svg" not in shown and 'class="tile"' not in shown and "<table" not in shown
    running_count = re.compile(r"<p>Kỳ hiện tại đã có 1 câu trả lời[^<]*</p>")
    for path in pages:
        assert "3,5/5" in before[path]  # the finished period's average overall rating, 28 / 8
        assert running_count.search(after[path]) and not running_count.search(before[path]), path
        assert running_count.sub("", after[path]).split() == before[path].split(), path

    # The ward's staff read the finished period's comments, not the one that just arrived.
    await sign_in(client, "canbo.phulien")
    staff = (await client.get("/staff/survey")).text
    assert all(f"Góp ý cũ {n}" in staff for n in range(8)) and "Vừa ở quầy" not in staff
    assert "1 câu trả lời" in staff  # the running period's count, as public
    assert await survey.comments(ward, CURRENT, fixed_clock.now()) == []
    later = datetime(2027, 1, 1, tzinfo=VIETNAM)  # once the period has ended
    assert await survey.comments(ward, CURRENT, later) == ["Vừa ở quầy một cửa"]


async def test_the_desk_poster_opens_names_the_ward_and_its_qr_leads_to_the_survey(client, settings):
    await staff_accounts()
    await sign_in(client, "lanhdao.phulien")
    response = await client.get(f"/staff/survey/{PHU_LIEN}/poster.pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    document = pypdfium2.PdfDocument(response.content)
    assert len(document) == 1
    page = document[0]
    text = page.get_textpage().get_text_range().replace("\r\n", " ")
    assert "Phường Phù Liễn" in text and "Quét mã QR" in text
    picture = page.render(scale=2).to_pil()
    decoded = [found.text for found in zxingcpp.read_barcodes(picture)]
    assert decoded == [settings.link(f"/wards/{PHU_LIEN}/survey")]
    assert (await client.get(f"/staff/survey/{KIEN_AN}/poster.pdf")).status_code == 403  # not their ward


async def test_demo_has_a_finished_period_and_the_current_one_open(demo_data, client):
    ward = await _ward_id()
    now = clock.now()
    current = survey.period_of(now, survey.DEFAULT_PERIOD_MONTHS)
    counts = dict(await survey.answered_periods(ward))
    assert counts[current.previous()] >= 30 and 0 < counts[current] < survey.MINIMUM_ANSWERS
    finished = await survey.results(ward, current.previous())
    assert all(len([d for d in c.distribution if d[2]]) >= 2 for c in finished.criteria)  # varied
    assert (await ward_index(ward)).survey_answers == counts[current.previous()]
    data = (await client.get(f"/api/v1/wards/{PHU_LIEN}/survey")).json()
    assert data["period"]["key"] == current.previous().key and data["published"] and data["criteria"]
    running = (await client.get(f"/api/v1/wards/{PHU_LIEN}/survey?period={current.key}")).json()
    assert running["answers"] == counts[current] and not running["published"] and running["criteria"] == []
    page = (await client.get(f"/wards/{PHU_LIEN}/survey")).text
    assert current.previous().label in page and 'name="overall"' in page
    assert re.search(r"Khảo sát mức độ hài lòng", (await client.get(f"/wards/{PHU_LIEN}")).text)


@pytest.mark.parametrize(("months", "accepted"), [("6", True), ("4", True), ("12", True), ("5", False),
                                                   ("0", False), ("24", False), ("six", False)])  # fmt: skip
def test_the_deployment_period_must_divide_the_year(tmp_path, months, accepted):
    from app.platform.settings import SettingsError, load_settings

    env = {"VAR_DIR": str(tmp_path), "SURVEY_PERIOD_MONTHS": months}
    if accepted:
        assert load_settings(env).survey_period_months == int(months)
    else:
        with pytest.raises(SettingsError, match="SURVEY_PERIOD_MONTHS"):
            load_settings(env)
