"""Photos of a form sent back for another field (a missing description, an unknown address)
are kept on the server for a while, named by unguessable tokens that the form carries, so a
resident without JavaScript never has to choose them twice."""

from __future__ import annotations

import secrets

DRAFT_SECONDS = 2 * 3600


async def keep_photos(store, photos: list[bytes]) -> list[str]:
    """Store each photo for DRAFT_SECONDS; the tokens to put in the form."""
    tokens = []
    for data in photos:
        token = secrets.token_urlsafe(24)
        await store.set(token, data, expires_in=DRAFT_SECONDS)
        tokens.append(token)
    return tokens


async def kept_photos(store, tokens: list[str]) -> list[tuple[str, bytes]]:
    """(token, photo) for the tokens still kept; unknown or expired ones are left out."""
    found = []
    for token in tokens:
        if (data := await store.get(token[:64])) is not None:
            found.append((token, data))
    return found
