"""The participation capability's routes: proposals and the inspection board, public pages and
API, and the workspace pages behind the sign-in guard."""

from litestar import Router

from app.accounts.routes import signed_in
from app.participation import inspection_routes, proposal_routes
from app.participation.api import ParticipationApi

public = Router(
    path="/",
    route_handlers=[
        proposal_routes.proposal_form,
        proposal_routes.proposal_create,
        proposal_routes.proposal_page,
        proposal_routes.proposal_support,
        proposal_routes.ward_proposals,
        proposal_routes.ward_proposals_feed,
        inspection_routes.ward_inspection,
        ParticipationApi,
    ],
)
staff = Router(
    path="/",
    guards=[signed_in],
    route_handlers=[
        proposal_routes.staff_participation,
        proposal_routes.answer_form,
        proposal_routes.answer_proposal,
        proposal_routes.progress_form,
        proposal_routes.add_progress,
        inspection_routes.request_form,
        inspection_routes.request_create,
        inspection_routes.answer_form,
        inspection_routes.answer_request,
        inspection_routes.supervision_form,
        inspection_routes.supervision_publish,
    ],
)
routers = [public, staff]
