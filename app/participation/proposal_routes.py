"""Proposal pages: propose, read, support, a ward's proposals by state and its Atom feed; the
ward's answer and progress updates in the workspace. Thin: the rules are in proposals.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from feedgen.feed import FeedGenerator
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from app.accounts.policy import Act, Actor, may_anywhere, wards_where
from app.accounts.residents import device_person_id, ensure_device_person, unless_stored
from app.participation import comments, inspection, proposals
from app.participation.proposals import ANSWERS, STATES, Milestone, NewProposal, ProgressUpdate, ProposalError
from app.platform import clock
from app.platform.i18n import N_
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore
from app.platform.settings import Settings
from app.transparency.queries import ward_by_code, ward_name
from app.transparency.ward_lookup import ward_or_404


def _number(text: str | None) -> float | None:
    try:
        return float(text) if text and text.strip() else None
    except ValueError:
        return None


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def _files(form, name: str) -> list[bytes]:
    return [
        await u.read() for u in (form.getall(name) if name in form else []) if getattr(u, "filename", None)
    ]


async def _proposal_or_404(proposal_id: int) -> dict:
    proposal = await proposals.public_proposal(proposal_id)
    if proposal is None:
        raise NotFoundException(_("This proposal does not exist."))
    return proposal


# --- public ---------------------------------------------------------------------------------


@get("/proposals/new", include_in_schema=False)
async def proposal_form(ward: FromQuery[str] = "") -> Template:
    return Template("proposals/form.html", context={"values": {"ward": ward}, "errors": {}})


@post("/proposals/new", include_in_schema=False)
async def proposal_create(request: Request, settings: NamedDependency[Settings]) -> Response:
    form = await request.form()
    values = {k: (form.get(k) or "") for k in ("title", "description", "ward", "lat", "lon")}
    new = NewProposal(
        title=values["title"],
        description=values["description"],
        ward_code=values["ward"],
        lat=_number(values["lat"]),
        lon=_number(values["lon"]),
        photos=await _files(form, "photos"),
    )
    person, cookies = await ensure_device_person(request)
    try:
        proposal_id = await proposals.propose(person, new, MediaStore(settings.media_dir))
    except ProposalError as error:
        return Template(
            "proposals/form.html",
            context={"values": values, "errors": error.errors},
            status_code=HTTP_400_BAD_REQUEST,
            cookies=await unless_stored(person, cookies, stored=False),
        )
    return Redirect(f"/proposals/{proposal_id}?new=1", status_code=HTTP_303_SEE_OTHER, cookies=cookies)


async def _page_context(proposal: dict, person: int | None) -> dict:
    return {
        "p": proposal,
        "states": STATES,
        "answers": ANSWERS,
        "new": False,
        "supported": await proposals.has_supported(proposal["id"], person),
        "mine": person is not None and await proposals.proposer_of(proposal["id"]) == person,
        "may_support": proposals.may_support({**proposal, "proposer": None}, None, clock.now()),
        "comments": await comments.thread("proposal", proposal["id"], person),
        "commenting": proposals.takes_comments(proposal),
        "flag_reasons": comments.FLAG_REASONS,
        "comment_states": comments.STATE_LABELS,
        "notice": None,
        "error": None,
    }


NOTICES = {
    "commented": N_("Your comment is published."),
    "flagged": N_("Thank you: the moderators will look at it."),
}


@get("/proposals/{proposal_id:int}", include_in_schema=False)
async def proposal_page(
    request: Request, proposal_id: FromPath[int], new: FromQuery[int] = 0, done: FromQuery[str | None] = None
) -> Template:
    proposal = await _proposal_or_404(proposal_id)
    context = await _page_context(proposal, await device_person_id(request))
    context["new"] = bool(new)
    context["notice"] = _(NOTICES[done]) if done in NOTICES else None
    return Template("proposals/proposal.html", context=context)


@post("/proposals/{proposal_id:int}/comments", include_in_schema=False)
async def proposal_comment(request: Request, proposal_id: FromPath[int]) -> Response:
    """A comment (or a reply) on a proposal, by a resident, as on a consultation."""
    proposal = await _proposal_or_404(proposal_id)
    person, cookies = await ensure_device_person(request)
    form = await request.form()
    parent = form.get("parent") or ""
    try:
        await proposals.comment(
            proposal, person, form.get("body") or "", int(parent) if parent.isdigit() else None
        )
    except comments.CommentError as error:
        cookies = await unless_stored(person, cookies, stored=False)
        context = {**await _page_context(proposal, person), "error": str(error)}
        return Template(
            "proposals/proposal.html", context=context, status_code=HTTP_400_BAD_REQUEST, cookies=cookies
        )
    return Redirect(
        f"/proposals/{proposal_id}?done=commented#comments", status_code=HTTP_303_SEE_OTHER, cookies=cookies
    )


@post("/proposals/{proposal_id:int}/support", include_in_schema=False)
async def proposal_support(request: Request, proposal_id: FromPath[int]) -> Redirect:
    await _proposal_or_404(proposal_id)
    person, cookies = await ensure_device_person(request)
    counted = await proposals.support(person, proposal_id)
    cookies = await unless_stored(person, cookies, stored=counted)
    return Redirect(f"/proposals/{proposal_id}", status_code=HTTP_303_SEE_OTHER, cookies=cookies)


@get("/wards/{code:str}/proposals", include_in_schema=False)
async def ward_proposals(
    code: FromPath[str], chosen_state: Annotated[str, QueryParameter(name="state")] = "open"
) -> Template:
    ward = await ward_or_404(code)
    state = chosen_state if chosen_state in STATES else "open"
    return Template(
        "proposals/ward.html",
        context={
            "ward": ward,
            "state": state,
            "states": STATES,
            "answers": ANSWERS,
            "counts": await proposals.state_counts(code),
            "proposals": await proposals.ward_proposals(code, state),
        },
    )


@get("/wards/{code:str}/proposals.atom", tags=["open data"], summary="Atom feed of a ward's proposals")
async def ward_proposals_feed(code: FromPath[str], settings: NamedDependency[Settings]) -> Response:
    name = await ward_name(code)
    if name is None:
        raise NotFoundException(_("There is no ward with the code %(code)s.") % {"code": code})
    rows = await proposals.ward_proposals(code, limit=50)
    base = settings.link("/").rstrip("/")
    path = f"/wards/{code}/proposals.atom"
    feed = FeedGenerator()
    feed.id(f"{base}{path}")
    feed.title(f"Gần Dân · {name} · {_('Proposals')}")
    feed.link(href=f"{base}{path}", rel="self")
    feed.link(href=f"{base}/wards/{code}/proposals", rel="alternate")
    feed.language("vi")
    feed.updated(rows[0]["updated_at"] if rows else clock.now())
    for row in reversed(rows):  # feedgen prepends: oldest first lists the newest first
        entry = feed.add_entry()
        entry.id(f"{base}/proposals/{row['id']}")
        entry.link(href=f"{base}/proposals/{row['id']}")
        entry.title(f"{row['title']} · {_(STATES[row['state']])}")
        entry.summary(row["description"])
        entry.published(row["created_at"])
        entry.updated(row["updated_at"])
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml; charset=utf-8")


# --- the ward's workspace -------------------------------------------------------------------


@get("/staff/participation", include_in_schema=False)
async def staff_participation(actor: NamedDependency[Actor]) -> Template:
    if not any(
        may_anywhere(actor, act)
        for act in (Act.ANSWER_PROPOSAL, Act.TRACK_PROPOSAL, Act.ANSWER_INSPECTION, Act.REQUEST_EXPLANATION)
    ):
        raise PermissionDeniedException(_("This page is for the ward's staff and inspection board."))
    wards = wards_where(actor, Act.VIEW)
    return Template(
        "proposals/staff.html",
        context={
            "actor": actor,
            "states": STATES,
            "proposals": await proposals.staff_due(wards),
            "requests": await inspection.unanswered_in(wards),
        },
    )


def _answer_context(actor: Actor, proposal: dict, values: dict, errors: dict) -> dict:
    return {
        "actor": actor,
        "p": proposal,
        "answers": ANSWERS,
        "states": STATES,
        "values": values,
        "errors": errors,
    }


@get("/staff/proposals/{proposal_id:int}/answer", include_in_schema=False)
async def answer_form(actor: NamedDependency[Actor], proposal_id: FromPath[int]) -> Template:
    proposal = await _proposal_or_404(proposal_id)
    return Template("proposals/answer.html", context=_answer_context(actor, proposal, {}, {}))


def _milestones(form) -> list[Milestone]:
    titles = form.getall("milestone_title") if "milestone_title" in form else []
    dates = form.getall("milestone_date") if "milestone_date" in form else []
    chosen = []
    for title, day in zip(titles, dates, strict=False):
        if title.strip() or day:
            chosen.append(Milestone(title, _day(day) or clock.now().date()))
    return chosen


@post("/staff/proposals/{proposal_id:int}/answer", include_in_schema=False)
async def answer_proposal(
    request: Request, actor: NamedDependency[Actor], proposal_id: FromPath[int]
) -> Response:
    proposal = await _proposal_or_404(proposal_id)
    form = await request.form()
    try:
        await proposals.answer(
            actor, proposal_id, form.get("kind") or "", form.get("text") or "", _milestones(form)
        )
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except ProposalError as error:
        values = {"kind": form.get("kind"), "text": form.get("text")}
        return Template(
            "proposals/answer.html",
            context=_answer_context(actor, proposal, values, error.errors),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/proposals/{proposal_id}", status_code=HTTP_303_SEE_OTHER)


@get("/staff/proposals/{proposal_id:int}/progress", include_in_schema=False)
async def progress_form(actor: NamedDependency[Actor], proposal_id: FromPath[int]) -> Template:
    proposal = await _proposal_or_404(proposal_id)
    return Template("proposals/progress.html", context=_answer_context(actor, proposal, {}, {}))


@post("/staff/proposals/{proposal_id:int}/progress", include_in_schema=False)
async def add_progress(
    request: Request,
    actor: NamedDependency[Actor],
    settings: NamedDependency[Settings],
    proposal_id: FromPath[int],
) -> Response:
    proposal = await _proposal_or_404(proposal_id)
    form = await request.form()
    values = {k: form.get(k) for k in ("progress", "text", "milestone_title", "milestone_date")}
    try:
        progress = int(values["progress"] or "")
    except ValueError:
        progress = -1
    new_milestone = None
    if (values["milestone_title"] or "").strip():
        new_milestone = Milestone(
            values["milestone_title"], _day(values["milestone_date"]) or clock.now().date()
        )
    update = ProgressUpdate(
        progress=progress,
        text=values["text"] or "",
        new_milestone=new_milestone,
        reached=[int(i) for i in (form.getall("reached") if "reached" in form else []) if str(i).isdigit()],
        photos=await _files(form, "photos"),
    )
    try:
        await proposals.add_update(actor, proposal_id, update, MediaStore(settings.media_dir))
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except ProposalError as error:
        return Template(
            "proposals/progress.html",
            context=_answer_context(actor, proposal, values, error.errors),
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/proposals/{proposal_id}", status_code=HTTP_303_SEE_OTHER)


# --- a ward's proposal rules ----------------------------------------------------------------

RULE_LABELS = {
    "support_threshold": N_("Supports that make an answer due"),
    "population": N_("Population of the ward, where known"),
    "threshold_percent": N_("Or a share of the population (per cent), used when the population is known"),
    "period_days": N_("Days a proposal gathers supports"),
    "answer_working_days": N_("Working days the ward has to answer"),
}


async def _rules_context(actor: Actor, values: dict | None = None, errors: dict | None = None) -> dict:
    wards = []
    for ward in await proposals.wards_named(wards_where(actor, Act.SET_PROPOSAL_RULES)):
        found = await ward_by_code(ward["code"])
        wards.append(
            {
                **ward,
                "stored": await proposals.stored_rules(found["id"]),
                "rules": await proposals.ward_rules(found["id"]),
            }
        )
    return {
        "actor": actor,
        "wards": wards,
        "labels": RULE_LABELS,
        "defaults": proposals.Rules(
            proposals.DEFAULT_THRESHOLD, proposals.DEFAULT_PERIOD_DAYS, proposals.DEFAULT_ANSWER_WORKING_DAYS
        ),
        "values": values or {},
        "errors": errors or {},
        "is_admin": actor.is_admin,
    }


@get("/staff/proposal-rules", include_in_schema=False)
async def rules_page(actor: NamedDependency[Actor], saved: FromQuery[str] = "") -> Template:
    if not may_anywhere(actor, Act.SET_PROPOSAL_RULES):
        raise PermissionDeniedException(_("Only the ward's leaders set its proposal rules."))
    return Template("proposals/rules.html", context={**await _rules_context(actor), "saved": saved})


@post("/staff/proposal-rules", include_in_schema=False)
async def rules_save(request: Request, actor: NamedDependency[Actor]) -> Response:
    form = await request.form()
    ward = (form.get("ward") or "").strip()
    try:
        await proposals.change_ward_rules(actor, ward, proposals.read_rules(form))
    except LookupError:
        raise NotFoundException(_("There is no ward with the code %(code)s.") % {"code": ward}) from None
    except PermissionError as refused:
        raise PermissionDeniedException(str(refused)) from None
    except ProposalError as error:
        values = {ward: {name: form.get(name) or "" for name in proposals.RULE_BOUNDS}}
        return Template(
            "proposals/rules.html",
            context={**await _rules_context(actor, values, {ward: error.errors}), "saved": ""},
            status_code=HTTP_400_BAD_REQUEST,
        )
    return Redirect(f"/staff/proposal-rules?saved={ward}", status_code=HTTP_303_SEE_OTHER)
