"""How many sign-in attempts an account and an address get, and how long a lock lasts.

Attempts are counted before the password is checked (see app.platform.throttle), so a burst
is refused after the limit without a single further argon2 run. A lock doubles with every
attempt past the limit, up to a day, and is logged. The owner is not locked out by someone
guessing at their account: a browser where the account signed in before carries a signed
"known device" cookie and is counted on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from app.platform.throttle import AttemptCounter, Count

logger = logging.getLogger("gandan")

MAX_ACCOUNT_ATTEMPTS = 5
# An office behind one address signs in many people: more room, still a bound on guessing.
MAX_ADDRESS_ATTEMPTS = 30
WINDOW = timedelta(minutes=15)
LONGEST_LOCK = timedelta(hours=24)


def lock_duration(attempts: int, limit: int) -> timedelta:
    """15 minutes at the first attempt past the limit, doubling with each one after, ≤ a day."""
    doublings = min(max(attempts - limit - 1, 0), 10)  # 2**10 windows is already past a day
    return min(WINDOW * 2**doublings, LONGEST_LOCK)


def account_key(username: str, device: str | None = None) -> str:
    return f"user:{username}" if device is None else f"user:{username}:device:{device}"


def address_key(address: str) -> str:
    return f"ip:{address}"


def known_device_token(secret: str, username: str) -> str:
    """A new browser's proof that this account signed in on it: nonce.signature."""
    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_signature(secret, username, nonce)}"


def known_device(secret: str, username: str, token: str | None) -> str | None:
    """The device's nonce when its token was signed for this account, else None."""
    nonce, _, signature = (token or "").partition(".")
    if nonce and hmac.compare_digest(signature, _signature(secret, username, nonce)):
        return nonce
    return None


def _signature(secret: str, username: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"{username}\n{nonce}".encode(), hashlib.sha256).hexdigest()


async def may_attempt(counter: AttemptCounter, username: str, device: str | None, address: str) -> bool:
    """Count this attempt against the account (or its known device) and the address; False
    when either is past its limit, and then the lock grows."""
    allowed = True
    for key, limit in ((account_key(username, device), MAX_ACCOUNT_ATTEMPTS),
                       (address_key(address), MAX_ADDRESS_ATTEMPTS)):  # fmt: skip
        attempts = await counter.hit(key, WINDOW)
        if attempts > limit:
            allowed = False
            await counter.extend(key, lock_duration(attempts, limit))
            if attempts == limit + 1:
                logger.warning("sign-in locked: %s after %d attempts", key, limit)
    return allowed


async def signed_in(counter: AttemptCounter, username: str, device: str | None) -> None:
    """A correct password clears its account's (or known device's) count."""
    await counter.forget(account_key(username, device))


async def account_lock(counter: AttemptCounter, username: str) -> Count | None:
    """The account's lock, for its administrators: None when it is not locked."""
    count = await counter.read(account_key(username))
    return count if count.attempts > MAX_ACCOUNT_ATTEMPTS else None
