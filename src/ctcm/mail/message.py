"""RFC 5322 messages built with the email package's header API (no header injection)."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from ctcm.errors import InvalidInput


def parse_address(text: str, what: str = "address") -> Address:
    """``Name <addr@host>`` or ``addr@host``; raise InvalidInput otherwise."""
    if any(c in text for c in "\r\n"):
        raise InvalidInput(f"bad {what}: line breaks are not allowed")
    name, addr = parseaddr(text)
    if "@" not in addr or addr.count("@") != 1 or " " in addr:
        raise InvalidInput(f"bad {what} {text!r}: expected Name <user@example.org>")
    user, domain = addr.split("@")
    try:
        return Address(display_name=name, username=user, domain=domain)
    except (ValueError, IndexError) as err:
        raise InvalidInput(f"bad {what} {text!r}: {err}") from None


def build_message(
    sender: Address,
    to: list[Address],
    subject: str,
    text: str,
    html: str,
    now: datetime,
    cc: list[Address] | None = None,
    reply_to: Address | None = None,
    attachments: list[tuple[str, bytes]] | None = None,
) -> EmailMessage:
    """A multipart/alternative message (plain text and HTML) with Date and Message-ID; with
    ``attachments`` (file name, bytes), multipart/mixed around it."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    if reply_to is not None:
        msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(idstring="ctcm", domain=sender.domain or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    for name, data in attachments or ():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg
