"""The people's inspection board (Ban thanh tra nhân dân; dân kiểm tra, dân giám sát, Law
10/2022): it asks the ward to explain a report, a consultation, a proposal or a government
action, and the ward lead answers publicly by a deadline in working days; once a year the
board publishes its supervision report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from app.accounts.policy import Act, Actor, Place, Role, allows
from app.platform import clock
from app.platform.db import write_transaction
from app.platform.deadlines import deadline_for
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore
from app.platform.tables import (
    Consultation,
    GovernmentAction,
    InspectionRequest,
    Proposal,
    Report,
    SupervisionAttachment,
    SupervisionReport,
    Ward,
)
from app.transparency.actions import ActionError, Upload, attachment_rows, store_attachments
from notifications import notify

ANSWER_WORKING_DAYS = 10
TARGETS = {
    "report": N_("Report"),
    "consultation": N_("Consultation"),
    "proposal": N_("Proposal"),
    "action": N_("Government action"),
}
# The table of each kind of target: a request names one row of it, in the board's own ward.
TARGET_TABLES = {
    "report": Report, "proposal": Proposal, "action": GovernmentAction, "consultation": Consultation,
}  # fmt: skip


class InspectionError(ValueError):
    """What is wrong with a request, an answer or a supervision report, per form field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


async def _ward(ward_code: str) -> tuple[dict, Place]:
    ward = await Ward.select(Ward.id, Ward.province, Ward.code).where(Ward.code == ward_code.strip()).first()
    if ward is None:
        raise InspectionError({"ward": _("Choose the ward.")})
    return ward, Place(ward["id"], ward["province"])


async def _target_id(kind: str, target: str, ward_id: int) -> int:
    """The id of the target named on the form (a report by its tracking code or id), which
    must belong to the board's ward."""
    target = target.strip()
    if kind == "report" and not target.isdigit():
        row = await Report.select(Report.id, Report.ward).where(Report.code == target.upper()).first()
    elif not target.isdigit() or not 0 < int(target) < 2**31:
        raise InspectionError(
            {"target": _("Give the tracking code or the number of what is to be explained.")}
        )
    elif kind in TARGET_TABLES:
        table = TARGET_TABLES[kind]
        row = await table.select(table.id, table.ward).where(table.id == int(target)).first()
    else:
        return int(target)
    if row is None or row["ward"] != ward_id:
        raise InspectionError(
            {"target": _("Nothing of this kind with this code or number belongs to the ward.")}
        )
    return row["id"]


@dataclass
class NewRequest:
    ward_code: str
    target_kind: str
    target: str
    question: str


async def request_explanation(actor: Actor, new: NewRequest) -> int:
    ward, place = await _ward(new.ward_code)
    if not allows(actor, Act.REQUEST_EXPLANATION, place):
        raise PermissionError(_("Only the ward's people's inspection board asks for explanations."))
    if new.target_kind not in TARGETS:
        raise InspectionError({"target_kind": _("Choose what the ward is to explain.")})
    question = new.question.strip()
    if not 20 <= len(question) <= 5000:
        raise InspectionError({"question": _("Write the question in 20 to 5,000 characters.")})
    target_id = await _target_id(new.target_kind, new.target, ward["id"])
    now = clock.now()
    async with write_transaction():
        row = InspectionRequest(
            ward=ward["id"],
            target_kind=new.target_kind,
            target_id=target_id,
            question=question,
            asked_by=actor.person_id,
            asked_at=now,
            deadline=deadline_for(now, working_days=ANSWER_WORKING_DAYS),
        )
        await row.save()
        await notify.tell(
            await notify.ward_staff(ward["id"], (Role.WARD_LEAD,)),
            "inspection_request",
            exclude=actor.person_id,
            request_id=row.id,
        )
    return row.id


async def answer_request(actor: Actor, request_id: int, text: str) -> None:
    row = (
        await InspectionRequest.select(
            InspectionRequest.id,
            InspectionRequest.ward,
            InspectionRequest.ward.province,
            InspectionRequest.answered_at,
            InspectionRequest.asked_by,
        )
        .where(InspectionRequest.id == request_id)
        .first()
    )
    if row is None:
        raise LookupError(request_id)
    if not allows(actor, Act.ANSWER_INSPECTION, Place(row["ward"], row["ward.province"])):
        raise PermissionError(_("Only the ward's leaders answer the inspection board."))
    text = text.strip()
    if not 20 <= len(text) <= 5000:
        raise InspectionError({"answer": _("Write the explanation in 20 to 5,000 characters.")})
    now = clock.now()
    async with write_transaction():
        answered = (
            await InspectionRequest.update(
                {
                    InspectionRequest.answer: text,
                    InspectionRequest.answered_by: actor.person_id,
                    InspectionRequest.answered_at: now,
                }
            )
            .where(InspectionRequest.id == request_id, InspectionRequest.answered_at.is_null())
            .returning(InspectionRequest.id)
        )
        if not answered:
            raise InspectionError({"answer": _("This request has already been answered.")})
        inspectors = await notify.ward_staff(row["ward"], (Role.INSPECTOR,))
        await notify.tell(
            [*inspectors, row["asked_by"]],
            "inspection_answered",
            exclude=actor.person_id,
            request_id=request_id,
        )


async def mark_overdue(now: datetime) -> int:
    """Requests past their deadline without an answer, marked once (a conditional update)."""
    async with write_transaction():
        rows = (
            await InspectionRequest.update({InspectionRequest.overdue: True})
            .where(
                InspectionRequest.answered_at.is_null(),
                InspectionRequest.deadline < now,
                InspectionRequest.overdue.eq(False),
            )
            .returning(InspectionRequest.id, InspectionRequest.ward)
        )
        for row in rows:
            await notify.tell(
                await notify.ward_staff(row["ward"], (Role.WARD_LEAD, Role.INSPECTOR)),
                "inspection_overdue",
                request_id=row["id"],
            )
    return len(rows)


# --- the yearly supervision report ----------------------------------------------------------


@dataclass
class NewSupervisionReport:
    ward_code: str
    year: int
    title: str
    body: str = ""
    attachments: list[Upload] = field(default_factory=list)


async def publish_supervision_report(actor: Actor, new: NewSupervisionReport, media: MediaStore) -> int:
    ward, place = await _ward(new.ward_code)
    if not allows(actor, Act.PUBLISH_SUPERVISION, place):
        raise PermissionError(
            _("Only the ward's people's inspection board publishes its supervision report.")
        )
    title = " ".join(new.title.split())
    errors = {}
    if not 2020 <= new.year <= clock.now().year:
        errors["year"] = _("Choose the year the report covers.")
    if not 5 <= len(title) <= 300:
        errors["title"] = _("The title needs 5 to 300 characters.")
    if len(new.body) > 20000:
        errors["body"] = _("This field is too long.")
    if errors:
        raise InspectionError(errors)
    try:
        stored = await store_attachments(new.attachments, media)
    except ActionError as error:
        raise InspectionError({"attachments": str(error)}) from None
    async with write_transaction():
        report = SupervisionReport(
            ward=ward["id"],
            year=new.year,
            title=title,
            body=new.body.strip(),
            author=actor.person_id,
            published_at=clock.now(),
        )
        await report.save()
        if stored:
            await SupervisionAttachment.insert(
                *attachment_rows(SupervisionAttachment, {"supervision_report": report.id}, stored)
            )
    return report.id


# --- reading --------------------------------------------------------------------------------

_REQUEST_COLUMNS = (
    InspectionRequest.id,
    InspectionRequest.target_kind,
    InspectionRequest.target_id,
    InspectionRequest.question,
    InspectionRequest.asked_at,
    InspectionRequest.deadline,
    InspectionRequest.overdue,
    InspectionRequest.answer,
    InspectionRequest.answered_at,
    InspectionRequest.ward.code,
    InspectionRequest.ward.name,
)


async def _with_links(rows: list[dict]) -> list[dict]:
    """Each request with the public address of what it asks about (reports by tracking code)."""
    report_ids = [r["target_id"] for r in rows if r["target_kind"] == "report"]
    codes = {
        r["id"]: r["code"]
        for r in await Report.select(Report.id, Report.code).where(Report.id.is_in(report_ids or [0]))
    }
    paths = {"proposal": "/proposals/{}", "action": "/actions/{}", "consultation": "/consultations/{}"}
    for row in rows:
        if row["target_kind"] == "report":
            code = codes.get(row["target_id"], "")
            row["target_label"], row["target_url"] = code, f"/r/{code}"
        else:
            row["target_label"] = f"#{row['target_id']}"
            row["target_url"] = paths[row["target_kind"]].format(row["target_id"])
    return rows


async def public_request(request_id: int) -> dict | None:
    row = await InspectionRequest.select(*_REQUEST_COLUMNS).where(InspectionRequest.id == request_id).first()
    return (await _with_links([row]))[0] if row else None


async def ward_requests(ward_code: str, limit: int = 200) -> list[dict]:
    rows = (
        await InspectionRequest.select(*_REQUEST_COLUMNS)
        .where(InspectionRequest.ward.code == ward_code)
        .order_by(InspectionRequest.asked_at, ascending=False)
        .limit(limit)
    )
    return await _with_links(rows)


async def unanswered_in(ward_ids: frozenset[int] | None) -> list[dict]:
    """Requests awaiting an answer in these wards (None: all), the nearest deadline first."""
    select = InspectionRequest.select(*_REQUEST_COLUMNS).where(InspectionRequest.answered_at.is_null())
    if ward_ids is not None:
        select = select.where(InspectionRequest.ward.is_in(sorted(ward_ids) or [0]))
    return await _with_links(await select.order_by(InspectionRequest.deadline).limit(200))


async def supervision_reports(ward_code: str) -> list[dict]:
    reports = (
        await SupervisionReport.select(
            SupervisionReport.id,
            SupervisionReport.year,
            SupervisionReport.title,
            SupervisionReport.body,
            SupervisionReport.published_at,
        )
        .where(SupervisionReport.ward.code == ward_code)
        .order_by(SupervisionReport.year, ascending=False)
    )
    attachments = (
        await SupervisionAttachment.select()
        .where(SupervisionAttachment.supervision_report.is_in([r["id"] for r in reports] or [0]))
        .order_by(SupervisionAttachment.position)
    )
    for report in reports:
        report["attachments"] = [a for a in attachments if a["supervision_report"] == report["id"]]
    return reports
