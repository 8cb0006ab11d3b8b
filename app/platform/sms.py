"""Text messages through a Vietnamese SMS gateway.

One adapter, eSMS.vn's documented JSON API (SendMultipleMessage_V4_post_json), sending
customer-care messages (SmsType 2) under the ward's registered brandname: the carriers filter
messages from unregistered senders as spam (Decree 91/2020/NĐ-CP), and a customer-care
message must match a template registered with the brandname (docs/restore-by-phone.md).

Every message carries a RequestId the gateway deduplicates on, so a retry after a timeout or
a 5xx never sends a second message: the gateway answers 124 ("request exists") to a RequestId
it has accepted already, which counts as sent.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass

import httpx

log = logging.getLogger(__name__)

ESMS_URL = "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/"
CUSTOMER_CARE = "2"
ACCEPTED = "100"
ALREADY_ACCEPTED = "124"
ATTEMPTS = 3
TIMEOUT_SECONDS = 10

# A Vietnamese mobile number: 0 or +84/84, then 9 digits starting 3, 5, 7, 8 or 9 (the mobile
# ranges since the 2018 renumbering). Landlines cannot receive SMS.
MOBILE = re.compile(r"(?:\+?84|0)([35789][0-9]{8})")  # ASCII digits only, not any Unicode digit
SEPARATORS = re.compile(r"[\s.\-()]")


class SmsError(RuntimeError):
    """The gateway did not take the message (the operator's log says why)."""


@dataclass(frozen=True)
class SmsGateway:
    url: str
    api_key: str
    secret_key: str
    brandname: str
    sandbox: bool = False  # eSMS checks the request but neither sends nor charges


def mobile_number(text: str) -> str | None:
    """The national form (0 and nine digits) of a Vietnamese mobile number typed any usual
    way ("0912 345 678", "+84 912.345.678", "84912345678"), or None."""
    match = MOBILE.fullmatch(SEPARATORS.sub("", text.strip()))
    return f"0{match.group(1)}" if match else None


def _body(gateway: SmsGateway, phone: str, text: str, request_id: str) -> dict:
    return {
        "ApiKey": gateway.api_key,
        "SecretKey": gateway.secret_key,
        "Brandname": gateway.brandname,
        "SmsType": CUSTOMER_CARE,
        "Phone": phone,
        "Content": text,
        # Unaccented text fits 160 characters a message; with diacritics only 70 (UCS-2).
        "IsUnicode": "0" if text.isascii() else "1",
        "Sandbox": "1" if gateway.sandbox else "0",
        "RequestId": request_id,
    }


async def send_sms(gateway: SmsGateway, phone: str, text: str, *, retry_after: float = 0.5) -> None:
    """Send one message, retrying transport errors and 5xx answers with backoff; raise
    SmsError when the gateway refuses it or stays unreachable."""
    body = _body(gateway, phone, text, uuid.uuid4().hex)
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                answer = await client.post(gateway.url, json=body)
            except httpx.TransportError as error:
                log.warning("SMS gateway unreachable (attempt %d): %s", attempt, error)
            else:
                if answer.status_code < 500:
                    _accepted_or_raise(answer)
                    return
                log.warning("SMS gateway answered %d (attempt %d)", answer.status_code, attempt)
            if attempt < ATTEMPTS:
                await asyncio.sleep(retry_after * 2 ** (attempt - 1))
    raise SmsError("the SMS gateway could not be reached")


def _accepted_or_raise(answer: httpx.Response) -> None:
    try:
        result = answer.json()
    except ValueError:
        result = {}
    if not isinstance(result, dict):
        result = {}
    code = str(result.get("CodeResult", ""))
    if code in (ACCEPTED, ALREADY_ACCEPTED):
        return
    # Wrong keys (101), unknown brandname (104), unregistered template (146), no credit (103)…:
    # the operator must act; the resident can only try later.
    log.error("SMS gateway refused the message: HTTP %d, %s %s", answer.status_code, code or "-",
              result.get("ErrorMessage") or result.get("error") or "")  # fmt: skip
    raise SmsError(f"refused: {code or answer.status_code}")
