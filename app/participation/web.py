"""The participation capability's routes: consultations, proposals, the inspection board and
resident verification; public pages and the API, and the staff pages behind the sign-in guard."""

from litestar import Router

from app.accounts.routes import signed_in
from app.participation import consultation_routes as consult
from app.participation import inspection_routes, participation_page, proposal_routes, verification_routes
from app.participation.api import ParticipationApi
from app.participation.consultation_api import ConsultationApi

public = Router(
    path="/",
    route_handlers=[
        participation_page.participation_page,
        consult.consultation_page,
        consult.submit_answers,
        consult.submit_comment,
        consult.support_comment,
        consult.flag_comment,
        consult.consultations_feed,
        ConsultationApi,
        verification_routes.verify_form,
        verification_routes.verify,
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
        consult.staff_consultations,
        consult.consultation_form,
        consult.consultation_create,
        consult.staff_consultation,
        consult.publish_synthesis,
        consult.moderate,
        consult.groups_page,
        consult.groups_upload,
        verification_routes.issue_form,
        verification_routes.issue_code,
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
