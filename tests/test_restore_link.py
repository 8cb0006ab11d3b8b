"""A resident's reports found again on another phone, by a link sent through a real (local)
SMTP server: aiosmtpd records the message; nothing is mocked."""

from __future__ import annotations

import re
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from tests.photos_for_tests import jpeg


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
