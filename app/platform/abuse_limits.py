"""Abuse limits: how many writes one device and one network address may make per period.

Litestar's rate-limit middleware, one instance per (action, device or address), counting in
the "rate_limits" store (Redis when REDIS_URL is set, so every worker and machine shares the
count; in memory otherwise, so each process counts on its own). An address is the real client
behind a trusted proxy (client_address); an IPv6 client counts by its /64, which one household
or phone is given whole. A device is the resident's device cookie: a request without one is
counted by its address only.

A refused request gets 429 with Retry-After and a message in the person's language, as a page
for browsers and as JSON for the API.
"""

from __future__ import annotations

import hmac
import re
from ipaddress import IPv6Address, ip_address, ip_network
from time import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import TooManyRequestsException
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware

from app.platform.client_address import client_address
from app.platform.i18n import gettext as _
from app.platform.settings import Settings

STORE = "rate_limits"

# The writes each action limits: POST to these paths.
LIMITED_PATHS = {
    "reports": (r"/reports/new", r"/api/v1/reports", r"/open311/v2/requests\.(?:json|xml)"),
    "supports": (r"/r/[^/]+/support",),
    "comments": (r"/consultations/\d+/comments", r"/consultations/\d+/answers",
                 r"/proposals/\d+/comments", r"/wards/[^/]+/survey"),  # fmt: skip
    "flags": (r"/comments/\d+/flag", r"/r/[^/]+/flag"),
    "proposals": (r"/proposals/new", r"/api/v1/proposals"),
    # A ballot code is unguessable (~59 bits); the limit keeps anyone from trying at scale.
    "votes": (r"/vote", r"/api/v1/ballots"),
    "proposal_supports": (r"/proposals/\d+/support", r"/api/v1/proposals/\d+/supports",
                          r"/comments/\d+/support"),  # fmt: skip
    "devices": (r"/api/v1/devices",),
    "restore_links": (r"/me/restore-link", r"/me/restore-sms"),
}


def network_of(address: str) -> str:
    """The unit an address is counted by: an IPv4 address itself, an IPv6 address's /64."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _keyed(settings: Settings, value: str) -> str:
    return hmac.new(settings.secret_key.encode(), value.encode(), "sha256").hexdigest()[:24]


def network_fingerprint(connection: ASGIConnection, settings: Settings) -> str:
    """What is stored to count distinct networks: a keyed hash, never the address itself."""
    return _keyed(settings, network_of(client_address(connection, settings)))


class AbuseLimitMiddleware(RateLimitMiddleware):
    """Litestar's rate-limit middleware that looks only at its action's writes (decided from
    the scope, before a Request is built) and refuses with Retry-After and a message a
    person can act on."""

    def __init__(self, app: Any, config: RateLimitConfig, paths: re.Pattern[str]) -> None:
        super().__init__(app, config)
        self.paths = paths

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope.get("method") != "POST" or not self.paths.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        app = scope["litestar_app"]
        request = app.request_class(scope)
        if await self.should_check_request(request=request):
            key = self.cache_key_from_request(request)
            store = self.config.get_store_from_app(app)
            async with self._lock:
                cached = await self.retrieve_cached_history(key, store)
                if len(cached.history) >= self.max_requests:
                    wait = max(1, cached.reset - int(time()))
                    raise TooManyRequestsException(
                        detail=_("Too many requests from this device or network. Please wait "
                                 "%(minutes)d minutes and try again.") % {"minutes": -(-wait // 60)},
                        headers={"Retry-After": str(wait)},
                    )  # fmt: skip
                await self.set_cached_history(key=key, cache_object=cached, store=store)
        await self.app(scope, receive, send)


# Ballots are counted by network only: a count kept under the device would tie a resident to
# the times they voted (docs/ballot-secrecy.md).
ADDRESS_ONLY = frozenset({"votes"})


def abuse_limit_middleware(settings: Settings, device_cookie: str) -> list[DefineMiddleware]:
    """The middleware for every limited action: by address, then by the device cookie. The
    store's keys are keyed hashes: it holds no address and no device token (a bearer secret)."""

    def by_address(action: str):
        return lambda request: f"{action}:address:{network_fingerprint(request, settings)}"

    def by_device(action: str):
        return lambda request: f"{action}:device:{_keyed(settings, request.cookies.get(device_cookie, ''))}"

    layers = []
    for action, limit in settings.rate_limits:
        paths = re.compile("|".join(LIMITED_PATHS[action]))
        for count, identify, applies in (
            (limit.per_address, by_address(action), None),
            (0 if action in ADDRESS_ONLY else limit.per_device, by_device(action),
             lambda request: device_cookie in request.cookies),
        ):
            if count:
                config = RateLimitConfig(
                    rate_limit=(limit.unit, count), store=STORE, set_rate_limit_headers=False,
                    identifier_for_request=identify, check_throttle_handler=applies,
                )  # fmt: skip
                layers.append(DefineMiddleware(AbuseLimitMiddleware, config=config, paths=paths))
    return layers
