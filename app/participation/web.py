"""The participation capability's routes: public pages and the API, and the staff pages
behind the sign-in guard."""

from litestar import Router

from app.accounts.routes import signed_in
from app.participation import consultation_routes as consult
from app.participation import participation_page, verification_routes
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
    ],
)
routers = [public, staff]
