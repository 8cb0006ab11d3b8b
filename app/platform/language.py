"""Per-request language: chosen from ?lang=, the `lang` cookie, or Accept-Language."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.platform.i18n import current_language, pick_language

COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600


class LanguageMiddleware(ASGIMiddleware):
    def __init__(self, default_language: str) -> None:
        self.default_language = default_language

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        requested = parse_qs(scope.get("query_string", b"").decode()).get("lang", [None])[0]
        cookies = SimpleCookie(headers.get("cookie", ""))
        remembered = cookies[COOKIE].value if COOKIE in cookies else None
        language = pick_language(
            requested, remembered, headers.get("accept-language"), self.default_language
        )
        token = current_language.set(language)
        remember = requested == language and requested != remembered

        async def send_with_cookie(message: Message) -> None:
            if remember and message["type"] == "http.response.start":
                cookie = f"{COOKIE}={language}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax"
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        try:
            await next_app(scope, receive, send_with_cookie)
        finally:
            current_language.reset(token)
