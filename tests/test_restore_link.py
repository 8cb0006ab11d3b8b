"""A resident's reports found again on another phone, by a link sent through a real (local)
SMTP server (aiosmtpd records the message) or by SMS through a local stand-in of the eSMS
gateway's HTTP API (tests/fake_esms.py): only what is outside this machine is faked."""

from __future__ import annotations

import asyncio
import re
import socket

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from app.piccolo_app import APP_CONFIG
from app.platform.i18n import gettext as _
from app.platform.sms import SmsGateway, mobile_number
from app.platform.tables import Person
from tests.fake_esms import FakeEsms
from tests.photos_for_tests import jpeg
from tests.workspace_helpers import csrf


class Mailbox(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def mailbox():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


async def _file_report(http) -> str:
    form = await http.get("/reports/new")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text).group(1)
    answer = await http.post(
        "/reports/new",
        headers={"accept": "application/json", "x-csrftoken": token},
        data={"category": "roads", "description": "Đèn đường hỏng cả tuần",
              "lat": "20.7916", "lon": "106.636"},  # fmt: skip
        files={"photos": ("den.jpg", jpeg(), "image/jpeg")},
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["code"]


async def test_a_link_by_email_brings_the_reports_to_another_phone(client_with, categories, mailbox):
    box, port = mailbox
    smtp = dict(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                smtp_from="Gần Dân <noreply@gandan.test>")  # fmt: skip
    async with client_with(**smtp) as phone:
        code = await _file_report(phone)
        me = await phone.get("/me/")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', me.text).group(1)
        refused = await phone.post("/me/restore-link", data={"email": "not-an-address", "_csrf_token": token})
        assert refused.status_code == 400 and 'id="restore-error"' in refused.text
        assert box.messages == []
        sent = await phone.post("/me/restore-link", data={"email": "ba.lan@example.vn", "_csrf_token": token},
                                follow_redirects=False)  # fmt: skip
        assert sent.status_code == 303
    assert len(box.messages) == 1 and box.messages[0]["To"] == "ba.lan@example.vn"
    body = box.messages[0].get_payload(decode=True).decode()
    path = re.search(r"https?://[^/\s]+/(me/restore/\S+)", body).group(1)
    async with client_with(**smtp) as other_phone:
        assert code not in (await other_phone.get("/me/")).text
        restored = await other_phone.get(f"/{path}", follow_redirects=True)
        assert code in restored.text
        again = await other_phone.get(f"/{path}", headers={"accept": "text/html"})
        assert again.status_code == 404  # the link works once


async def test_without_smtp_the_page_offers_the_tracking_codes_instead(client):
    me = await client.get("/me/")
    assert 'action="/me/restore-link"' not in me.text
    assert 'name="work"' not in me.text  # a resident has no work alerts to choose


# The same link by SMS: the product's own HTTP client against a local eSMS stand-in -------


NUMBER_DIGITS = "912345678"  # how the number would appear anywhere it had been stored


@pytest.mark.parametrize(("typed", "national"), [
    ("0912345678", "0912345678"),
    ("0912 345 678", "0912345678"),
    ("+84 912.345.678", "0912345678"),
    ("84912345678", "0912345678"),
    ("(+84) 386-123-456", "0386123456"),
    ("0701234567", "0701234567"),
    ("0241234567", None),  # a Hà Nội landline: no SMS
    ("091234567", None),  # a digit short
    ("09123456789", None),  # a digit long
    ("0912345678 ext", None),
    ("091234567\u0668", None),  # an Arabic-Indic eight: a digit to regex, not on a phone
    ("", None),
])  # fmt: skip
def test_mobile_numbers_are_read_the_ways_people_write_them(typed, national):
    assert mobile_number(typed) == national


@pytest.fixture
def esms():
    with FakeEsms() as gateway:
        yield gateway


def _texting(esms: FakeEsms, **changes) -> dict:
    fields = dict(url=esms.url, api_key="test-key", secret_key="test-secret", brandname="GANDAN") | changes
    return {"sms_gateway": SmsGateway(**fields)}


async def _ask_for_text(phone, number: str):
    me = await phone.get("/me/")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', me.text).group(1)
    return await phone.post("/me/restore-sms", data={"phone": number, "_csrf_token": token},
                            follow_redirects=False)  # fmt: skip


async def test_a_link_by_sms_brings_the_reports_to_another_phone(client_with, categories, esms, database):
    async with client_with(**_texting(esms)) as phone:
        code = await _file_report(phone)
        me = await phone.get("/me/")
        assert 'action="/me/restore-sms"' in me.text and 'action="/me/restore-link"' not in me.text
        refused = await _ask_for_text(phone, "024 1234 567")
        assert refused.status_code == 400 and 'id="sms-error"' in refused.text
        assert esms.requests == []
        sent = await _ask_for_text(phone, "+84 912.345.678")
        assert sent.status_code == 303 and sent.headers["location"].startswith("/me/?link_sent=sms")
    [message] = esms.delivered
    assert (message["Phone"], message["Brandname"], message["SmsType"]) == ("0912345678", "GANDAN", "2")
    # One unaccented message of at most 160 characters, the cheapest and most widely readable.
    assert message["Content"].isascii() and message["IsUnicode"] == "0" and len(message["Content"]) <= 160
    path = re.search(r"https?://[^/\s]+/(me/restore/\S+)", message["Content"]).group(1)
    async with client_with(**_texting(esms)) as other_phone:
        assert code not in (await other_phone.get("/me/")).text
        restored = await other_phone.get(f"/{path}", follow_redirects=True)
        assert code in restored.text
        again = await other_phone.get(f"/{path}", headers={"accept": "text/html"})
        assert again.status_code == 404  # the link works once
    # The number was used to send, and kept nowhere: not in a file of the server, not in a table.
    for place in (database.var_dir, database.media_dir):
        for file in place.rglob("*"):
            assert not file.is_file() or NUMBER_DIGITS.encode() not in file.read_bytes(), file
    for table in APP_CONFIG.table_classes:
        assert NUMBER_DIGITS not in repr(await table.select()), table


async def test_a_retry_after_a_lost_answer_or_a_busy_gateway_delivers_once(client_with, categories, esms):
    async with client_with(**_texting(esms)) as phone:
        await _file_report(phone)
        esms.lose_next = 1  # the gateway takes the message, but its answer is lost
        assert (await _ask_for_text(phone, "0912345678")).status_code == 303
        esms.fail_next = 1  # the gateway is busy once
        assert (await _ask_for_text(phone, "0386123456")).status_code == 303
    assert [m["Phone"] for m in esms.delivered] == ["0912345678", "0386123456"]
    assert len(esms.requests) == 4
    # A retry repeats the RequestId, the gateway's key against sending twice.
    assert esms.requests[0]["RequestId"] == esms.requests[1]["RequestId"] != esms.requests[3]["RequestId"]


async def test_a_gateway_that_refuses_gets_a_message_the_resident_can_act_on(client_with, categories, esms):
    async with client_with(**_texting(esms, secret_key="wrong")) as phone:
        await _file_report(phone)
        refused = await _ask_for_text(phone, "0912345678")
        assert refused.status_code == 400
        assert _("The SMS could not be sent just now. Please try again later.") in refused.text
    assert esms.delivered == [] and len(esms.requests) == 1  # a refusal is not retried


async def test_one_number_gets_at_most_three_texts_a_day_whoever_asks(client_with, categories, esms):
    async with client_with(**_texting(esms)) as http:
        for attempt in range(4):
            http.cookies.clear()  # a new device each time
            await _file_report(http)
            answer = await _ask_for_text(http, "0912 345 678")
            assert answer.status_code == (303 if attempt < 3 else 400)
        said = _("This number has been sent %(n)d links today. Try again tomorrow, or use e-mail.") % {"n": 3}
        assert said in answer.text
        # Six devices asking at the same moment for another number: still three texts. (Across
        # workers the count is Redis INCR through AttemptCounter: tests/test_throttle_redis.py.)
        devices = [httpx.AsyncClient(transport=http._transport, base_url=http.base_url) for _ in range(6)]
        for device in devices:
            await _file_report(device)
        forms = [csrf((await device.get("/me/")).text) for device in devices]
        answers = await asyncio.gather(*[
            device.post("/me/restore-sms", data={"phone": "0386 123 456", "_csrf_token": token})
            for device, token in zip(devices, forms, strict=True)
        ])  # fmt: skip
    assert sorted(a.status_code for a in answers) == [303, 303, 303, 400, 400, 400]
    assert [m["Phone"] for m in esms.delivered].count("0386123456") == 3


async def test_a_phone_sent_as_a_file_is_refused_in_words(client_with, categories, esms):
    async with client_with(**_texting(esms)) as phone:
        await _file_report(phone)
        token = csrf((await phone.get("/me/")).text)
        refused = await phone.post("/me/restore-sms", data={"_csrf_token": token},
                                   files={"phone": ("n.txt", b"0912345678", "text/plain")})  # fmt: skip
    assert refused.status_code == 400 and 'id="sms-error"' in refused.text
    assert esms.requests == []


async def test_one_device_asks_for_at_most_three_links_a_day(client_with, categories, esms):
    async with client_with(**_texting(esms)) as phone:
        await _file_report(phone)
        answers = [await _ask_for_text(phone, f"091234567{n}") for n in range(4)]
    assert [a.status_code for a in answers] == [303, 303, 303, 429]
    assert len(esms.delivered) == 3


async def test_a_phone_with_no_reports_is_told_so_and_leaves_nothing_stored(client_with, categories, esms):
    people = await Person.count()
    async with client_with(**_texting(esms)) as phone:
        answer = await _ask_for_text(phone, "0912345678")
    assert answer.status_code == 400
    assert _("This phone has not sent or followed any report yet: there is nothing to bring to another "
             "phone.") in answer.text  # fmt: skip
    assert esms.requests == [] and await Person.count() == people
