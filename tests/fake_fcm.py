"""A local stand-in for FCM's HTTP v1 endpoint and Google's OAuth token endpoint.

Only the network end is faked: the real firebase-admin library builds, signs and sends the
requests. Installation ids steer the answers: `dead-…` → 404 UNREGISTERED, `mismatch-…` →
403 SENDER_ID_MISMATCH, `badtoken-…` → 400 INVALID_ARGUMENT about the token, `busy-…` → 429
QUOTA_EXCEEDED, `flaky-…` → 503 for its first two sends; anything else succeeds.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.json_handler import JsonHandler


def _error(status: int, code: str, message: str, error_code: str | None = None) -> tuple[int, dict]:
    details = [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": error_code}] \
        if error_code else []  # fmt: skip
    return status, {"error": {"code": status, "message": message, "status": code, "details": details}}


class FakeFcm:
    def __init__(self) -> None:
        self.sent: list[dict] = []
        self.attempts: Counter[str] = Counter()
        self.tokens_issued = 0
        self.busy_until_released = True
        self.lock = threading.Lock()
        fake = self

        class Handler(JsonHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.body()
                if self.path == "/token":
                    with fake.lock:
                        fake.tokens_issued += 1
                    return self._reply(200, {"access_token": "fake-access-token", "expires_in": 3600,
                                             "token_type": "Bearer"})  # fmt: skip
                if self.headers.get("Authorization") != "Bearer fake-access-token":
                    return self._reply(*_error(401, "UNAUTHENTICATED", "no token"))
                message = json.loads(body)["message"]
                fid = message.get("fid") or message.get("token") or ""
                with fake.lock:
                    fake.attempts[fid] += 1
                    attempt = fake.attempts[fid]
                if fid.startswith("dead-"):
                    return self._reply(
                        *_error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
                    )
                if fid.startswith("mismatch-"):
                    return self._reply(
                        *_error(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH")
                    )
                if fid.startswith("badtoken-"):
                    return self._reply(*_error(400, "INVALID_ARGUMENT",
                                               "The registration token is not a valid FCM registration token",
                                               "INVALID_ARGUMENT"))  # fmt: skip
                if fid.startswith("busy-") and fake.busy_until_released:
                    return self._reply(*_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded", "QUOTA_EXCEEDED"))
                if fid.startswith("flaky-") and attempt <= 2:
                    return self._reply(*_error(503, "UNAVAILABLE", "Try again"))
                with fake.lock:
                    fake.sent.append(message)
                    number = len(fake.sent)
                return self._reply(200, {"name": f"projects/gandan-test/messages/{number}"})

        class Server(ThreadingHTTPServer):
            request_queue_size = 1024  # firebase-admin opens hundreds of connections at once

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def fcm_url(self) -> str:
        return f"{self.url}/v1/projects/{{project_id}}/messages:send"

    def service_account(self, folder: Path) -> Path:
        """A service-account file with a fresh RSA key whose token_uri is this server."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()  # fmt: skip
        path = folder / "service-account.json"
        path.write_text(json.dumps({
            "type": "service_account", "project_id": "gandan-test", "private_key_id": "k1",
            "private_key": pem, "client_email": "push@gandan-test.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": f"{self.url}/token",
        }))  # fmt: skip
        return path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
