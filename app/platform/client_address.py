"""The address a request really came from, for per-address limits.

Behind a reverse proxy every request arrives from the proxy; the proxy names the client in
X-Forwarded-For. That header is believed only when the connection comes from a proxy the
operator listed in TRUSTED_PROXIES: otherwise any client could name any address and escape
its limit. Each trusted hop appends the address it saw, so the real client is the right-most
address that is not one of our proxies.
"""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from litestar.connection import ASGIConnection

from app.platform.settings import Settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(p) for p in proxies)


def _trusted(address: str, settings: Settings) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in _networks(settings.trusted_proxies))


def client_address(connection: ASGIConnection, settings: Settings) -> str:
    peer = connection.client.host if connection.client else "unknown"
    if not _trusted(peer, settings):
        return peer
    hops = [h.strip() for h in connection.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, settings):
            return hop
    return peer
