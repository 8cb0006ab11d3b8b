"""Push through Firebase Cloud Messaging with the real firebase-admin library (HTTP v1).

Devices are addressed by Firebase installation id (`Message(fid=…)`); messages go out in
batches of at most 500 with `send_each_async`. FCM_URL can point the sender at another
FCM-compatible endpoint (a gateway, or the local fake the tests run); the OAuth token comes
from the service-account file's own `token_uri`.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path

import firebase_admin
from firebase_admin import credentials, exceptions, messaging

BATCH = 500
DEFAULT_FCM_URL = "https://fcm.googleapis.com/v1/projects/{project_id}/messages:send"


@dataclass(frozen=True)
class Push:
    fid: str
    title: str
    body: str
    link: str


def outcome_of(error: Exception | None) -> str:
    """ok | dead (prune the device) | retry (429/5xx) | error."""
    if error is None:
        return "ok"
    if isinstance(error, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return "dead"
    if isinstance(error, exceptions.InvalidArgumentError):
        text = str(error).lower()
        return "dead" if any(word in text for word in ("token", "fid", "installation")) else "error"
    if isinstance(
        error, messaging.QuotaExceededError | exceptions.UnavailableError | exceptions.InternalError
    ):
        return "retry"
    return (
        "retry" if isinstance(error, exceptions.DeadlineExceededError | exceptions.UnknownError) else "error"
    )


class FirebaseSender:
    """One firebase-admin App per sender (and so per event loop, as the library needs)."""

    def __init__(self, credentials_file: Path, fcm_url: str = DEFAULT_FCM_URL) -> None:
        # The library formats its URL with the project id as {0}; our setting names it.
        messaging._MessagingService.FCM_URL = fcm_url.replace("{project_id}", "{0}")
        self.app = firebase_admin.initialize_app(
            credentials.Certificate(str(credentials_file)), name=f"gandan-{uuid.uuid4().hex}"
        )

    async def send(self, pushes: list[Push]) -> list[tuple[str, str]]:
        """(outcome, error text) per push, in order."""
        results: list[tuple[str, str]] = []
        for start in range(0, len(pushes), BATCH):
            chunk = pushes[start : start + BATCH]
            messages = [
                messaging.Message(
                    fid=p.fid,
                    notification=messaging.Notification(title=p.title, body=p.body),
                    data={"link": p.link},
                    webpush=messaging.WebpushConfig(fcm_options=messaging.WebpushFCMOptions(link=p.link))
                    if p.link.startswith("https://") else None,
                )
                for p in chunk
            ]  # fmt: skip
            batch = await messaging.send_each_async(messages, app=self.app)
            results += [(outcome_of(r.exception), str(r.exception or "")) for r in batch.responses]
        return results

    async def close(self) -> None:
        # delete_app() runs asyncio.run() inside; it must not run on this loop's thread.
        await asyncio.to_thread(firebase_admin.delete_app, self.app)
