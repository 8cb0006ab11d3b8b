"""Server-side sessions that exist only when something is stored in them.

Litestar's backend writes a session for every request that arrives without a cookie (every
/healthz, /static/ and API call left a file behind) and adopts whatever id a client's cookie
names. Here a session is created only when a handler stores something, an id the store does
not know is ignored (no session fixation), and `renew_session` gives a new id when a person's
privileges change, as at sign-in.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

# Scope keys: the id the store knew this request by, and whether the next write takes a new id.
_KNOWN_ID = "gandan.session_id"
_RENEW = "gandan.session_renew"


def renew_session(connection: ASGIConnection, data: dict[str, Any]) -> None:
    """Store `data` as the session under a fresh id; the old id is deleted, so a cookie value
    planted before sign-in is worth nothing after it."""
    connection.scope[_RENEW] = True  # type: ignore[literal-required]
    connection.set_session(data)


class SessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection) -> dict[str, Any]:
        if session_id := connection.cookies.get(self.config.key):
            store = self.config.get_store_from_app(connection.scope["app"])
            data = await self.get(session_id, store=store)
            if data is not None:
                connection.scope[_KNOWN_ID] = session_id  # type: ignore[literal-required]
                return self.deserialize_data(data)
        return {}

    def get_session_id(self, connection: ASGIConnection) -> str | None:
        return connection.scope.get(_KNOWN_ID)  # type: ignore[return-value]

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection
    ) -> None:
        scope = connection.scope
        store = self.config.get_store_from_app(scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        cookie_params = dict(
            extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
        )
        known_id: str | None = scope.get(_KNOWN_ID)  # type: ignore[assignment]
        if scope_session is Empty or not scope_session:
            if known_id:
                await self.delete(known_id, store=store)
            if self.config.key in connection.cookies:
                headers.add("Set-Cookie", Cookie(value="null", key=self.config.key, expires=0,
                                                 **cookie_params).to_header(header=""))  # fmt: skip
            return
        session_id = known_id
        if session_id is None or scope.get(_RENEW):
            if session_id:
                await self.delete(session_id, store=store)
            session_id = self.generate_session_id()
        await self.set(session_id=session_id, data=self.serialize_data(scope_session, scope), store=store)
        cookie = Cookie(value=session_id, key=self.config.key, **cookie_params)
        headers.add("Set-Cookie", cookie.to_header(header=""))


class SessionConfig(ServerSideSessionConfig):
    _backend_class = SessionBackend
