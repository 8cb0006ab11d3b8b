"""A resident has no account: their reports belong to a random device token. To find them
again on another phone, they ask for a link by e-mail; opening it gives that phone the same
token. The address is used to send the one message and is never stored."""

from __future__ import annotations

import asyncio
import secrets
import smtplib
from email.message import EmailMessage

from app.platform.i18n import gettext as _
from app.platform.tables import Person
from app.reporting.submission import EMAIL

RESTORE_LINK_SECONDS = 24 * 3600


class RestoreError(ValueError):
    """Why the link cannot be sent, in words the resident can act on."""


def _send(settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(message)


async def send_restore_link(store, settings, person_id: int, address: str) -> None:
    """E-mail a link, valid for a day and once, that brings this device's reports to another."""
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


async def redeem_restore_link(store, token: str) -> str | None:
    """The device token the link carries (the link then stops working), or None."""
    value = await store.get(token[:100])
    if value is None:
        return None
    await store.delete(token[:100])
    row = await Person.select(Person.device_identity).where(Person.id == int(value)).first()
    return row["device_identity"] if row else None
