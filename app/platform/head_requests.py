"""HEAD answered wherever GET is: the GET's status and headers, without its body.

Litestar routes HEAD only to handlers declared for it, so every page answered 405 to HEAD
(link checkers, uptime monitors and caches use it). Routing happens inside the application,
before any middleware, so the request is turned into a GET in front of the router.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send


def answer_head_as_get(app: ASGIApp) -> ASGIApp:
    async def handle(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return
        finished = False

        async def headers_only(message: Message) -> None:
            nonlocal finished
            if finished:
                return  # the rest of a stream (live updates) is not sent to a HEAD
            if message["type"] == "http.response.start":
                await send(message)
                # A HEAD has no body: the response ends here, even for a stream that would not.
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                finished = True
                return
            await send(message)

        await app({**scope, "method": "GET"}, receive, headers_only)  # type: ignore[typeddict-item]

    return handle


def allow_with_head(allow: str) -> str:
    """The Allow header of a 405: HEAD wherever GET is allowed, since it is answered too."""
    methods = [m.strip() for m in allow.split(",") if m.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.append("HEAD")
    return ", ".join(sorted(methods))
