"""The ward satisfaction survey: every period (six months by default: January–June and
July–December), residents rate the ward's one-stop service on the criteria of Decision
766/QĐ-TTg as Bắc Giang's "friendly government" asks them — overall satisfaction, timeliness,
staff attitude (1–5 each), the number of visits a matter needed (1, 2, 3 or more) and whether
the procedures were publicly posted (yes / partly / no) — and may leave a comment.

Anonymity: an answer row holds the ward, the period and the ratings, nothing else — no person,
no device, no time finer than the period, a random id. What keeps one answer per device and
period is a separate mark (ward, period, person) written in the same transaction and holding
nothing of the answer; a unique index on it decides races. Comments are read by the ward's
staff only and never published, since nobody moderates them.

Results are published only once their period has ended: while a period runs only its number
of answers is public. Were its distributions live, reloading the page before and after one
person answers at the desk would give that person's ratings, timed to the minute. For the same
reason the staff read the comments of finished periods only, never one that just arrived.

Into the service index (app/transparency/service_index.py) goes the mean of the five criteria,
each mapped to 0–1, over the finished periods of the last twelve months that reached
MINIMUM_ANSWERS.
"""

from __future__ import annotations

import secrets
import statistics
import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from app.accounts.policy import Act, Actor, Place, allows
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.db import UNIQUE_VIOLATIONS, for_update, write_transaction
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.kept import forget_all
from app.platform.tables import SurveyAnswer, SurveyMark, Ward, WardSurvey
from app.platform.text import clean_text

PERIOD_LENGTHS = (1, 2, 3, 4, 6, 12)  # months; each divides the year, so periods start in January
DEFAULT_PERIOD_MONTHS = 6
# Below this many answers a period's results are shown but do not move the service index:
# a handful of answers (the ward's own staff, one angry visitor) says little about a ward.
MINIMUM_ANSWERS = 10
COMMENT_LIMIT = 1000
INDEX_WINDOW = timedelta(days=365)  # the service index looks at the last twelve months

SCALE_LABELS = {1: N_("Very poor"), 2: N_("Poor"), 3: N_("Fair"), 4: N_("Good"), 5: N_("Very good")}
VISITS = {1: N_("Once"), 2: N_("Twice"), 3: N_("Three times or more")}
PUBLICITY = {"yes": N_("Yes, fully"), "partly": N_("Partly"), "no": N_("No")}
# How each answer counts towards the index, from 0 (worst) to 1 (best).
VISIT_SHARES = {1: 1.0, 2: 0.5, 3: 0.0}
PUBLICITY_SHARES = {"yes": 1.0, "partly": 0.5, "no": 0.0}


@dataclass(frozen=True)
class Criterion:
    key: str
    question: str  # a catalog message
    kind: str  # scale | visits | publicity


CRITERIA = (
    Criterion("overall", N_("Overall, how satisfied are you with the ward's service?"), "scale"),
    Criterion("timeliness", N_("Was your matter settled on time?"), "scale"),
    Criterion("attitude", N_("How were the staff who served you?"), "scale"),
    Criterion("visits", N_("How many times did you have to come for this matter?"), "visits"),
    Criterion("publicity", N_("Were the procedures, papers and fees posted publicly?"), "publicity"),
)
CRITERION_NAMES = {
    "overall": N_("Overall satisfaction"),
    "timeliness": N_("Timeliness"),
    "attitude": N_("Staff attitude"),
    "visits": N_("Visits needed"),
    "publicity": N_("Publicity of procedures"),
}


class SurveyError(ValueError):
    """An answer or a setting that cannot be taken; `errors` names the fields."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    months: int

    @property
    def key(self) -> str:
        """"2026-01-6m": the first month and the length, so periods of different lengths never mix."""
        return f"{self.year:04d}-{self.first_month:02d}-{self.months}m"

    @property
    def last_month(self) -> int:
        return self.first_month + self.months - 1

    @property
    def label(self) -> str:
        return f"{self.first_month:02d}/{self.year}–{self.last_month:02d}/{self.year}"

    @property
    def starts_at(self) -> datetime:
        return datetime(self.year, self.first_month, 1, tzinfo=VIETNAM)

    @property
    def ends_at(self) -> datetime:
        """The first moment after the period (local midnight)."""
        if self.last_month == 12:
            return datetime(self.year + 1, 1, 1, tzinfo=VIETNAM)
        return datetime(self.year, self.last_month + 1, 1, tzinfo=VIETNAM)

    def finished(self, now: datetime) -> bool:
        """Its results are published: it has ended."""
        return self.ends_at <= now

    def previous(self) -> Period:
        if self.first_month == 1:
            return Period(self.year - 1, 13 - self.months, self.months)
        return Period(self.year, self.first_month - self.months, self.months)


def period_of(moment: datetime, months: int) -> Period:
    """The period of `months` months (counted from January, Vietnam time) holding `moment`."""
    if months not in PERIOD_LENGTHS:
        raise SurveyError(_("A survey period lasts 1, 2, 3, 4, 6 or 12 months."))
    local = moment.astimezone(VIETNAM)
    return Period(local.year, (local.month - 1) // months * months + 1, months)


def parse_period(key: str | None) -> Period | None:
    """The period a key names, or None for anything that is not one."""
    try:
        year, month, length = (key or "").split("-")
        period = Period(int(year), int(month), int(length.removesuffix("m")))
    except ValueError:
        return None
    valid = (2000 <= period.year <= 2999 and period.months in PERIOD_LENGTHS and length.endswith("m")
             and 1 <= period.first_month <= 12 and (period.first_month - 1) % period.months == 0
             and period.key == key)  # fmt: skip
    return period if valid else None


def chosen_period(
    key: str | None, current: Period, answered: list[tuple[Period, int]], now: datetime
) -> Period:
    """The period a `?period=` names (SurveyError if it names none); without one, the newest
    finished period with enough answers to say something, else the newest finished one with
    any, else the current period (whose results are not published yet)."""
    if not key:
        finished = [(p, n) for p, n in answered if p.finished(now)]
        enough = [p for p, n in finished if n >= MINIMUM_ANSWERS]
        return (enough or [p for p, _n in finished] or [current])[0]
    period = parse_period(key)
    if period is None:
        raise SurveyError(_("This is not a survey period: use the links on the survey page."))
    return period


# --- one answer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    overall: int
    timeliness: int
    attitude: int
    visits: int
    publicity: str
    comment: str = ""


def read_answer(form: Mapping[str, object]) -> Answer:
    """The answer a form or a JSON body gives, every field checked; every problem named at once."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for criterion in CRITERIA:
        raw = str(form.get(criterion.key) or "").strip()
        if criterion.kind == "publicity":
            allowed = list(PUBLICITY)
            value: object = raw
        else:
            allowed = list(SCALE_LABELS if criterion.kind == "scale" else VISITS)
            value = int(raw) if raw.isdigit() else None
        if value not in allowed:
            errors[criterion.key] = _("Choose one of the answers.")
        values[criterion.key] = value
    try:
        values["comment"] = clean_text(form.get("comment"), COMMENT_LIMIT, _("Comment"), multiline=True)
    except ValueError as error:
        errors["comment"] = str(error)
    if errors:
        raise SurveyError(_("Please answer every question."), errors)
    return Answer(**values)  # type: ignore[arg-type]


# --- results ---------------------------------------------------------------------------------


@dataclass
class CriterionResult:
    key: str
    kind: str  # scale | visits | publicity
    name: str  # a catalog message
    distribution: list[tuple[object, str, int]]  # (value, label message, count), every value listed
    average: float | None  # for the 1–5 criteria
    share: float | None  # 0–1, how the criterion counts in the index


@dataclass
class Results:
    answers: int
    criteria: list[CriterionResult] = field(default_factory=list)
    share: float | None = None  # the survey's part of the service index, 0–1

    @property
    def enough(self) -> bool:
        return self.answers >= MINIMUM_ANSWERS


def _criterion_share(kind: str, values: list) -> float | None:
    if not values:
        return None
    if kind == "scale":
        return (statistics.fmean(values) - 1) / 4
    shares = VISIT_SHARES if kind == "visits" else PUBLICITY_SHARES
    return statistics.fmean(shares[v] for v in values)


def tally(rows: list[Mapping]) -> Results:
    """Distribution, average and 0–1 share of every criterion over these answers; the survey's
    share is the plain mean of the five criteria's shares (each weighs one fifth)."""
    results = Results(answers=len(rows))
    for criterion in CRITERIA:
        values = [row[criterion.key] for row in rows]
        counts = Counter(values)
        labels = {"scale": SCALE_LABELS, "visits": VISITS, "publicity": PUBLICITY}[criterion.kind]
        results.criteria.append(CriterionResult(
            key=criterion.key, kind=criterion.kind, name=CRITERION_NAMES[criterion.key],
            distribution=[(value, label, counts.get(value, 0)) for value, label in labels.items()],
            average=round(statistics.fmean(values), 2) if values and criterion.kind == "scale" else None,
            share=_criterion_share(criterion.kind, values),
        ))  # fmt: skip
    shares = [c.share for c in results.criteria]
    results.share = statistics.fmean(shares) if rows else None  # type: ignore[arg-type]
    return results


def counts_for_index(period: Period, answers: int, now: datetime) -> bool:
    """A period moves the index when it has ended (its results are published), ended within
    the last twelve months and has at least MINIMUM_ANSWERS answers."""
    return answers >= MINIMUM_ANSWERS and period.finished(now) and period.ends_at > now - INDEX_WINDOW


def distribution_labels(criterion: CriterionResult) -> list[tuple[str, int]]:
    """The rows of a criterion's chart and table, in the reader's language."""
    if criterion.kind == "scale":
        return [(f"{value} · {_(label)}", count) for value, label, count in criterion.distribution]
    return [(_(label), count) for _value, label, count in criterion.distribution]


# --- queries ---------------------------------------------------------------------------------

ANSWER_COLUMNS = (SurveyAnswer.overall, SurveyAnswer.timeliness, SurveyAnswer.attitude,
                  SurveyAnswer.visits, SurveyAnswer.publicity)  # fmt: skip


async def period_months(ward_id: int, default: int = DEFAULT_PERIOD_MONTHS) -> int:
    """The ward's own period length, else the deployment's (SURVEY_PERIOD_MONTHS)."""
    row = await WardSurvey.select(WardSurvey.period_months).where(WardSurvey.ward == ward_id).first()
    return row["period_months"] if row else default


async def current_period(
    ward_id: int, default: int = DEFAULT_PERIOD_MONTHS, now: datetime | None = None
) -> Period:
    return period_of(now or clock.now(), await period_months(ward_id, default))


async def set_period_months(actor: Actor, ward: Mapping, months: int) -> None:
    """The ward lead chooses the period length; it applies from the period holding today on.
    Answers already given stay in the period they were given in."""
    if not allows(actor, Act.RUN_SURVEY, Place(ward["id"], ward["province_id"])):
        raise PermissionError(_("Only the ward's leads run its survey."))
    if months not in PERIOD_LENGTHS:
        raise SurveyError(_("A survey period lasts 1, 2, 3, 4, 6 or 12 months."))
    async with write_transaction():
        if await WardSurvey.exists().where(WardSurvey.ward == ward["id"]):
            await WardSurvey.update({WardSurvey.period_months: months}).where(WardSurvey.ward == ward["id"])
        else:
            await WardSurvey.insert(WardSurvey(ward=ward["id"], period_months=months))


async def has_answered(ward_id: int, period: Period, person_id: int | None) -> bool:
    return person_id is not None and await SurveyMark.exists().where(
        SurveyMark.ward == ward_id, SurveyMark.period == period.key, SurveyMark.person == person_id
    )


async def submit(ward_id: int, period: Period, person_id: int, answer: Answer) -> bool:
    """Store one anonymous answer for this device in this period; False when it has already
    answered (the unique mark decides a race). The mark and the answer are written in one
    transaction and share nothing but the ward and the period; that transaction also writes
    every other answer and mark of the period again, so none of them can be paired by the
    transaction that wrote it or by its place in the table (_rewritten_together)."""
    try:
        async with write_transaction():
            # One answering transaction at a time per ward: a second one reading the period's
            # answers before the first commits would write them back a second time.
            await for_update(Ward.select(Ward.id).where(Ward.id == ward_id)).first()
            if await has_answered(ward_id, period, person_id):
                return False
            await SurveyMark.insert(SurveyMark(ward=ward_id, period=period.key, person=person_id))
            await _rewritten_together(ward_id, period.key, {
                "overall": answer.overall, "timeliness": answer.timeliness, "attitude": answer.attitude,
                "visits": answer.visits, "publicity": answer.publicity, "comment": answer.comment,
            })  # fmt: skip
    except UNIQUE_VIOLATIONS:
        return False  # this device's other request got there first
    forget_all()  # the ward's service index, kept for a few seconds, counts the survey
    return True


async def _rewritten_together(ward_id: int, period_key: str, new_answer: dict) -> None:
    """Inside the answering transaction: the period's answers, the new one among them, written
    again in a random order under new random ids, and its marks touched. PostgreSQL stamps each
    row with the transaction that wrote it (xmin) and keeps rows in the order they were written:
    an answer written alone would carry its mark's stamp, and sit where its mark sits in the
    other table. Written together, every answer and mark of the period carries this
    transaction's stamp and the answers' order is random (docs/data-model.md). A ward's period
    has at most a few thousand answers: rewriting them is a few milliseconds per answer."""
    of_period = (SurveyAnswer.ward == ward_id) & (SurveyAnswer.period == period_key)
    rows = await SurveyAnswer.select(*ANSWER_COLUMNS, SurveyAnswer.comment).where(of_period)
    rows.append(new_answer)
    secrets.SystemRandom().shuffle(rows)
    await SurveyAnswer.delete().where(of_period)
    for start in range(0, len(rows), 500):
        await SurveyAnswer.insert(*[SurveyAnswer(id=uuid.uuid4(), ward=ward_id, period=period_key, **row)
                                    for row in rows[start : start + 500]])  # fmt: skip
    await SurveyMark.update({SurveyMark.person: SurveyMark.person}).where(
        (SurveyMark.ward == ward_id) & (SurveyMark.period == period_key)
    )


async def results(ward_id: int, period: Period) -> Results:
    rows = await SurveyAnswer.select(*ANSWER_COLUMNS).where(
        SurveyAnswer.ward == ward_id, SurveyAnswer.period == period.key
    )
    return tally(rows)


async def answered_periods(ward_id: int) -> list[tuple[Period, int]]:
    """Every period of the ward that has answers, newest first, with its count."""
    rows = await SurveyAnswer.select(SurveyAnswer.period).where(SurveyAnswer.ward == ward_id)
    counts = Counter(r["period"] for r in rows)
    periods = [(parse_period(key), n) for key, n in counts.items()]
    return sorted(((p, n) for p, n in periods if p is not None), key=lambda pn: pn[0].starts_at, reverse=True)


async def comments(ward_id: int, period: Period, now: datetime) -> list[str]:
    """A finished period's comments, for the ward's staff only; in the random order of the ids.
    None of a running period: a comment read as it arrives names whoever just left the desk."""
    if not period.finished(now):
        return []
    rows = await SurveyAnswer.select(SurveyAnswer.comment).where(
        SurveyAnswer.ward == ward_id, SurveyAnswer.period == period.key, SurveyAnswer.comment != ""
    ).order_by(SurveyAnswer.id)
    return [r["comment"] for r in rows]


async def index_shares(ward_ids: list[int], now: datetime) -> dict[int, tuple[float, int]]:
    """Per ward, the survey's part of the service index (0–1) and the answers behind it: the
    answers of every period that counts (see counts_for_index: finished ones only, or the
    index would move with each answer and give it away), taken together."""
    rows = await SurveyAnswer.select(SurveyAnswer.ward, SurveyAnswer.period, *ANSWER_COLUMNS).where(
        SurveyAnswer.ward.is_in(ward_ids or [0])
    )
    by_ward_period: dict[tuple[int, str], list[dict]] = {}
    for row in rows:
        by_ward_period.setdefault((row["ward"], row["period"]), []).append(row)
    counted: dict[int, list[dict]] = {}
    for (ward_id, key), answers in by_ward_period.items():
        period = parse_period(key)
        if period is not None and counts_for_index(period, len(answers), now):
            counted.setdefault(ward_id, []).extend(answers)
    return {ward_id: (tally(answers).share, len(answers)) for ward_id, answers in counted.items()}


@dataclass(frozen=True)
class PeriodResults:
    """One period as the survey page and the API show it."""

    current: Period  # the period answers go to now
    shown: Period
    periods: list[tuple[Period, int]]  # every period with answers, newest first, with its count
    answers: int  # the shown period's count, public even while it runs
    results: Results | None  # None until the shown period has ended
    counts_in_index: bool


async def period_results(ward_id: int, key: str | None, default_months: int, now: datetime) -> PeriodResults:
    """The period `key` names (see chosen_period; SurveyError if none), its results once ended."""
    current = await current_period(ward_id, default_months, now)
    periods = await answered_periods(ward_id)
    shown = chosen_period(key, current, periods, now)
    answers = dict(periods).get(shown, 0)
    published = await results(ward_id, shown) if shown.finished(now) else None
    return PeriodResults(current, shown, periods, answers, published, counts_for_index(shown, answers, now))


@dataclass(frozen=True)
class Summary:
    """What the ward page and the participation page show of the survey."""

    running: int  # answers so far in the running period(s): a count, never their results
    shown: Period | None  # the newest finished period with enough answers, else with any
    results: Results | None  # the shown period's, published since it has ended
    counts_in_index: bool


async def summary(ward_id: int, now: datetime | None = None) -> Summary:
    """Read from the answers alone, so that it needs no setting."""
    now = now or clock.now()
    answered = await answered_periods(ward_id)
    running = sum(n for p, n in answered if not p.finished(now))
    finished = [(p, n) for p, n in answered if p.finished(now)]
    enough = [(p, n) for p, n in finished if n >= MINIMUM_ANSWERS]
    shown, count = (enough or finished or [(None, 0)])[0]
    return Summary(running, shown, await results(ward_id, shown) if shown else None,
                   shown is not None and counts_for_index(shown, count, now))  # fmt: skip


async def wards_running_survey(ward_ids: frozenset[int] | None) -> list[dict]:
    """The wards a staff page lists (None: an admin, who names the ward)."""
    if not ward_ids:
        return []
    return await Ward.select(Ward.id, Ward.code, Ward.name, Ward.province.as_alias("province_id")).where(
        Ward.id.is_in(list(ward_ids))
    ).order_by(Ward.name)
