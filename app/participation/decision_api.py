"""Household decisions in the JSON API (/api/v1): the public view — what is decided, by whom
(groups, registered households), the live turnout, and the results only once closed — and
casting a household's ballot with the code of its sheet. Never a household, a code or a ballot
linked to either."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import Controller, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from app.participation import ballots, decisions
from app.participation.api import Refused
from app.participation.ballots import BallotError
from app.platform.i18n import gettext as _
from app.platform.params import MAX_ID, RowId


@dataclass
class BallotInput:
    """A household's ballot: the code printed on its sheet, the decision, and the positions of
    the options chosen (one of approve 0 / disapprove 1 / abstain 2, or an election's candidates)."""

    code: str
    decision: int
    choices: list[int] = field(default_factory=list)


def _summary(d: dict) -> dict:
    return {
        "id": d["id"],
        "title": d["title"],
        "kind": d["kind"],
        "method": d["method"],
        "status": d["status"],
        "ward": {"code": d["ward.code"], "name": d["ward.name"]},
        "opens_at": d["opens_at"],
        "closes_at": d["closes_at"],
        "registered_households": d["registered"],
        "voted_households": d["voted"] if d["method"] == "ballot" else None,
        "threshold": {"more_than": f"{d['threshold_num']}/{d['threshold_den']}", "needed": d["needed"]},
        "seats": d["seats"],
        "url": f"/decisions/{d['id']}",
    }


class DecisionApi(Controller):
    path = "/api/v1"
    tags = ["household decisions"]

    @get("/decisions", summary="A ward's household decisions (bàn và quyết định), newest first")
    async def list_decisions(self, ward: FromQuery[str]) -> list[dict]:
        return [_summary(d) for d in await decisions.for_ward(ward)]

    @get(
        "/decisions/{decision_id:int}",
        summary="A household decision: options, groups and turnout; results and outcome once closed",
    )
    async def read_decision(self, decision_id: RowId) -> dict:
        d = await decisions.detail(decision_id)
        if d is None:
            raise NotFoundException(_("This decision does not exist."))
        results = decisions.results(d)
        return {
            **_summary(d),
            "summary": d["summary"],
            "groups": [{"name": g["name"], "registered_households": g["registered"]} for g in d["groups"]],
            "options": [
                {"position": o["position"], "label": decisions.option_label(d, o)} for o in d["options"]
            ],
            "documents": [
                {
                    "filename": f["filename"],
                    "kind": f["kind"],
                    "minutes": f["minutes"],
                    "url": f"/media/docs/{f['digest']}.pdf"
                    if f["kind"] == "pdf"
                    else f"/media/{f['digest'][:2]}/{f['digest']}.jpg",
                }
                for f in d["documents"]
            ],  # fmt: skip
            "recorded_at_meeting": d["meeting_on"],
            "results": None
            if results is None
            else {
                "tallies": [
                    {"position": o["position"], "label": o["label"], "count": o["count"]}
                    for o in results["options"]
                ],
                "passed": results["passed"],
                "needed": results["needed"],
                "elected": results.get("elected"),
                "tied": results.get("tied"),
                "tied_seats": results.get("tied_seats"),
                "vacant": results.get("vacant"),
            },  # fmt: skip
            "outcome_action_id": d["outcome_action"],
        }

    @post(
        "/ballots",
        summary="Cast a household's secret ballot with the single-use code of its sheet",
        status_code=HTTP_201_CREATED,
    )
    async def cast_ballot(self, data: JSONBody[BallotInput]) -> Response:
        try:
            if not 1 <= data.decision <= MAX_ID:
                raise BallotError(_(ballots.REFUSED))
            await ballots.cast(data.decision, data.code[:40], [c for c in data.choices[:50] if 0 <= c < 1000])
        except BallotError as error:
            raise Refused(detail=str(error)) from None
        d = await decisions.detail(data.decision)
        return Response(
            {"counted": True, "voted_households": d["voted"], "registered_households": d["registered"]},
            status_code=HTTP_201_CREATED,
        )
