"""Consultations (lấy ý kiến, Law 10/2022 on grassroots democracy, Art. 25).

The ward lead puts a draft — one of the matters Art. 25 lists — to the residents of the ward
or of some of its residential groups, with its documents, an opening and a closing date and a
few questions. Each person answers once and may change the answer until closing; answers of
residents the ward verified in person are counted apart from the others. Once closed, the
ward owes a synthesis (báo cáo tổng hợp, tiếp thu, giải trình): what was said, what was taken
up, what was not and why, within SYNTHESIS_WORKING_DAYS working days. It is published as a
government action; a late one gets an apology slip (see consultation_sweep.py).

This is neither a household decision (Art. 15, a secret ballot of households that binds) nor
a proposal's support count: residents give their opinion on the ward's own draft.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time

from app.accounts.policy import Act, Actor, Place, allows
from app.participation.verification import verification_of
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.db import write_transaction
from app.platform.deadlines import deadline_for
from app.platform.i18n import N_, in_default_language
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore
from app.platform.tables import (
    Consultation,
    ConsultationAnswer,
    ConsultationDocument,
    ConsultationGroup,
    ConsultationMark,
    ConsultationQuestion,
    Follow,
    GovernmentAction,
    ResidentialGroup,
    Ward,
)
from app.transparency.actions import (
    ActionError,
    NewAction,
    Upload,
    attachment_rows,
    publish,
    store_attachments,
)
from notifications import notify

# The matters Art. 25 says the commune consults its residents on.
MATTERS = {
    "socio_economic_plan": N_("Socio-economic development plan"),
    "land_use_plan": N_("Land-use plan"),
    "investment_project": N_("Investment project"),
    "resettlement_project": N_("Compensation, support and resettlement project"),
    "units": N_("Creating, merging, dividing or renaming units and residential groups"),
    "community_decision": N_("Draft decision affecting the community"),
    "construction_planning": N_("Construction planning"),
    "democracy_regulation": N_("The ward's regulation on grassroots democracy"),
}
QUESTION_KINDS = {
    "comment": N_("Free comment"),
    "single": N_("One choice"),
    "multiple": N_("Several choices"),
    "scale": N_("Agreement from 1 to 5"),
}
SCALE = (N_("Strongly disagree"), N_("Disagree"), N_("Neither"), N_("Agree"), N_("Strongly agree"))
CHOICE_KINDS = ("single", "multiple", "scale")
# The ward's own democracy regulation may set another; ten working days is the usual promise.
SYNTHESIS_WORKING_DAYS = 10
MAX_QUESTIONS, MAX_OPTIONS, MAX_DOCUMENTS = 20, 10, 10
MAX_ANSWER_CHARS, MAX_SUMMARY_CHARS, MAX_SYNTHESIS_CHARS = 2000, 20_000, 20_000


class ConsultationError(ValueError):
    """What is wrong with a consultation, an answer or a synthesis, for the person to fix."""


@dataclass
class NewQuestion:
    kind: str
    prompt: str
    options: list[str] = field(default_factory=list)


@dataclass
class NewConsultation:
    ward_code: str
    matter: str
    title: str
    summary: str
    opens_on: date
    closes_on: date
    questions: list[NewQuestion]
    results_while_open: bool = False
    group_ids: list[int] = field(default_factory=list)
    documents: list[Upload] = field(default_factory=list)


def _words(text: str) -> str:
    return " ".join(text.split())


def _check_questions(questions: list[NewQuestion]) -> list[NewQuestion]:
    questions = [q for q in questions if q.prompt.strip()]
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise ConsultationError(_("Ask 1 to %(n)d questions.") % {"n": MAX_QUESTIONS})
    checked = []
    for number, q in enumerate(questions, start=1):
        prompt = _words(q.prompt)
        if q.kind not in QUESTION_KINDS:
            raise ConsultationError(_("Question %(n)d: choose what kind of answer it takes.") % {"n": number})
        if not 3 <= len(prompt) <= 300:
            raise ConsultationError(_("Question %(n)d needs 3 to 300 characters.") % {"n": number})
        options = (
            [_words(o)[:200] for o in q.options if o.strip()] if q.kind in ("single", "multiple") else []
        )
        if q.kind in ("single", "multiple") and not (
            2 <= len(options) <= MAX_OPTIONS and len(set(options)) == len(options)
        ):
            raise ConsultationError(
                _("Question %(n)d needs 2 to %(max)d different choices, one per line.")
                % {"n": number, "max": MAX_OPTIONS}
            )
        checked.append(NewQuestion(q.kind, prompt, options))
    return checked


def _opening(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=VIETNAM)


def _closing(day: date) -> datetime:
    """Open through the whole of the closing day, as residents read "until 30/11"."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=VIETNAM)


async def _ward(ward_code: str) -> dict:
    ward = await Ward.select(Ward.id, Ward.name, Ward.province).where(Ward.code == ward_code).first()
    if ward is None:
        raise ConsultationError(_("Choose the ward that consults."))
    return ward


async def create(actor: Actor, new: NewConsultation, media: MediaStore) -> int:
    ward = await _ward(new.ward_code)
    if not allows(actor, Act.CONSULT, Place(ward["id"], ward["province"])):
        raise PermissionError(_("You may not open consultations for this ward."))
    if new.matter not in MATTERS:
        raise ConsultationError(_("Choose which matter of Article 25 this draft is."))
    title = _words(new.title)
    if not 5 <= len(title) <= 300:
        raise ConsultationError(_("The title needs 5 to 300 characters."))
    summary = new.summary.strip()
    if len(summary) > MAX_SUMMARY_CHARS:
        raise ConsultationError(_("The summary is too long: at most 20,000 characters."))
    today = clock.now().astimezone(VIETNAM).date()
    if new.opens_on < today:
        raise ConsultationError(_("The opening date cannot be in the past."))
    if new.closes_on < new.opens_on:
        raise ConsultationError(_("The closing date must come after the opening date."))
    questions = _check_questions(new.questions)
    groups = sorted(set(new.group_ids))
    if groups:
        found = await ResidentialGroup.count().where(
            ResidentialGroup.id.is_in(groups), ResidentialGroup.ward == ward["id"]
        )
        if found != len(groups):
            raise ConsultationError(_("Choose residential groups of this ward."))
    if len(new.documents) > MAX_DOCUMENTS:
        raise ConsultationError(_("Attach at most 10 files."))
    try:
        stored = await store_attachments(new.documents, media)
    except ActionError as refused:
        raise ConsultationError(str(refused)) from None
    opens_at, closes_at = _opening(new.opens_on), _closing(new.closes_on)
    now = clock.now()
    async with write_transaction():
        consultation = Consultation(
            ward=ward["id"],
            matter=new.matter,
            title=title,
            summary=summary,
            opens_at=opens_at,
            closes_at=closes_at,
            results_while_open=new.results_while_open,
            author=actor.person_id,
            synthesis_due=deadline_for(closes_at, working_days=SYNTHESIS_WORKING_DAYS),
            created_at=now,
        )
        await consultation.save()
        if groups:
            await ConsultationGroup.insert(
                *[ConsultationGroup(consultation=consultation.id, group=g) for g in groups]
            )
        await ConsultationQuestion.insert(
            *[
                ConsultationQuestion(
                    consultation=consultation.id,
                    position=i,
                    kind=q.kind,
                    prompt=q.prompt,
                    options=json.dumps(q.options, ensure_ascii=False),
                )
                for i, q in enumerate(questions)
            ]
        )
        if stored:
            await ConsultationDocument.insert(
                *attachment_rows(ConsultationDocument, {"consultation": consultation.id}, stored)
            )
        if opens_at <= now:
            await tell_ward_once(consultation.id, "opened", opens_at, exclude=actor.person_id)
    return consultation.id


async def ward_followers(ward_id: int) -> list[int]:
    return [f["person"] for f in await Follow.select(Follow.person).where(Follow.ward == ward_id)]


async def mark_once(consultation_id: int, kind: str, deadline: datetime, data: dict | None = None) -> bool:
    """Claim (consultation, kind, deadline); False if it was done already. Call it inside the
    transaction that does the thing, so the mark and the deed commit together."""
    claimed = (
        await ConsultationMark.insert(
            ConsultationMark(
                consultation=consultation_id,
                kind=kind,
                deadline=deadline,
                data=json.dumps(data or {}, ensure_ascii=False),
                created_at=clock.now(),
            )
        )
        .on_conflict(action="DO NOTHING")
        .returning(ConsultationMark.id)
    )
    return bool(claimed)


NOTICE_KINDS = {"opened": "consultation_opened", "closing": "consultation_closing"}


async def tell_ward_once(
    consultation_id: int, kind: str, deadline: datetime, exclude: int | None = None
) -> bool:
    """Tell the ward's followers that a consultation opened, or closes tomorrow: once."""
    row = (
        await Consultation.select(Consultation.ward, Consultation.title)
        .where(Consultation.id == consultation_id)
        .first()
    )
    if not await mark_once(consultation_id, kind, deadline):
        return False
    await notify.tell(
        await ward_followers(row["ward"]),
        NOTICE_KINDS[kind],
        None,
        exclude=exclude,
        title=row["title"],
        path=f"/consultations/{consultation_id}",
    )
    return True


def status(consultation: dict, now: datetime | None = None) -> str:
    """upcoming | open | closed (awaiting its synthesis) | concluded (synthesis published)."""
    now = now or clock.now()
    if now < consultation["opens_at"]:
        return "upcoming"
    if now <= consultation["closes_at"]:
        return "open"
    return "concluded" if consultation["synthesis"] else "closed"


def ensure_open(consultation: dict) -> None:
    """Answers and comments are taken only while a consultation is open."""
    if consultation["status"] == "upcoming":
        raise ConsultationError(_("This consultation is not open yet."))
    if consultation["status"] != "open":
        raise ConsultationError(_("This consultation is closed: answers and comments can no longer change."))


STATUS_LABELS = {
    "upcoming": N_("Opens soon"),
    "open": N_("Open for opinions"),
    "closed": N_("Closed: synthesis awaited"),
    "concluded": N_("Concluded: synthesis published"),
}

_COLUMNS = (
    Consultation.id,
    Consultation.matter,
    Consultation.title,
    Consultation.summary,
    Consultation.opens_at,
    Consultation.closes_at,
    Consultation.results_while_open,
    Consultation.synthesis_due,
    Consultation.synthesis,
    Consultation.synthesis_published_at,
    Consultation.created_at,
    Consultation.ward.as_alias("ward_id"),
    Consultation.ward.code,
    Consultation.ward.name,
    Consultation.ward.province.as_alias("province_id"),
)


def _with_status(row: dict, now: datetime) -> dict:
    return {**row, "status": status(row, now)}


async def for_ward(ward_code: str, limit: int = 50) -> list[dict]:
    """A ward's consultations, newest first, with their status and whether a synthesis is late."""
    now = clock.now()
    rows = (
        await Consultation.select(*_COLUMNS)
        .where(Consultation.ward.code == ward_code)
        .order_by(Consultation.opens_at, ascending=False)
        .limit(limit)
    )
    late = await _late_ids([r["id"] for r in rows])
    return [{**_with_status(r, now), "late": r["id"] in late} for r in rows]


async def _late_ids(ids: list[int]) -> set[int]:
    marks = await ConsultationMark.select(ConsultationMark.consultation).where(
        ConsultationMark.consultation.is_in(ids or [0]), ConsultationMark.kind == "overdue"
    )
    return {m["consultation"] for m in marks}


async def detail(consultation_id: int) -> dict | None:
    row = await Consultation.select(*_COLUMNS).where(Consultation.id == consultation_id).first()
    if row is None:
        return None
    consultation = _with_status(row, clock.now())
    consultation["questions"] = await questions_of(consultation_id)
    consultation["documents"] = (
        await ConsultationDocument.select()
        .where(ConsultationDocument.consultation == consultation_id)
        .order_by(ConsultationDocument.position)
    )
    consultation["groups"] = await ConsultationGroup.select(
        ConsultationGroup.group.as_alias("id"), ConsultationGroup.group.name.as_alias("name")
    ).where(ConsultationGroup.consultation == consultation_id)
    consultation["apologies"] = (
        await ConsultationMark.select(ConsultationMark.data, ConsultationMark.created_at)
        .where(ConsultationMark.consultation == consultation_id, ConsultationMark.kind == "overdue")
        .order_by(ConsultationMark.created_at)
        .output(load_json=True)
    )
    consultation["late"] = bool(consultation["apologies"]) or (
        consultation["synthesis"] is None and clock.now() > consultation["synthesis_due"]
    )
    consultation["synthesis_action"] = None
    if consultation["synthesis"]:
        consultation["synthesis_action"] = (
            await GovernmentAction.select(
                GovernmentAction.id,
                GovernmentAction.title,
                GovernmentAction.body,
                GovernmentAction.published_at,
            )
            .where(GovernmentAction.id == consultation["synthesis"])
            .first()
        )
    return consultation


async def questions_of(consultation_id: int) -> list[dict]:
    return (
        await ConsultationQuestion.select(
            ConsultationQuestion.id,
            ConsultationQuestion.kind,
            ConsultationQuestion.prompt,
            ConsultationQuestion.options,
        )
        .where(ConsultationQuestion.consultation == consultation_id)
        .order_by(ConsultationQuestion.position)
        .output(load_json=True)
    )


def _parse(question: dict, values: list[str]):
    """One question's answer from the form's values, or None if left blank."""
    values = [v.strip() for v in values if v and v.strip()]
    if not values:
        return None
    kind, n = question["kind"], len(question["options"])
    if kind == "comment":
        text = values[0]
        if len(text) > MAX_ANSWER_CHARS:
            raise ConsultationError(_("An answer holds at most 2,000 characters."))
        return text
    try:
        numbers = sorted({int(v) for v in values})
    except ValueError:
        raise ConsultationError(_("Choose among the answers offered.")) from None
    allowed = range(1, 6) if kind == "scale" else range(n)
    if any(v not in allowed for v in numbers) or (kind != "multiple" and len(numbers) > 1):
        raise ConsultationError(_("Choose among the answers offered."))
    return numbers if kind == "multiple" else numbers[0]


async def scope_group_ids(consultation_id: int) -> list[int]:
    return [
        g["group"]
        for g in await ConsultationGroup.select(ConsultationGroup.group).where(
            ConsultationGroup.consultation == consultation_id
        )
    ]


async def counts_as_verified(person_id: int, consultation: dict) -> bool:
    """Verified by this ward — and, for a consultation put to some groups, in one of them."""
    verified = await verification_of(person_id, consultation["ward_id"])
    if verified is None:
        return False
    groups = await scope_group_ids(consultation["id"])
    return not groups or verified["group_id"] in groups


async def answer(consultation_id: int, person_id: int, form: dict[str, list[str]]) -> None:
    """Store the person's answers (form fields q<question id>), replacing earlier ones.

    One row per (consultation, person) by a unique index, written by an upsert: any number of
    submissions at once leave exactly one answer, the last one written."""
    consultation = await Consultation.select(*_COLUMNS).where(Consultation.id == consultation_id).first()
    if consultation is None:
        raise LookupError(consultation_id)
    now = clock.now()
    ensure_open(_with_status(consultation, now))
    answers = {}
    for question in await questions_of(consultation_id):
        value = _parse(question, form.get(f"q{question['id']}", []))
        if value is not None:
            answers[str(question["id"])] = value
    if not answers:
        raise ConsultationError(_("Answer at least one question."))
    verified = await counts_as_verified(person_id, consultation)
    await ConsultationAnswer.insert(
        ConsultationAnswer(
            consultation=consultation_id,
            person=person_id,
            verified=verified,
            answers=json.dumps(answers, ensure_ascii=False),
            created_at=now,
            updated_at=now,
        )
    ).on_conflict(
        target=(ConsultationAnswer.consultation, ConsultationAnswer.person),
        action="DO UPDATE",
        values=[ConsultationAnswer.answers, ConsultationAnswer.verified, ConsultationAnswer.updated_at],
    )


async def answer_of(consultation_id: int, person_id: int | None) -> dict | None:
    """The person's own answers ({question id: value}), to fill the form again."""
    if person_id is None:
        return None
    row = (
        await ConsultationAnswer.select(ConsultationAnswer.answers, ConsultationAnswer.updated_at)
        .where(ConsultationAnswer.consultation == consultation_id, ConsultationAnswer.person == person_id)
        .output(load_json=True)
        .first()
    )
    return row


def results_visible(consultation: dict) -> bool:
    return consultation["status"] in ("closed", "concluded") or (
        consultation["status"] == "open" and consultation["results_while_open"]
    )


def option_labels(question: dict) -> list[str]:
    if question["kind"] == "scale":
        return [f"{n} · {_(label)}" for n, label in enumerate(SCALE, start=1)]
    return list(question["options"])


async def results(consultation: dict) -> dict:
    """Counts per choice, verified and unverified apart, with shares of those who answered
    the question; and how many took part. Free comments are not counted here."""
    rows = (
        await ConsultationAnswer.select(ConsultationAnswer.verified, ConsultationAnswer.answers)
        .where(ConsultationAnswer.consultation == consultation["id"])
        .output(load_json=True)
    )
    participants = {"verified": sum(r["verified"] for r in rows)}
    participants["unverified"] = len(rows) - participants["verified"]
    per_question = []
    for question in consultation["questions"]:
        if question["kind"] not in CHOICE_KINDS:
            continue
        labels = option_labels(question)
        counts = [{"label": label, "verified": 0, "unverified": 0} for label in labels]
        answered = {"verified": 0, "unverified": 0}
        for row in rows:
            value = row["answers"].get(str(question["id"]))
            if value is None:
                continue
            who = "verified" if row["verified"] else "unverified"
            answered[who] += 1
            chosen = (
                value if isinstance(value, list) else [value - 1 if question["kind"] == "scale" else value]
            )
            for index in chosen:
                counts[index][who] += 1
        for option in counts:
            option["total"] = option["verified"] + option["unverified"]
            everyone = answered["verified"] + answered["unverified"]
            option["share"] = option["total"] / everyone if everyone else 0.0
        per_question.append(
            {
                "id": question["id"],
                "prompt": question["prompt"],
                "kind": question["kind"],
                "options": counts,
                "answered": answered,
            }
        )
    return {"participants": participants, "questions": per_question}


async def free_answers(consultation: dict) -> list[dict]:
    """What people wrote in the free comment questions, without who wrote it: for the ward
    staff writing the synthesis."""
    rows = (
        await ConsultationAnswer.select(ConsultationAnswer.verified, ConsultationAnswer.answers)
        .where(ConsultationAnswer.consultation == consultation["id"])
        .order_by(ConsultationAnswer.updated_at)
        .output(load_json=True)
    )
    texts = []
    for question in consultation["questions"]:
        if question["kind"] == "comment":
            said = [
                {"text": r["answers"][str(question["id"])], "verified": r["verified"]}
                for r in rows
                if str(question["id"]) in r["answers"]
            ]
            texts.append({"prompt": question["prompt"], "answers": said})
    return texts


@dataclass
class Synthesis:
    said: str  # what residents said
    taken_up: str  # what the ward takes up
    not_taken_up: str  # what it does not, and why
    documents: list[Upload] = field(default_factory=list)


SYNTHESIS_TITLE = N_("Synthesis of opinions: %(title)s")
SYNTHESIS_SECTIONS = (
    N_("What residents said"),
    N_("What the ward takes up"),
    N_("What the ward does not take up, and why"),
)
SYNTHESIS_PARTICIPATION = N_("%(verified)d verified residents and %(unverified)d other residents took part.")


async def publish_synthesis(
    actor: Actor, consultation_id: int, synthesis: Synthesis, media: MediaStore
) -> int:
    """Publish the synthesis as a government action linked to the consultation; its id."""
    consultation = await detail(consultation_id)
    if consultation is None:
        raise LookupError(consultation_id)
    if not allows(actor, Act.CONSULT, Place(consultation["ward_id"], consultation["province_id"])):
        raise PermissionError(_("You may not publish for this ward."))
    if consultation["status"] in ("upcoming", "open"):
        raise ConsultationError(_("The synthesis is published once the consultation has closed."))
    if consultation["synthesis"]:
        raise ConsultationError(_("The synthesis of this consultation is already published."))
    parts = [_words_keep_lines(p) for p in (synthesis.said, synthesis.taken_up, synthesis.not_taken_up)]
    if not all(parts):
        raise ConsultationError(
            _("Write all three parts: what was said, what is taken up, what is not and why.")
        )
    if sum(len(p) for p in parts) > MAX_SYNTHESIS_CHARS:
        raise ConsultationError(_("The synthesis is too long: at most 20,000 characters."))
    counted = (await results(consultation))["participants"]
    body = "\n\n".join(
        [
            in_default_language(SYNTHESIS_PARTICIPATION) % counted,
            *[
                f"{in_default_language(heading)}:\n{text}"
                for heading, text in zip(SYNTHESIS_SECTIONS, parts, strict=True)
            ],
        ]
    )
    title = (in_default_language(SYNTHESIS_TITLE) % {"title": consultation["title"]})[:300]
    try:
        action_id = await publish(
            actor,
            NewAction(
                ward_code=consultation["ward.code"],
                kind="synthesis",
                title=title,
                body=body,
                attachments=synthesis.documents,
            ),
            media,
            synthesis=True,
        )
    except ActionError as refused:
        raise ConsultationError(str(refused)) from None
    async with write_transaction():
        linked = (
            await Consultation.update(
                {Consultation.synthesis: action_id, Consultation.synthesis_published_at: clock.now()}
            )
            .where(Consultation.id == consultation_id, Consultation.synthesis.is_null())
            .returning(Consultation.id)
        )
        if linked:
            await _tell_participants(actor, consultation)
    if not linked:  # another lead published the same moment: keep theirs, drop this copy
        await GovernmentAction.delete().where(GovernmentAction.id == action_id)
        raise ConsultationError(_("The synthesis of this consultation is already published."))
    return action_id


async def _tell_participants(actor: Actor, consultation: dict) -> None:
    consultation_id = consultation["id"]
    # Followers of the ward heard of the action itself; those who answered hear it too.
    followers = set(await ward_followers(consultation["ward_id"]))
    participants = [
        r["person"]
        for r in await ConsultationAnswer.select(ConsultationAnswer.person).where(
            ConsultationAnswer.consultation == consultation_id
        )
    ]
    await notify.tell(
        [p for p in participants if p not in followers],
        "consultation_synthesis",
        None,
        exclude=actor.person_id,
        title=consultation["title"],
        path=f"/consultations/{consultation_id}",
    )


def _words_keep_lines(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()


async def ward_of(consultation_id: int) -> dict | None:
    return (
        await Consultation.select(
            Consultation.ward.as_alias("ward_id"),
            Consultation.ward.province.as_alias("province_id"),
            Consultation.ward.code.as_alias("ward_code"),
        )
        .where(Consultation.id == consultation_id)
        .first()
    )
