"""HTTP caching of what the public reads: ETag with 304 on revalidation, a short max-age with
stale-while-revalidate, and, for the JSON API, a per-worker cache of whole answers.

Only anonymous GETs of the public pages and API reads take part. Anything personal (a staff
session, a resident's device cookie, the paths security_headers.py marks no-store) is answered
fresh and kept by nobody, so the person who changed a report sees the change at once; everyone
else sees it within PUBLIC_MAX_AGE_SECONDS.

HTML pages carry the visitor's CSRF token (and set its cookie on a first visit), so they are
`private`: the browser may keep its own copy, a shared cache may not, and this module keeps no
copy of them either. JSON answers are the same for every anonymous reader: `public`, and kept
here for the max-age, keyed by path, query and encoding.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import datetime, timedelta

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.platform import clock
from app.platform.i18n import current_language
from app.platform.kept import PUBLIC_MAX_AGE_SECONDS, generation
from app.platform.security_headers import is_personal

# A few seconds of staleness is harmless on a public page (PUBLIC_MAX_AGE_SECONDS); a
# newspaper's readers then cost one answer per worker per max-age from the API, and a 304 for
# returning browsers.
STALE_WHILE_REVALIDATE_SECONDS = 30
FRESHNESS = f"max-age={PUBLIC_MAX_AGE_SECONDS}, stale-while-revalidate={STALE_WHILE_REVALIDATE_SECONDS}"
HTML_PREFIXES = ("/r/", "/wards/", "/provinces/")
HTML_PATHS = ("/", "/map")
API_PREFIXES = ("/api/v1/reports", "/api/v1/map", "/api/v1/categories")
# The receipt a resident lands on after filing or rating shows their own fresh act.
FRESH_QUERY_FLAGS = (b"new=1", b"rated=1", b"supported=1")
# Per route (Litestar builds the middleware once per route): a bound on the worker's memory.
KEPT_BYTES = 4 * 1024 * 1024
KEPT_ANSWER_MAX_BYTES = 256 * 1024


def _kind(scope: Scope) -> str | None:
    """ "api", "html" or None (not cached): which public read this request is, if any."""
    if scope["method"] != "GET" or is_personal(scope):
        return None
    path = scope["path"]
    if path.startswith("/r/") and path.count("/") > 2:  # /r/CODE/qr.svg and the like
        return None
    if any(flag in scope.get("query_string", b"") for flag in FRESH_QUERY_FLAGS):
        return None
    if path.startswith(API_PREFIXES):
        return "api"
    if path in HTML_PATHS or path.startswith(HTML_PREFIXES):
        return "html"
    return None


def etag_of(body: bytes) -> bytes:
    return b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"'


def _matches(if_none_match: bytes | None, etag: bytes) -> bool:
    if not if_none_match:
        return False
    candidates = [c.strip().removeprefix(b"W/") for c in if_none_match.split(b",")]
    return etag in candidates or b"*" in candidates


class KeptAnswers:
    """Whole JSON answers, each for PUBLIC_MAX_AGE_SECONDS; past the byte budget the oldest go first."""

    def __init__(self, budget: int = KEPT_BYTES) -> None:
        self.budget, self.used = budget, 0
        self.answers: OrderedDict[tuple, tuple[int, datetime, int, list, bytes]] = OrderedDict()

    def get(self, key: tuple) -> tuple[int, list, bytes] | None:
        kept = self.answers.get(key)
        if kept is None:
            return None
        made_at_generation, stored_at, status, headers, body = kept
        # A change written by this worker drops them at once; other workers' within the max-age.
        if (made_at_generation != generation()
                or clock.now() - stored_at >= timedelta(seconds=PUBLIC_MAX_AGE_SECONDS)):  # fmt: skip
            self._drop(key)
            return None
        return status, headers, body

    def put(self, key: tuple, made_at: tuple[int, datetime], status: int, headers: list, body: bytes) -> None:
        """`made_at`: the generation and time when the answer began to be made (not when it ended:
        a change written meanwhile may or may not be in it)."""
        self._drop(key)
        self.answers[key] = (*made_at, status, headers, body)
        self.used += len(body)
        while self.used > self.budget:
            self._drop(next(iter(self.answers)))

    def _drop(self, key: tuple) -> None:
        if (kept := self.answers.pop(key, None)) is not None:
            self.used -= len(kept[4])


class PublicCachingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kept = KeptAnswers()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _kind(scope) if scope["type"] == "http" else None
        if kind is None:
            await self.app(scope, receive, send)
            return
        request_headers = dict(scope["headers"])
        if_none_match = request_headers.get(b"if-none-match")
        # Compression happens inside this middleware: each encoding is its own answer; and
        # LanguageMiddleware outside it has chosen the language an answer may be written in.
        key = (scope["path"], scope.get("query_string", b""), request_headers.get(b"accept-encoding", b""),
               current_language.get())  # fmt: skip
        if kind == "api" and (kept := self.kept.get(key)) is not None:
            await self._answer(send, *kept, if_none_match)
            return
        start: Message | None = None
        chunks: list[bytes] = []
        made_at = (generation(), clock.now())

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = MutableScopeHeaders.from_message(start)
            if (
                start["status"] != 200
                or "cache-control" in headers
                or (kind == "api" and "set-cookie" in headers)
            ):
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            visibility = "public" if kind == "api" else "private"
            headers["Cache-Control"] = f"{visibility}, {FRESHNESS}"
            headers["ETag"] = etag_of(body).decode()
            if kind == "api" and len(body) <= KEPT_ANSWER_MAX_BYTES:
                self.kept.put(key, made_at, start["status"], list(start["headers"]), body)
            await self._answer(send, start["status"], list(start["headers"]), body, if_none_match)

        await self.app(scope, receive, buffered)

    @staticmethod
    async def _answer(
        send: Send, status: int, headers: list, body: bytes, if_none_match: bytes | None
    ) -> None:
        etag = next(v for k, v in headers if k.lower() == b"etag")
        if _matches(if_none_match, etag):
            kept = [(k, v) for k, v in headers if k.lower() in (b"etag", b"cache-control", b"vary")]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
