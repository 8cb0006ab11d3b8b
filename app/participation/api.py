"""JSON API for proposals and inspection requests, under /api/v1. Public views only: never who
proposed, supported or asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_422_UNPROCESSABLE_ENTITY

from app.accounts.residents import ensure_device_person, unless_stored
from app.participation import comments, inspection, proposals
from app.participation.proposals import STATES, NewProposal, ProposalError
from app.platform.i18n import gettext as _
from app.platform.photos import MediaStore
from app.platform.settings import Settings

STATE_PATTERN = "^(" + "|".join(STATES) + ")$"


class Refused(HTTPException):
    status_code = HTTP_422_UNPROCESSABLE_ENTITY


@dataclass
class ProposalInput:
    """A new proposal: the ward by its code, or by a place on the map (lat and lon)."""

    title: str
    description: str
    ward_code: str = ""
    lat: float | None = None
    lon: float | None = None


def _public(row: dict) -> dict:
    ward = {"code": row.pop("ward.code"), "name": row.pop("ward.name")}
    return {**row, "ward": ward}


class ParticipationApi(Controller):
    path = "/api/v1"
    tags = ["participation"]

    @get(
        "/proposals", summary="A ward's proposals, by state (open, due, answered, in_progress, done, expired)"
    )
    async def list_proposals(
        self,
        ward: FromQuery[str],
        chosen_state: Annotated[str | None, QueryParameter(name="state", pattern=STATE_PATTERN)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[dict]:
        return [_public(r) for r in await proposals.ward_proposals(ward, chosen_state, limit)]

    @get("/proposals/{proposal_id:int}", summary="One proposal: its answer, milestones and progress updates")
    async def read_proposal(self, proposal_id: FromPath[int]) -> dict:
        row = await proposals.public_proposal(proposal_id)
        if row is None:
            raise NotFoundException(_("This proposal does not exist."))
        return _public(row)

    @get("/proposals/{proposal_id:int}/comments", summary="A proposal's public comments, with replies")
    async def proposal_comments(self, proposal_id: FromPath[int]) -> list[dict]:
        if await proposals.ward_of(proposal_id) is None:
            raise NotFoundException(_("This proposal does not exist."))
        return await comments.public_thread("proposal", proposal_id)

    @post(
        "/proposals",
        summary="Propose something for a ward (as this device's resident)",
        status_code=HTTP_201_CREATED,
    )
    async def create_proposal(
        self, request: Request, data: JSONBody[ProposalInput], settings: NamedDependency[Settings]
    ) -> Response:
        person, cookies = await ensure_device_person(request)
        new = NewProposal(
            title=data.title,
            description=data.description,
            ward_code=data.ward_code,
            lat=data.lat,
            lon=data.lon,
        )
        try:
            proposal_id = await proposals.propose(person, new, MediaStore(settings.media_dir))
        except ProposalError as error:
            await unless_stored(person, cookies, stored=False)
            raise Refused(detail=str(error), extra={"errors": error.errors}) from None
        return Response(
            {"id": proposal_id, "state": "open", "url": settings.link(f"/proposals/{proposal_id}")},
            status_code=HTTP_201_CREATED,
            cookies=cookies,
        )

    @post(
        "/proposals/{proposal_id:int}/supports",
        summary="Support a proposal, once per person",
        status_code=HTTP_200_OK,
    )
    async def support_proposal(self, request: Request, proposal_id: FromPath[int]) -> Response:
        if await proposals.public_proposal(proposal_id) is None:
            raise NotFoundException(_("This proposal does not exist."))
        person, cookies = await ensure_device_person(request)
        counted = await proposals.support(person, proposal_id)
        row = await proposals.public_proposal(proposal_id)
        return Response(
            {"counted": counted, "support_count": row["support_count"], "state": row["state"]},
            cookies=await unless_stored(person, cookies, stored=counted),
        )

    @get("/inspection-requests", summary="A ward's inspection requests and the ward's answers")
    async def list_requests(self, ward: FromQuery[str]) -> list[dict]:
        return [_public(r) for r in await inspection.ward_requests(ward)]

    @get("/inspection-requests/{request_id:int}", summary="One inspection request and its answer")
    async def read_request(self, request_id: FromPath[int]) -> dict:
        row = await inspection.public_request(request_id)
        if row is None:
            raise NotFoundException(_("This inspection request does not exist."))
        return _public(row)
