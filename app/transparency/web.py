"""The transparency capability's routes: ward and province pages, the map, government
actions (published from the workspace, behind the sign-in guard), open data and Open311."""

from litestar import Router

from app.accounts.routes import signed_in
from app.transparency import action_routes, opendata, routes
from app.transparency.open311_routes import open311_router

public = Router(path="/", route_handlers=[
    routes.ward_page, routes.province_page, routes.follow_ward, routes.map_page,
    action_routes.action_list, action_routes.action_page,
    opendata.export_csv, opendata.export_geojson, opendata.ward_feed, opendata.category_feed,
    open311_router,
])  # fmt: skip
staff = Router(
    path="/", guards=[signed_in], route_handlers=[action_routes.action_form, action_routes.action_publish]
)
routers = [public, staff]
