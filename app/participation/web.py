"""The participation capability's routes: consultations, proposals, the inspection board and
resident verification; public pages and the API, and the staff pages behind the sign-in guard."""

from litestar import Router

from app.accounts.routes import signed_in
from app.participation import consultation_routes as consult
from app.participation import decision_routes as decide
from app.participation import inspection_routes, participation_page, proposal_routes, verification_routes
from app.participation import moderation_routes as moderating
from app.participation import survey_routes as survey
from app.participation.api import ParticipationApi
from app.participation.consultation_api import ConsultationApi
from app.participation.decision_api import DecisionApi
from app.participation.survey_api import SurveyApi

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
        proposal_routes.proposal_comment,
        proposal_routes.ward_proposals,
        proposal_routes.ward_proposals_feed,
        inspection_routes.ward_inspection,
        moderating.flag,
        ParticipationApi,
        decide.decision_page,
        decide.vote_form,
        decide.vote,
        DecisionApi,
        survey.survey_page,
        survey.survey_answer,
        SurveyApi,
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
        decide.staff_decisions,
        decide.decision_form,
        decide.decision_create,
        decide.staff_decision,
        decide.print_sheets,
        decide.record_meeting,
        decide.close_decision,
        decide.counter_form,
        decide.counter_vote,
        decide.register_page,
        decide.register_upload,
        decide.group_register,
        decide.group_register_change,
        decide.group_head,
        survey.staff_survey,
        survey.set_period,
        survey.poster,
        moderating.moderation_page,
        proposal_routes.rules_page,
        proposal_routes.rules_save,
    ],
)
routers = [public, staff]
