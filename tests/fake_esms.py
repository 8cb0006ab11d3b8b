"""A local stand-in for eSMS.vn's "send one message" endpoint, speaking its documented JSON API
(POST …/MainService.svc/json/SendMultipleMessage_V4_post_json/): ApiKey, SecretKey,
Brandname, SmsType, Phone, Content, IsUnicode, Sandbox, RequestId in; CodeResult out — 100
accepted, 101 wrong keys, 104 unknown brandname, 124 a RequestId already accepted.

Only the gateway is faked: the product's own HTTP client sends real requests over a socket.
`fail_next` answers that many requests with 500 first, as an overloaded gateway does;
`lose_next` accepts that many messages but answers 500, as when the gateway's answer is lost
on the way back: a retry must then not deliver the message twice.
"""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer

from tests.json_handler import JsonHandler

PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
REQUIRED = ("ApiKey", "SecretKey", "Brandname", "SmsType", "Phone", "Content")


class FakeEsms:
    def __init__(self, api_key: str = "test-key", secret_key: str = "test-secret",
                 brandnames: tuple[str, ...] = ("GANDAN",)) -> None:  # fmt: skip
        self.api_key, self.secret_key, self.brandnames = api_key, secret_key, brandnames
        self.delivered: list[dict] = []  # accepted messages, each once
        self.requests: list[dict] = []  # every request that reached the gateway
        self.fail_next = 0
        self.lose_next = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(JsonHandler):
            def do_POST(self):  # noqa: N802 (the standard library's name)
                body = self.body()
                is_json = self.headers.get("Content-Type", "").startswith("application/json")
                if self.path != PATH or not is_json:
                    return self._reply(400, {"error": "Invalid request"})
                message = json.loads(body)
                with fake.lock:
                    fake.requests.append(message)
                    if fake.fail_next:
                        fake.fail_next -= 1
                        return self._reply(500, {"error": "Internal error"})
                    answer = fake.answer(message)
                    if fake.lose_next:
                        fake.lose_next -= 1
                        return self._reply(500, {"error": "Internal error"})
                    return self._reply(200, answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, message: dict) -> dict:
        if any(not isinstance(message.get(field), str) or not message[field] for field in REQUIRED):
            return {"CodeResult": "99", "CountRegenerate": 0, "ErrorMessage": "Missing parameter"}
        if (message["ApiKey"], message["SecretKey"]) != (self.api_key, self.secret_key):
            return {"CodeResult": "101", "CountRegenerate": 0, "ErrorMessage": "Authorize Failed"}
        if message["Brandname"] not in self.brandnames:
            return {"CodeResult": "104", "CountRegenerate": 0, "ErrorMessage": "Brand name code is not exist"}
        request_id = message.get("RequestId")
        if request_id and any(m.get("RequestId") == request_id for m in self.delivered):
            return {"CodeResult": "124", "CountRegenerate": 0, "ErrorMessage": "Request exist 1",
                    "SendStatus": "5"}
        self.delivered.append(message)
        return {"CodeResult": "100", "CountRegenerate": 0, "SMSID": f"sms-{len(self.delivered)}"}

    def __enter__(self) -> FakeEsms:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()
