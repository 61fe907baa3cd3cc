"""Delivery: over SMTP (STARTTLS, implicit TLS, or plain to localhost only) or as .eml files."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from ctcm.errors import CtcmError, InvalidInput, MailServerUnreachable

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class DeliveryError(CtcmError):
    """One message could not be delivered (it is retried on the next run)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # starttls | ssl | none
    username: str | None
    password: str | None
    timeout: float = 30.0


class SmtpTransport:
    channel = "smtp"

    def __init__(self, settings: SmtpSettings) -> None:
        if settings.security == "none" and settings.host not in LOCAL_HOSTS:
            raise InvalidInput("--security none is only allowed for a server on this machine")
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        # Connect on the first message: a run with nothing to send never needs the server.
        return self

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as err:
            raise MailServerUnreachable(
                f"cannot reach the mail server {s.host}:{s.port}: {_reason(err)}; "
                "nothing more was sent, the next run retries"
            ) from None
        return smtp

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()

    def deliver(self, msg: EmailMessage, name_hint: str) -> str:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as err:
            raise DeliveryError(f"recipients refused: {_refused(err.recipients)}") from None
        except (OSError, smtplib.SMTPException) as err:
            raise DeliveryError(_reason(err)) from None
        main = str(msg["To"])
        if refused and any(addr in main for addr in refused):
            raise DeliveryError(f"recipient refused: {_refused(refused)}")
        return str(msg["Message-ID"])


def _reason(err: BaseException) -> str:
    if isinstance(err, smtplib.SMTPResponseException):
        detail = (
            err.smtp_error.decode(errors="replace")
            if isinstance(err.smtp_error, bytes)
            else str(err.smtp_error)
        )
        return f"{err.smtp_code} {detail}"
    return str(err) or type(err).__name__


def _refused(recipients: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{addr} ({code})" for addr, (code, _) in recipients.items())


class DirectoryTransport:
    """Writes each message as an .eml file (0600) for inspection or ``sendmail -t``."""

    channel = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __enter__(self) -> DirectoryTransport:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidInput(f"{self.directory} is not a directory") from None
        except PermissionError:
            raise InvalidInput(f"cannot create {self.directory}: permission denied") from None
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def deliver(self, msg: EmailMessage, name_hint: str) -> str:
        from ctcm.domain.files import numbered

        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name_hint)[:80]
        target = self.directory / numbered(f"{safe}.eml", lambda n: (self.directory / n).exists())
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            raise DeliveryError(f"cannot write {target}: {err.strerror}") from None
        with os.fdopen(fd, "wb") as fh:
            fh.write(msg.as_bytes())
        return str(msg["Message-ID"])
