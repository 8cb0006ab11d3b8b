"""What staff do to a report: one table, `STEPS`, says for every step which policy act it
needs, which state-machine action it takes (if it changes the status), in which statuses it
is possible and what carries it out. The buttons a person sees (`permitted_steps`) and what
happens on POST (`perform`) both read that table, so they cannot disagree. Every step is
recorded as an event; the people concerned are told in the same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from app.accounts.policy import Act, Actor, Place, allows, may_be_assigned
from app.accounts.rules import load_actor
from app.casework.workflow import OPEN_STATUSES, Action, IllegalTransition, Status, is_allowed
from app.platform import clock
from app.platform.db import DEADLOCKS, for_update, write_transaction
from app.platform.i18n import N_, in_default_language
from app.platform.i18n import gettext as _
from app.platform.photos import ProcessedPhoto
from app.platform.tables import Follow, Person, Report, Support, Ward
from app.reporting import moderation
from app.reporting.reports import add_event, apply_action
from app.reporting.submission import may_support
from notifications import notify


class Refused(PermissionError):
    """The actor may not do this to this report."""


class CaseError(ValueError):
    """The step cannot be taken as asked; the message says what is missing."""


class NotNow(CaseError):
    """The step is not possible in the report's present status (someone else may have moved it)."""


NOT_POSSIBLE_NOW = N_("This step is not possible in the report's present status.")
# The steps that work a case: whoever takes one on a case nobody handles becomes its handler.
WORKING = frozenset({Action.ACCEPT, Action.START, Action.RESOLVE})


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
    redacted_text: str = ""  # the description as the public may read it, for "redact"
    photo: str = ""  # the digest of the photo to hide or restore


async def place_of(report: dict) -> Place:
    ward = await Ward.select(Ward.province).where(Ward.id == report["ward"]).first()
    return Place(report["ward"], ward["province"])


def permitted_steps(actor: Actor, place: Place, report: dict) -> list[str]:
    """The steps to offer on the case page: allowed by the policy and by the status now."""
    return [name for name, rule in STEPS.items() if allows(actor, rule.act, place) and rule.possible(report)]


async def perform(actor: Actor, report_id: int, step: Step) -> dict:
    name = step.action
    if name == "assign" and step.assignee_id == actor.person_id:
        name = "take"  # assigning a case to oneself is taking it
    rule = STEPS.get(name)
    if rule is None:
        raise CaseError(_("Unknown action."))
    try:
        async with write_transaction():
            report = await for_update(Report.select().where(Report.id == report_id)).first()
            place = await place_of(report)
            if not allows(actor, rule.act, place):
                raise Refused(_("You may not do this to a report of this ward."))
            if not rule.possible(report):
                raise NotNow(_(NOT_POSSIBLE_NOW))
            await rule.carry_out(actor, report, place, step)
    except (IllegalTransition, *DEADLOCKS):  # the state machine disagreed after all, or
        # another step on a related report (a duplicate marked both ways) won the race
        raise NotNow(_(NOT_POSSIBLE_NOW)) from None
    return await Report.select().where(Report.id == report_id).first()


async def _assign_to(report: dict, assignee_id: int, actor: Actor) -> None:
    name = (await Person.select(Person.display_name).where(Person.id == assignee_id).first())["display_name"]
    await add_event(report["id"], "assigned", actor_id=actor.person_id, is_public=False,
                    data={"assignee_id": assignee_id, "assignee": name})  # fmt: skip


async def _state(actor: Actor, report: dict, place: Place, step: Step) -> None:
    action = STEPS[step.action].action
    if action == Action.REJECT and not step.public_text.strip():
        raise CaseError(_("Give the resident the reason for rejecting the report."))
    if action == Action.RESOLVE and not step.public_text.strip():
        raise CaseError(_("Tell the resident what was done."))
    if action in WORKING and report["assignee"] is None and may_be_assigned(actor, place):
        await _assign_to(report, actor.person_id, actor)
    await apply_action(
        report["id"],
        action,
        actor_id=actor.person_id,
        public_text=step.public_text.strip(),
        internal_note=step.internal_note.strip(),
        photos=step.after_photos,
    )
    kind = {Action.RESOLVE: "resolved", Action.REOPEN: "reopened"}.get(action, "status")
    await notify.tell(await notify.followers(report["id"]), kind, report["id"],
                      exclude=actor.person_id, status=str(action), text=step.public_text.strip())  # fmt: skip
    if action == Action.REOPEN:
        await notify.tell(await notify.ward_staff(report["ward"]), "reopened", report["id"],
                          exclude=actor.person_id)  # fmt: skip



async def _reply(actor: Actor, report: dict, place: Place, step: Step) -> None:
    if not step.public_text.strip():
        raise CaseError(_("Write the reply."))
    await add_event(report["id"], "reply", actor_id=actor.person_id, public_text=step.public_text.strip())
    await notify.tell(await notify.followers(report["id"]), "reply", report["id"],
                      exclude=actor.person_id, text=step.public_text.strip())  # fmt: skip


async def _note(actor: Actor, report: dict, place: Place, step: Step) -> None:
    if not step.internal_note.strip():
        raise CaseError(_("Write the note."))
    kind = "supervision" if step.action == "supervise" else "note"
    await add_event(report["id"], kind, actor_id=actor.person_id, is_public=False,
                    internal_note=step.internal_note.strip())  # fmt: skip


async def _transfer(actor: Actor, report: dict, place: Place, step: Step) -> None:
    target = await Ward.select(Ward.id, Ward.name).where(Ward.code == step.target_ward_code.strip()).first()
    if target is None:
        raise CaseError(_("Choose the ward that should handle the report."))
    if target["id"] == report["ward"]:
        raise CaseError(_("The report is already with this ward."))
    if not step.public_text.strip():
        raise CaseError(_("Tell the resident why the report goes to another ward."))
    await apply_action(report["id"], Action.TRANSFER, actor_id=actor.person_id,
                       public_text=step.public_text.strip(),
                       extra={"from_ward_id": report["ward"], "to_ward_id": target["id"],
                              "to_ward": target["name"]})  # fmt: skip
    await notify.tell(await notify.ward_staff(target["id"]), "new_report", report["id"],
                      exclude=actor.person_id)  # fmt: skip


async def _mark_duplicate(actor: Actor, report: dict, place: Place, step: Step) -> None:
    original = await for_update(
        Report.select(Report.id, Report.code, Report.status, Report.reporter, Report.duplicate_of)
        .where(Report.code == step.duplicate_code.strip().upper())
    ).first()
    if original is None or original["id"] == report["id"]:
        raise CaseError(_("Give the tracking code of the report this one repeats."))
    if original["status"] not in OPEN_STATUSES or original["duplicate_of"] is not None:
        # Following a finished report would leave its followers waiting for nothing, and
        # pointing at a duplicate could close a circle with nothing left open.
        raise CaseError(_("Report %(code)s is no longer being worked on: choose an open report.")
                        % {"code": original["code"]})  # fmt: skip
    at = clock.now()
    text = in_default_language(DUPLICATE_TEXT) % {"code": original["code"]}
    repeats = {"duplicate_of_id": original["id"], "duplicate_of": original["code"]}
    await apply_action(report["id"], Action.MARK_DUPLICATE, actor_id=actor.person_id, public_text=text,
                       at=at, extra=repeats)  # fmt: skip
    # Followers and supporters move to the original; the reporter of the duplicate supports it.
    movers = {f["person"] for f in await Follow.select(Follow.person).where(Follow.report == report["id"])}
    supporters = {
        s["person"] for s in await Support.select(Support.person).where(Support.report == report["id"])
    } | ({report["reporter"]} if report["reporter"] else set())
    supporters = {person for person in supporters if may_support(original, person)}
    for person in movers:
        if not await Follow.exists().where(Follow.person == person, Follow.report == original["id"]):
            await Follow.insert(Follow(person=person, report=original["id"], created_at=at))
    added = 0
    for person in supporters:
        if not await Support.exists().where(Support.person == person, Support.report == original["id"]):
            await Support.insert(Support(person=person, report=original["id"], created_at=at))
            added += 1
    if added:
        await add_event(original["id"], "supported", actor_id=actor.person_id, is_public=False, at=at,
                        data={"added": added, "from_duplicate_id": report["id"]})  # fmt: skip
    await notify.tell(movers, "duplicate", report["id"], exclude=actor.person_id, original=original["code"])


DUPLICATE_TEXT = N_("Same problem as report %(code)s; followed up there.")


async def escalate(report: dict, actor_id: int | None, reason: str, at: datetime | None = None) -> None:
    """Send a report up to the province: an event, and word to the supervisors."""
    await add_event(report["id"], "escalated", actor_id=actor_id, public_text=reason, at=at)
    await notify.tell(await notify.province_supervisors(report["ward"]), "escalated", report["id"],
                      exclude=actor_id, text=reason)  # fmt: skip


async def _escalate(actor: Actor, report: dict, place: Place, step: Step) -> None:
    if not step.public_text.strip():
        raise CaseError(_("Say why the report goes up to the province."))
    await escalate(report, actor.person_id, step.public_text.strip())


async def _assign(actor: Actor, report: dict, place: Place, step: Step) -> None:
    assignee_id = step.assignee_id if step.action == "assign" else actor.person_id
    assignee = await load_actor(assignee_id) if assignee_id is not None else None
    if assignee is None or not may_be_assigned(assignee, place):
        raise CaseError(_("Choose an officer of the report's ward."))
    await _assign_to(report, assignee_id, actor)
    await notify.tell([assignee_id], "assigned", report["id"], exclude=actor.person_id)


async def _moderate(actor: Actor, report: dict, place: Place, step: Step) -> None:
    """Redact or restore the description, hide or restore a photo: the public text is the
    note everyone reads on the timeline."""
    try:
        if step.action == "redact":
            await moderation.redact(report, actor.person_id, step.redacted_text, step.public_text)
        elif step.action == "restore_text":
            await moderation.restore_text(report, actor.person_id, step.public_text)
        elif step.action == "hide_photo":
            await moderation.hide_photo(report, actor.person_id, step.photo, step.public_text)
        else:
            await moderation.restore_photo(report, actor.person_id, step.photo, step.public_text)
    except moderation.ModerationError as error:
        raise CaseError(str(error)) from None


Handler = Callable[[Actor, dict, Place, Step], Awaitable[None]]
EVERY_STATUS = frozenset(Status)


@dataclass(frozen=True)
class StepRule:
    """One row of the table: what a step needs, when it is possible, and what does it."""

    act: Act  # the policy's act the actor must be allowed at the report's place
    carry_out: Handler
    action: Action | None = None  # the state machine's action, for a step that moves the status
    statuses: frozenset[Status] = EVERY_STATUS  # for a step that does not: where it applies

    @property
    def takes_photos(self) -> bool:
        """Photos of the work go with a step that moves the status (resolve, above all)."""
        return self.carry_out is _state

    def possible(self, report: dict) -> bool:
        if self.action is not None:
            return is_allowed(report["status"], self.action, duplicate=report["duplicate_of"] is not None)
        return Status(report["status"]) in self.statuses


STEPS: dict[str, StepRule] = {
    "accept": StepRule(Act.WORK, _state, Action.ACCEPT),
    "start": StepRule(Act.WORK, _state, Action.START),
    "resolve": StepRule(Act.WORK, _state, Action.RESOLVE),
    "reply": StepRule(Act.WORK, _reply),
    "note": StepRule(Act.WORK, _note),
    "reject": StepRule(Act.REJECT, _state, Action.REJECT),
    "reopen": StepRule(Act.REOPEN, _state, Action.REOPEN),
    "transfer": StepRule(Act.TRANSFER, _transfer, Action.TRANSFER),
    "mark_duplicate": StepRule(Act.MARK_DUPLICATE, _mark_duplicate, Action.MARK_DUPLICATE),
    # Only an open case goes up to the province or gets a handler: a finished one has no one to chase.
    "escalate": StepRule(Act.ESCALATE, _escalate, statuses=OPEN_STATUSES),
    "assign": StepRule(Act.ASSIGN, _assign, statuses=OPEN_STATUSES),
    "take": StepRule(Act.TAKE, _assign, statuses=OPEN_STATUSES),
    "supervise": StepRule(Act.SUPERVISE, _note),
    # Moderation of what the resident published, whatever the status: a face in a photo of a
    # closed case is as much a problem as in an open one.
    "redact": StepRule(Act.MODERATE, _moderate),
    "restore_text": StepRule(Act.MODERATE, _moderate),
    "hide_photo": StepRule(Act.MODERATE, _moderate),
    "restore_photo": StepRule(Act.MODERATE, _moderate),
}
MODERATION_STEPS = ("redact", "restore_text", "hide_photo", "restore_photo")


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


def may_attempt(actor: Actor, place: Place, name: str) -> bool:
    """Whether the policy lets the actor try this step here: checked before any costly work
    (decoding photos) that the step would bring; `perform` checks again under the lock."""
    if name not in STEPS:
        return True  # `perform` answers an unknown step with its own message
    candidates = ("assign", "take") if name == "assign" else (name,)  # assigning oneself is taking
    return any(allows(actor, STEPS[n].act, place) for n in candidates)


def takes_photos(name: str) -> bool:
    return name in STEPS and STEPS[name].takes_photos
