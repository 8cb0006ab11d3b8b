"""The reporting capability's routes: the home page, the form and its hints, the report page,
the reporter's answers, and the JSON API."""

from litestar import Router

from app.reporting import api, pages, routes

routers = [Router(path="/", route_handlers=[
    pages.home, pages.track, pages.report_page, pages.answer_resolution, pages.rate_handling,
    routes.report_form, routes.report_submit, routes.ward_hint, routes.nearby, routes.follow,
    routes.unfollow, routes.support_report, routes.receipt_qr, api.ApiV1,
])]  # fmt: skip
