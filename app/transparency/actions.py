"""Government actions (công khai, Law 10/2022 on grassroots democracy, Art. 11): what a ward
publishes — decisions, budget reports, plans and projects, land recovery and compensation
notices, inspection results — with attachments, an effective date, and the reports it answers.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time

from app.accounts.policy import Act, Actor, Place, allows
from app.platform import clock
from app.platform.clock import VIETNAM
from app.platform.db import contains, write_transaction
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore, PhotoRejected, process_photos
from app.platform.tables import ActionAttachment, ActionReport, Follow, GovernmentAction, Report, Ward
from notifications import notify

KINDS = {
    "decision": N_("Decision"),
    "budget": N_("Budget report"),
    "plan": N_("Plan or project"),
    "land": N_("Land recovery and compensation"),
    "inspection": N_("Inspection result"),
    "notice": N_("Notice"),
    "synthesis": N_("Consultation synthesis"),  # published by closing a consultation
    "household_decision": N_("Result of a household decision"),  # published by closing the decision
}
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 10
# Decisions of the Democratic Republic onwards; far enough ahead for any plan.
EARLIEST_EFFECTIVE, LATEST_EFFECTIVE = date(1945, 1, 1), date(2199, 12, 31)


class ActionError(ValueError):
    """What is wrong with an action to publish, for the ward lead to correct."""


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class NewAction:
    ward_code: str
    kind: str
    title: str
    body: str = ""
    effective_date: date | None = None
    report_codes: list[str] = field(default_factory=list)
    attachments: list[Upload] = field(default_factory=list)
    # Documents its caller already stored (store_attachments' tuples), attached first and not
    # stored or hashed again: a meeting's minutes, kept with the decision before it closes.
    stored: list[tuple[str, str, str, int]] = field(default_factory=list)


def _is_pdf(upload: Upload) -> bool:
    return upload.data.startswith(b"%PDF-")


def _keep_pdf(media: MediaStore, data: bytes) -> str:
    """Hash and keep a PDF (up to 20 MB: both are CPU and disk work, off the event loop)."""
    digest = hashlib.sha256(data).hexdigest()
    media.keep_document(digest, data)
    return digest


async def store_attachments(uploads: list[Upload], media: MediaStore) -> list[tuple[str, str, str, int]]:
    """(filename, kind, digest, size) for each upload. PDFs are kept as sent (they are public
    documents); images go through the photo pipeline, which strips their metadata."""
    for upload in uploads:
        if len(upload.data) > MAX_ATTACHMENT_BYTES:
            raise ActionError(_("%(name)s is larger than 20 MB.") % {"name": upload.filename})
    images = [u for u in uploads if not _is_pdf(u)]
    try:
        processed = iter(await process_photos([u.data for u in images]))
    except PhotoRejected as rejected:
        if rejected.number is None:
            raise ActionError(rejected.message) from None
        name = images[rejected.number - 1].filename
        raise ActionError(f"{name}: {rejected.message}") from None
    stored = []
    for upload in uploads:
        name = upload.filename[:200] or "file"
        if _is_pdf(upload):
            digest = await asyncio.to_thread(_keep_pdf, media, upload.data)
            stored.append((name, "pdf", digest, len(upload.data)))
        else:
            photo = next(processed)
            await asyncio.to_thread(media.save, photo)
            stored.append((name, "image", photo.digest, len(photo.display)))
    return stored


# Published only by closing a consultation (which links the two): never from the plain form.
ONLY_THROUGH_THEIR_OWN_FLOW = frozenset({"synthesis", "household_decision"})
FORM_KINDS = {code: label for code, label in KINDS.items() if code not in ONLY_THROUGH_THEIR_OWN_FLOW}


def attachment_rows(table, owner: dict, stored: list[tuple[str, str, str, int]]) -> list:
    """Rows of an attachment table (an action's, a consultation's, a supervision report's) for
    what `store_attachments` kept, in the order they were sent; `owner` names the parent."""
    return [table(**owner, filename=name, kind=kind, digest=digest, size=size, position=i)
            for i, (name, kind, digest, size) in enumerate(stored)]  # fmt: skip


async def publish(actor: Actor, new: NewAction, media: MediaStore, *, synthesis: bool = False,
                  closing_decision: bool = False) -> int:  # fmt: skip
    """Publish a government action; `synthesis` only from a consultation's closing step,
    `closing_decision` only from a household decision's: whoever may close the decision (a
    group head too) publishes its result."""
    ward = await Ward.select(Ward.id, Ward.province, Ward.name).where(Ward.code == new.ward_code).first()
    if ward is None:
        raise ActionError(_("Choose the ward that publishes."))
    entitled_by = Act.RUN_DECISION if closing_decision else Act.PUBLISH
    if not allows(actor, entitled_by, Place(ward["id"], ward["province"])):
        raise PermissionError(_("You may not publish for this ward."))
    if new.kind not in (KINDS if synthesis or closing_decision else FORM_KINDS):
        raise ActionError(_("Choose what kind of action it is."))
    title = " ".join(new.title.split())
    if not 5 <= len(title) <= 300:
        raise ActionError(_("The title needs 5 to 300 characters."))
    if new.effective_date and not EARLIEST_EFFECTIVE <= new.effective_date <= LATEST_EFFECTIVE:
        raise ActionError(_("The effective date must lie between 1945 and 2199."))
    if len(new.stored) + len(new.attachments) > MAX_ATTACHMENTS:
        raise ActionError(_("Attach at most 10 files."))
    codes = sorted({c.strip().upper() for c in new.report_codes if c.strip()})
    reports = await Report.select(Report.id, Report.code, Report.ward).where(Report.code.is_in(codes or [""]))
    missing = set(codes) - {r["code"] for r in reports}
    if missing:
        raise ActionError(
            _("No report has the tracking code %(code)s.") % {"code": ", ".join(sorted(missing))}
        )
    if any(r["ward"] != ward["id"] for r in reports):
        raise ActionError(_("An action can only answer reports of its own ward."))
    stored = [*new.stored, *await store_attachments(new.attachments, media)]
    effective = datetime.combine(new.effective_date, time(0), tzinfo=VIETNAM) if new.effective_date else None
    async with write_transaction():
        action = GovernmentAction(
            ward=ward["id"], kind=new.kind, title=title, body=new.body.strip(), effective_date=effective,
            author=actor.person_id, published_at=clock.now(),
        )  # fmt: skip
        await action.save()
        if stored:
            await ActionAttachment.insert(*attachment_rows(ActionAttachment, {"action": action.id}, stored))
        if reports:
            await ActionReport.insert(*[ActionReport(action=action.id, report=r["id"]) for r in reports])
        ward_followers = [
            f["person"] for f in await Follow.select(Follow.person).where(Follow.ward == ward["id"])
        ]
        await notify.tell(ward_followers, "government_action", None, exclude=actor.person_id,
                          action=action.id, title=title)  # fmt: skip
        for report in reports:
            await notify.tell(await notify.followers(report["id"]), "government_action", report["id"],
                              exclude=actor.person_id, action=action.id, title=title)  # fmt: skip
    return action.id


_COLUMNS = (
    GovernmentAction.id, GovernmentAction.kind, GovernmentAction.title, GovernmentAction.body,
    GovernmentAction.effective_date, GovernmentAction.published_at, GovernmentAction.ward.code,
    GovernmentAction.ward.name,
)  # fmt: skip


async def search(
    *,
    query: str = "",
    ward_code: str | None = None,
    kind: str | None = None,
    limit: int = 30,
    offset: int = 0,
) -> list[dict]:
    select = GovernmentAction.select(*_COLUMNS).order_by(GovernmentAction.published_at, ascending=False)
    if ward_code:
        select = select.where(GovernmentAction.ward.code == ward_code)
    if kind:
        select = select.where(GovernmentAction.kind == kind)
    for word in query.split()[:8]:
        pattern = f"%{word}%"
        in_title = contains(GovernmentAction.title, pattern)
        in_body = contains(GovernmentAction.body, pattern)
        select = select.where(in_title | in_body)
    return await select.limit(limit).offset(offset)


async def detail(action_id: int) -> dict | None:
    action = await GovernmentAction.select(*_COLUMNS).where(GovernmentAction.id == action_id).first()
    if action is None:
        return None
    action["attachments"] = (
        await ActionAttachment.select()
        .where(ActionAttachment.action == action_id)
        .order_by(ActionAttachment.position)
    )
    action["reports"] = await ActionReport.select(ActionReport.report.code, ActionReport.report.status).where(
        ActionReport.action == action_id
    )
    return action


async def for_report(report_code: str) -> list[dict]:
    """The government actions that answer a report, for its public page."""
    rows = await ActionReport.select(ActionReport.action).where(ActionReport.report.code == report_code)
    if not rows:
        return []
    return await GovernmentAction.select(*_COLUMNS).where(
        GovernmentAction.id.is_in([r["action"] for r in rows])
    )


async def wards_named(ward_ids: set[int]) -> list[dict]:
    """Code and name of these wards, for a choice on a form."""
    return await Ward.select(Ward.code, Ward.name).where(Ward.id.is_in(sorted(ward_ids) or [0]))
