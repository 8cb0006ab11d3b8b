"""A resident has no account: their reports belong to a random device token. To find them
again on another phone, they ask for a link by e-mail or SMS; opening it gives that phone the
same token. The address or number is used to send the one message and is never stored: a
number is counted against its daily limit only under a keyed hash that expires with the count."""

from __future__ import annotations

import asyncio
import hmac
import secrets
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from app.platform.i18n import gettext as _
from app.platform.sms import SmsError, mobile_number, send_sms
from app.platform.tables import Person
from app.platform.throttle import AttemptCounter
from app.reporting.submission import EMAIL

RESTORE_LINK_SECONDS = 24 * 3600
# Texts to one number per day, whoever asks: each costs money and a stranger's number could
# otherwise be pestered from many devices.
TEXTS_PER_NUMBER_PER_DAY = 3


class RestoreError(ValueError):
    """Why the link cannot be sent, in words the resident can act on."""


def _known_device(person_id: int | None) -> int:
    """The resident behind this browser. A browser that never sent or followed anything has
    no resident row and nothing to bring over: refused before anything is stored for it."""
    if person_id is None:
        raise RestoreError(_("This phone has not sent or followed any report yet: there is nothing to "
                             "bring to another phone."))  # fmt: skip
    return person_id


def _send(settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


async def send_restore_link(store, settings, person_id: int | None, address: str) -> None:
    """E-mail a link, valid for a day and once, that brings this device's reports to another."""
    person_id = _known_device(person_id)
    address = address.strip()
    if not settings.smtp_host:
        raise RestoreError(_("Sending e-mail is not set up on this server yet."))
    if len(address) > 254 or not EMAIL.match(address):
        raise RestoreError(_("This does not look like an e-mail address."))
    token = secrets.token_urlsafe(32)
    await store.set(token, str(person_id), expires_in=RESTORE_LINK_SECONDS)
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = address
    message["Subject"] = _("Your reports on Gần Dân")
    message.set_content(_(
        "Open this link on your other phone to see the reports you sent and follow:\n\n%(link)s\n\n"
        "The link works once, within 24 hours. If you did not ask for it, ignore this e-mail."
    ) % {"link": settings.link(f"/me/restore/{token}")})  # fmt: skip
    try:
        await asyncio.to_thread(_send, settings, message)
    except (OSError, smtplib.SMTPException):
        await store.delete(token)
        raise RestoreError(_("The e-mail could not be sent just now. Please try again later.")) from None


async def _count_text_to(attempts: AttemptCounter, settings, number: str) -> None:
    """Count one more text to this number today, or refuse past the limit. Counted before
    sending and in one atomic step, so requests from many devices at once cannot all pass;
    a send that fails still counts, so a failing gateway is not hammered. The key is a keyed
    hash of the number: the store never holds the number itself."""
    digest = hmac.new(settings.secret_key.encode(), f"sms:{number}".encode(), "sha256").hexdigest()[:24]
    sent = await attempts.hit(f"restore_sms:number:{digest}", timedelta(seconds=RESTORE_LINK_SECONDS))
    if sent > TEXTS_PER_NUMBER_PER_DAY:
        raise RestoreError(_("This number has been sent %(n)d links today. Try again tomorrow, or use "
                             "e-mail.") % {"n": TEXTS_PER_NUMBER_PER_DAY})  # fmt: skip


async def send_restore_text(
    links, attempts: AttemptCounter, settings, person_id: int | None, typed_number: str
) -> None:
    """Text a link, valid for a day and once, that brings this device's reports to another."""
    if settings.sms_gateway is None:
        raise RestoreError(_("Sending SMS is not set up on this server yet."))
    person_id = _known_device(person_id)
    number = mobile_number(typed_number)
    if number is None:
        raise RestoreError(_("This does not look like a Vietnamese mobile number, e.g. 0912 345 678."))
    await _count_text_to(attempts, settings, number)
    # 128 bits: shorter than the e-mail's token so the message fits one 160-character SMS.
    token = secrets.token_urlsafe(16)
    await links.set(token, str(person_id), expires_in=RESTORE_LINK_SECONDS)
    # Written without diacritics in every language: one SMS of 160 characters, not 70.
    text = _("Gan Dan: open this link on your new phone to see your reports (once, within 24h): %(link)s") % {
        "link": settings.link(f"/me/restore/{token}")
    }
    try:
        await send_sms(settings.sms_gateway, number, text)
    except SmsError:
        await links.delete(token)
        raise RestoreError(_("The SMS could not be sent just now. Please try again later.")) from None


async def redeem_restore_link(store, token: str) -> str | None:
    """The device token the link carries (the link then stops working), or None."""
    value = await store.get(token[:100])
    if value is None:
        return None
    await store.delete(token[:100])
    row = await Person.select(Person.device_identity).where(Person.id == int(value)).first()
    return row["device_identity"] if row else None
