"""What staff do to a report, each step checked by the policy and the state machine and
recorded as an event; the people concerned are told in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.policy import Act, Actor, Place, allows
from app.casework.workflow import OPEN_STATUSES, Action, IllegalTransition, Status, allowed_actions
from app.platform import clock
from app.platform.db import write_transaction
from app.platform.i18n import gettext as _
from app.platform.photos import ProcessedPhoto
from app.platform.tables import Follow, Person, Photo, Report, StaffRole, Support, Ward
from app.reporting.reports import add_event, apply_action
from notifications import notify


class Refused(PermissionError):
    """The actor may not do this to this report."""


class CaseError(ValueError):
    """The step cannot be taken as asked; the message says what is missing."""


@dataclass(frozen=True)
class Step:
    """One thing a staff member asks to do to a report, as it comes from a form."""

    action: str
    public_text: str = ""
    internal_note: str = ""
    target_ward_code: str = ""
    duplicate_code: str = ""
    assignee_id: int | None = None
    after_photos: tuple[ProcessedPhoto, ...] = ()


# Which policy act each step needs.
ACTS = {
    "accept": Act.WORK, "start": Act.WORK, "resolve": Act.WORK, "reply": Act.WORK,
    "note": Act.WORK, "reject": Act.REJECT, "transfer": Act.TRANSFER,
    "mark_duplicate": Act.MARK_DUPLICATE, "escalate": Act.ESCALATE, "reopen": Act.REOPEN,
    "assign": Act.ASSIGN, "supervise": Act.SUPERVISE,
}  # fmt: skip
STATE_ACTIONS = {"accept": Action.ACCEPT, "start": Action.START, "resolve": Action.RESOLVE,
                 "reject": Action.REJECT, "reopen": Action.REOPEN}  # fmt: skip


async def place_of(report: dict) -> Place:
    ward = await Ward.select(Ward.province).where(Ward.id == report["ward"]).first()
    return Place(report["ward"], ward["province"])


def permitted_steps(actor: Actor, place: Place, report: dict) -> list[str]:
    """The steps to offer on the case page: allowed by the policy and by the status now."""
    status = Status(report["status"])
    steps = []
    for step, act in ACTS.items():
        if not allows(actor, act, place):
            continue
        if step in STATE_ACTIONS and STATE_ACTIONS[step] not in allowed_actions(status):
            continue
        if step in ("transfer", "mark_duplicate", "escalate") and status not in OPEN_STATUSES:
            continue
        steps.append(step)
    if "assign" not in steps and allows(actor, Act.TAKE, place) and status in OPEN_STATUSES:
        steps.append("take")
    return steps


async def perform(actor: Actor, report_id: int, step: Step) -> dict:
    report = await Report.select().where(Report.id == report_id).first()
    place = await place_of(report)
    act = Act.TAKE if step.action == "take" else ACTS.get(step.action)
    if act is None:
        raise CaseError(_("Unknown action."))
    if act == Act.ASSIGN and step.assignee_id == actor.person_id and allows(actor, Act.TAKE, place):
        act = Act.TAKE
    if not allows(actor, act, place):
        raise Refused(_("You may not do this to a report of this ward."))
    handler = _HANDLERS[step.action]
    try:
        async with write_transaction():
            await handler(actor, report, step)
    except IllegalTransition:
        raise CaseError(_("This step is not possible in the report's present status.")) from None
    return await Report.select().where(Report.id == report_id).first()


async def _state(actor: Actor, report: dict, step: Step) -> None:
    action = STATE_ACTIONS[step.action]
    if action == Action.REJECT and not step.public_text.strip():
        raise CaseError(_("Give the resident the reason for rejecting the report."))
    if action == Action.RESOLVE and not step.public_text.strip():
        raise CaseError(_("Tell the resident what was done."))
    await apply_action(
        report["id"],
        action,
        actor_id=actor.person_id,
        public_text=step.public_text.strip(),
        internal_note=step.internal_note.strip(),
    )
    if step.after_photos:
        await Photo.insert(
            *[
                Photo(
                    report=report["id"],
                    stage="after",
                    digest=p.digest,
                    width=p.width,
                    height=p.height,
                    position=i,
                )  # fmt: skip
                for i, p in enumerate(step.after_photos)
            ]
        )
    kind = {Action.RESOLVE: "resolved", Action.REOPEN: "reopened"}.get(action, "status")
    await notify.tell(await notify.followers(report["id"]), kind, report["id"],
                      exclude=actor.person_id, status=str(action), text=step.public_text.strip())  # fmt: skip
    if action == Action.REOPEN:
        await notify.tell(await notify.ward_staff(report["ward"]), "reopened", report["id"],
                          exclude=actor.person_id)  # fmt: skip


async def _reply(actor: Actor, report: dict, step: Step) -> None:
    if not step.public_text.strip():
        raise CaseError(_("Write the reply."))
    await add_event(report["id"], "reply", actor_id=actor.person_id, public_text=step.public_text.strip())
    await notify.tell(await notify.followers(report["id"]), "reply", report["id"],
                      exclude=actor.person_id, text=step.public_text.strip())  # fmt: skip


async def _note(actor: Actor, report: dict, step: Step) -> None:
    if not step.internal_note.strip():
        raise CaseError(_("Write the note."))
    kind = "supervision" if step.action == "supervise" else "note"
    await add_event(report["id"], kind, actor_id=actor.person_id, is_public=False,
                    internal_note=step.internal_note.strip())  # fmt: skip


async def _transfer(actor: Actor, report: dict, step: Step) -> None:
    target = await Ward.select(Ward.id, Ward.name).where(Ward.code == step.target_ward_code.strip()).first()
    if target is None:
        raise CaseError(_("Choose the ward that should handle the report."))
    if target["id"] == report["ward"]:
        raise CaseError(_("The report is already with this ward."))
    if not step.public_text.strip():
        raise CaseError(_("Tell the resident why the report goes to another ward."))
    await apply_action(report["id"], Action.TRANSFER, actor_id=actor.person_id,
                       public_text=step.public_text.strip(), extra={"to_ward": target["name"]})  # fmt: skip
    await Report.update({Report.ward: target["id"], Report.assignee: None}).where(Report.id == report["id"])
    await notify.tell(await notify.ward_staff(target["id"]), "new_report", report["id"],
                      exclude=actor.person_id)  # fmt: skip


async def _mark_duplicate(actor: Actor, report: dict, step: Step) -> None:
    original = (
        await Report.select(Report.id, Report.code, Report.status)
        .where(Report.code == step.duplicate_code.strip().upper())
        .first()
    )
    if original is None or original["id"] == report["id"]:
        raise CaseError(_("Give the tracking code of the report this one repeats."))
    await apply_action(report["id"], Action.MARK_DUPLICATE, actor_id=actor.person_id,
                       public_text=_("Same problem as report %(code)s; followed up there.")
                       % {"code": original["code"]}, extra={"duplicate_of": original["code"]})  # fmt: skip
    await Report.update({Report.duplicate_of: original["id"]}).where(Report.id == report["id"])
    # Followers and supporters move to the original; the reporter of the duplicate supports it.
    movers = {f["person"] for f in await Follow.select(Follow.person).where(Follow.report == report["id"])}
    supporters = {
        s["person"] for s in await Support.select(Support.person).where(Support.report == report["id"])
    } | ({report["reporter"]} if report["reporter"] else set())
    for person in movers:
        if not await Follow.exists().where(Follow.person == person, Follow.report == original["id"]):
            await Follow.insert(Follow(person=person, report=original["id"]))
    added = 0
    for person in supporters:
        if not await Support.exists().where(Support.person == person, Support.report == original["id"]):
            await Support.insert(Support(person=person, report=original["id"]))
            added += 1
    if added:
        await Report.update({Report.support_count: Report.support_count + added}).where(
            Report.id == original["id"]
        )
    await notify.tell(movers, "duplicate", report["id"], exclude=actor.person_id, original=original["code"])


async def escalate(report: dict, actor_id: int | None, reason: str) -> None:
    """Send a report up to the province: an event, a flag, and word to the supervisors."""
    await add_event(report["id"], "escalated", actor_id=actor_id, public_text=reason)
    await Report.update({Report.escalated: True}).where(Report.id == report["id"])
    await notify.tell(await notify.province_supervisors(report["ward"]), "escalated", report["id"],
                      exclude=actor_id, text=reason)  # fmt: skip


async def _escalate(actor: Actor, report: dict, step: Step) -> None:
    if not step.public_text.strip():
        raise CaseError(_("Say why the report goes up to the province."))
    await escalate(report, actor.person_id, step.public_text.strip())


async def _assign(actor: Actor, report: dict, step: Step) -> None:
    assignee = step.assignee_id if step.action == "assign" else actor.person_id
    eligible = await StaffRole.exists().where(StaffRole.person == assignee, StaffRole.ward == report["ward"])
    if assignee is None or not eligible:
        raise CaseError(_("Choose an officer of the report's ward."))
    name = (await Person.select(Person.display_name).where(Person.id == assignee).first())["display_name"]
    await Report.update({Report.assignee: assignee, Report.updated_at: clock.now()}).where(
        Report.id == report["id"]
    )
    await add_event(report["id"], "assigned", actor_id=actor.person_id, is_public=False,
                    data={"assignee": name})  # fmt: skip
    await notify.tell([assignee], "assigned", report["id"], exclude=actor.person_id)


_HANDLERS = {
    "accept": _state, "start": _state, "resolve": _state, "reject": _state, "reopen": _state,
    "reply": _reply, "note": _note, "supervise": _note, "transfer": _transfer,
    "mark_duplicate": _mark_duplicate, "escalate": _escalate, "assign": _assign, "take": _assign,
}  # fmt: skip


async def bulk_assign(actor: Actor, report_ids: list[int], assignee_id: int) -> int:
    """Assign several reports at once; each is checked on its own, refusals are counted out."""
    done = 0
    for report_id in report_ids:
        try:
            await perform(actor, report_id, Step("assign", assignee_id=assignee_id))
            done += 1
        except (Refused, CaseError):
            continue
    return done
