"""The ward workspace under /staff/, behind the sign-in guard."""

from litestar import Router

from app.accounts.routes import signed_in
from app.casework import live, routes

routers = [Router(path="/", guards=[signed_in], route_handlers=[
    routes.queue_page, routes.assign_many, routes.case_page, routes.act, routes.file_form,
    routes.file_for_resident, routes.outbox_page, routes.staff_photo, live.live,
])]  # fmt: skip
