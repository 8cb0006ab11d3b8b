"""The accounts capability's routes: sign-in, the staff password page, the resident's /me/."""

from litestar import Router

from app.accounts import me, routes
from app.accounts.admin_routes import admin_router

public = Router(path="/", route_handlers=[
    routes.login_form, routes.login, routes.logout,
    me.me_page, me.me_restore_link, me.me_restore_sms, me.me_restore, me.me_read, me.me_preferences,
    me.me_badge, me.register_device, me.unregister_device,
])  # fmt: skip
staff = Router(
    path="/", guards=[routes.signed_in], route_handlers=[routes.password_form, routes.password_change]
)
routers = [public, staff, admin_router]
