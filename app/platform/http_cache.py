"""HTTP caching of what the public reads: ETag with 304 on revalidation, a short max-age with
stale-while-revalidate, and, for the JSON API, a per-worker cache of whole answers.

Only anonymous GETs of the public pages and API reads take part. Anything personal (a staff
session, a resident's device cookie, the paths security_headers.py marks no-store) is answered
fresh and kept by nobody, so the person who changed a report sees the change at once; everyone
else sees it within PUBLIC_MAX_AGE_SECONDS.

HTML pages carry the visitor's CSRF token (and set its cookie on a first visit), so they are
`private`: the browser may keep its own copy, a shared cache may not. This module keeps each
page once, uncompressed, with a hole where the token was (page_template), and answers the next
anonymous reader through Litestar's own CSRF and compression middleware around the kept page:
CSRFMiddleware gives the reader their own token (from their cookie, or a new one with its
cookie), the hole is filled with it, and CompressionMiddleware compresses for their
Accept-Encoding. JSON answers are the same for every anonymous reader: `public`, and kept here
whole for the max-age, keyed by path, query and encoding.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections import OrderedDict
from datetime import datetime, timedelta

import brotli
from litestar.datastructures import MutableScopeHeaders
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState
from markupsafe import escape

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
FRESH_QUERY_FLAGS = (b"new=1", b"rated=1", b"supported=1", b"flagged=1")
# Per route (Litestar builds the middleware once per route): a bound on the worker's memory.
KEPT_BYTES = 2 * 1024 * 1024
KEPT_ANSWER_MAX_BYTES = 256 * 1024
# Where the reader's CSRF token goes in a kept page. Rendered text never holds a NUL: every
# text stored is cleaned of control characters (app/platform/text.py).
TOKEN_HOLE = b"\x00csrf-token\x00"
KEPT_PAGE = "gandan.kept_page"  # the scope key the kept page travels under to be answered
# Headers of the first answer that belong to its reader or its encoding, not to the page.
PER_ANSWER_HEADERS = {b"content-length", b"content-encoding", b"set-cookie", b"vary", b"etag",
                      b"cache-control"}  # fmt: skip
DECOMPRESS = {b"br": brotli.decompress, b"gzip": gzip.decompress}
DRAWN_TOKEN = re.compile(r"[0-9a-f]{64,}")  # what litestar.middleware.csrf.generate_csrf_token draws


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
    """Whole JSON answers, or pages with a hole for the token, each for PUBLIC_MAX_AGE_SECONDS;
    past the byte budget the oldest go first."""

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


def page_template(
    headers: list, body: bytes, token: str | None, csrf_cookie: bytes
) -> tuple[list, bytes] | None:
    """A first answer made into a page to keep: the headers that are the page's own, and the
    body uncompressed with the reader's token replaced by the hole. Only an answer to a reader
    who came without a CSRF cookie is kept: Litestar then drew a new token (hex, with its
    cookie set here) that cannot be confused with anything else on the page, whereas a
    cookie's value is whatever the reader sent ("class" would punch holes all over the page).
    None when it cannot be kept: no new token, another cookie set, an encoding this module
    cannot undo, a page too large, or a page that somehow holds the hole already."""
    own = []
    encoding = b""
    new_token = False
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"set-cookie":
            if not value.startswith(csrf_cookie + b"="):
                return None
            new_token = True
        elif lowered == b"content-encoding":
            encoding = value.strip().lower()
        elif lowered not in PER_ANSWER_HEADERS:
            own.append((name, value))
    if not (new_token and token and DRAWN_TOKEN.fullmatch(token)):
        return None
    if encoding and encoding not in DECOMPRESS:
        return None
    # At most KEPT_ANSWER_MAX_BYTES of our own compressed output: quick to undo on the loop.
    html = DECOMPRESS[encoding](body) if encoding else body
    if len(html) > KEPT_ANSWER_MAX_BYTES or TOKEN_HOLE in html:
        return None
    return own, html.replace(token.encode(), TOKEN_HOLE)


async def _answer_kept_page(scope: Scope, receive: Receive, send: Send) -> None:
    """The innermost app of a kept page's answer: CSRFMiddleware outside it has chosen the
    reader's token; CompressionMiddleware outside that compresses what is sent here."""
    headers, template = scope[KEPT_PAGE]  # type: ignore[literal-required]
    token = ScopeState.from_scope(scope).csrf_token
    # Escaped as the template escapes it: a token taken from a cookie is whatever was sent.
    filling = str(escape(token)).encode() if isinstance(token, str) else b""
    body = template.replace(TOKEN_HOLE, filling)
    await send({"type": "http.response.start", "status": 200,
                "headers": [*headers, (b"content-length", str(len(body)).encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


class PublicCachingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.kept = KeptAnswers()
        self.pages = KeptAnswers()
        self._page_stack: ASGIApp | None = None

    def page_stack(self, scope: Scope) -> ASGIApp:
        """Litestar's CSRF and compression middleware, configured as the app configures them
        for its routes, around the kept page: built once, on the first kept page answered."""
        if self._page_stack is None:
            litestar_app = scope["litestar_app"]
            stack: ASGIApp = _answer_kept_page
            if litestar_app.csrf_config:
                stack = CSRFMiddleware(app=stack, config=litestar_app.csrf_config)
            if compression := litestar_app.compression_config:
                stack = compression.middleware_class(app=stack, config=compression)
            self._page_stack = stack
        return self._page_stack

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
        page_key = key[:2] + key[3:]  # a page is kept once, uncompressed, for every encoding
        if kind == "html" and (page := self.pages.get(page_key)) is not None:
            await self._answer_page(scope, receive, send, page, if_none_match)
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
            if kind == "html" and len(body) <= KEPT_ANSWER_MAX_BYTES:
                self._keep_page(scope, page_key, made_at, list(start["headers"]), body)
            self._mark_fresh(headers, kind, body)
            if kind == "api" and len(body) <= KEPT_ANSWER_MAX_BYTES:
                self.kept.put(key, made_at, start["status"], list(start["headers"]), body)
            await self._answer(send, start["status"], list(start["headers"]), body, if_none_match)

        await self.app(scope, receive, buffered)

    @staticmethod
    def _mark_fresh(headers: MutableScopeHeaders, kind: str, body: bytes) -> None:
        visibility = "public" if kind == "api" else "private"
        headers["Cache-Control"] = f"{visibility}, {FRESHNESS}"
        headers["ETag"] = etag_of(body).decode()

    def _keep_page(self, scope: Scope, key: tuple, made_at: tuple, headers: list, body: bytes) -> None:
        csrf = scope["litestar_app"].csrf_config
        token = ScopeState.from_scope(scope).csrf_token
        try:
            made = page_template(headers, body, token if isinstance(token, str) else None,
                                 csrf.cookie_name.encode() if csrf else b"")  # fmt: skip
        except (OSError, brotli.error):
            return  # a body that does not decompress is simply not kept
        if made is not None:
            self.pages.put(key, made_at, 200, *made)

    async def _answer_page(
        self, scope: Scope, receive: Receive, send: Send, page: tuple, if_none_match: bytes | None
    ) -> None:
        """The kept page with this reader's token, compressed for them, with an ETag of what
        they receive (it holds their token) and 304 when they have it already."""
        _always_200, headers, template = page
        start: Message | None = None
        chunks: list[bytes] = []

        async def finished(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            self._mark_fresh(MutableScopeHeaders.from_message(start), "html", body)
            await self._answer(send, start["status"], list(start["headers"]), body, if_none_match)

        scope[KEPT_PAGE] = (headers, template)  # type: ignore[literal-required]
        await self.page_stack(scope)(scope, receive, finished)

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
