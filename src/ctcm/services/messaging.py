"""Mail settings, the delivery machinery (Mailer, reports, the ledger log) and template checks;
reminders and status mails live in services/reminders.py, the digest in services/digest.py.

Reminders and status mails carry names, document type names, dates and statuses only; the
admin digest adds the security program's warnings by title. None carries a document number, a
note, an attachment, an incident description or another person's data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from email.headerregistry import Address
from typing import Any, Protocol

from ctcm.areas.credentials import service as cred
from ctcm.domain.credentials import (
    Person,
    check_email,
    check_text,
)
from ctcm.domain.reminders import (
    DEFAULT_ESCALATE_AFTER,
    DEFAULT_ESCALATE_GRACE,
    DEFAULT_MISSING_EVERY,
    DEFAULT_SCHEDULE,
    LedgerEntry,
    parse_schedule,
)
from ctcm.errors import InvalidInput
from ctcm.services.practice import Practice, iso_utc

# A claim in the delivery ledger (see services/outbox.py) stops counting as sent after this long
# without a heartbeat from its run, measured by the observing machine's own clock from when it
# first saw the claim in that state (never one machine's stamp against another's clock: two
# cron hosts 16 minutes apart must not both send). Past the backstop on any clock a claim is
# stale anyway (its run died hours ago; the first sighting may be that late).
CLAIM_TIMEOUT = timedelta(minutes=15)
CLAIM_BACKSTOP = timedelta(hours=6)


def note_claims(p: Practice) -> tuple[dict[str, str], dict[str, str]]:
    """Remember on this machine when each open claim was first seen in its current state (a
    run notes its own claims and heartbeats as it makes them). Return the claims (key ->
    heartbeat stamp) and when each was first seen here."""
    claims = p.repo.claims()
    if not claims:
        return {}, {}
    if p.state is None:
        return claims, dict.fromkeys(claims, p.now_iso)
    return claims, p.state.claim_sightings(claims, p.now_iso)


def stale_claims(p: Practice) -> set[str]:
    """The claim keys whose run is taken for dead (see CLAIM_TIMEOUT)."""
    claims, first = note_claims(p)
    lease, backstop = iso_utc(p.now - CLAIM_TIMEOUT), iso_utc(p.now - CLAIM_BACKSTOP)
    return {k for k, at in claims.items() if first[k] <= lease or at <= backstop}


DEFAULT_INSTRUCTIONS = (
    "Please reply to this message with a photo or scan of the renewed "
    "document, and the office will update your record."
)
SECURITIES = ("starttls", "ssl", "none")


# ============================================================================ settings


@dataclass(frozen=True, slots=True)
class MailConfig:
    host: str | None
    port: int
    security: str
    username: str | None
    has_password: bool
    sender: str | None
    reply_to: str | None
    admins: tuple[str, ...]
    schedule: str
    missing_every: int
    escalate_after: int
    instructions: str
    escalate_grace: int = DEFAULT_ESCALATE_GRACE


def mail_config(p: Practice) -> MailConfig:
    from ctcm.services.sealed import has as has_secret

    s = p.settings
    return MailConfig(
        host=s.get("mail.host"),
        port=int(s.get("mail.port", "587")),
        security=s.get("mail.security", "starttls"),
        username=s.get("mail.username") or None,
        has_password=has_secret(p, "mail.password"),
        sender=s.get("mail.from"),
        reply_to=s.get("mail.reply_to") or None,
        admins=tuple(a for a in s.get("mail.admins", "").split(",") if a),
        schedule=s.get("mail.schedule", DEFAULT_SCHEDULE),
        missing_every=int(s.get("mail.missing_every", str(DEFAULT_MISSING_EVERY))),
        escalate_after=int(s.get("mail.escalate_after", str(DEFAULT_ESCALATE_AFTER))),
        instructions=s.get("mail.instructions", DEFAULT_INSTRUCTIONS),
        escalate_grace=int(s.get("mail.escalate_grace", str(DEFAULT_ESCALATE_GRACE))),
    )


def configure_mail(
    p: Practice,
    host: str | None = None,
    port: int | None = None,
    security: str | None = None,
    username: str | None = None,
    password: str | None = None,
    sender: str | None = None,
    reply_to: str | None = None,
    admins: str | None = None,
    instructions: str | None = None,
) -> MailConfig:
    """Store mail settings in the vault (the SMTP password only ever encrypted there)."""
    from ctcm.mail.message import parse_address
    from ctcm.mail.transport import LOCAL_HOSTS
    from ctcm.services.sealed import put as put_secret

    current = mail_config(p)
    values: dict[str, str] = {}
    if host is not None:
        values["mail.host"] = check_text(host, "--host")
    if port is not None:
        if not 1 <= port <= 65535:
            raise InvalidInput("--port must be between 1 and 65535")
        values["mail.port"] = str(port)
    if security is not None:
        if security not in SECURITIES:
            raise InvalidInput(f"--security must be one of {', '.join(SECURITIES)}")
        values["mail.security"] = security
    if username is not None:
        values["mail.username"] = username.strip()
    if password is not None:
        values.update(put_secret(p, "mail.password", password))
    # the password is bound to the host it was given for: pointing ctcm at another server
    # (someone's own) drops it, so it is never sent anywhere but where it was meant to go
    new_host = values.get("mail.host", current.host)
    if password is not None:
        values["mail.password_for"] = new_host or ""
    elif host is not None and new_host != current.host and current.has_password:
        values.update(put_secret(p, "mail.password", ""))
        values["mail.password_for"] = ""
    if sender is not None:
        parse_address(sender, "--from address")
        values["mail.from"] = sender.strip()
    if reply_to is not None:
        if reply_to:
            parse_address(reply_to, "--reply-to address")
        values["mail.reply_to"] = reply_to.strip()
    if admins is not None:
        values["mail.admins"] = ",".join(check_email(a) for a in admins.split(",") if a.strip())
    if instructions is not None:
        values["mail.instructions"] = check_text(instructions, "--instructions", 1000)
    if not values:
        raise InvalidInput("nothing to change: give at least one option (see --help)")
    final_host = values.get("mail.host", current.host)
    final_security = values.get("mail.security", current.security)
    if final_security == "none" and final_host not in LOCAL_HOSTS:
        raise InvalidInput(
            "--security none is only allowed for a mail server on this machine "
            "(localhost); use starttls or ssl"
        )
    p.set_settings(values)
    p.touch(*(f"setting:{k}" for k in values if "password" not in k))
    return mail_config(p)


def set_schedule(
    p: Practice,
    schedule: str | None,
    missing_every: int | None,
    escalate_after: int | None,
    escalate_grace: int | None = None,
) -> MailConfig:
    values: dict[str, str] = {}
    if schedule is not None:
        values["mail.schedule"] = str(parse_schedule(schedule))
    if missing_every is not None:
        if not 1 <= missing_every <= 365:
            raise InvalidInput("--missing-every must be between 1 and 365 days")
        values["mail.missing_every"] = str(missing_every)
    if escalate_after is not None:
        if not 1 <= escalate_after <= 365:
            raise InvalidInput("--escalate-after must be between 1 and 365 days")
        values["mail.escalate_after"] = str(escalate_after)
    if escalate_grace is not None:
        if not 0 <= escalate_grace <= 365:
            raise InvalidInput("--escalate-grace must be between 0 and 365 days")
        values["mail.escalate_grace"] = str(escalate_grace)
    if not values:
        raise InvalidInput("nothing to change: give a schedule or an option (see --help)")
    p.set_settings(values)
    p.touch(*(f"setting:{k}" for k in values))
    return mail_config(p)


# ============================================================================ delivery


class Transport(Protocol):
    channel: str

    def deliver(self, msg: Any, name_hint: str) -> str: ...


@dataclass
class DeliveryReport:
    as_of: date
    kind: str
    channel: str | None
    due: list[dict[str, Any]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    preview: bool = False  # files written under --as-of: nothing recorded
    notes: list[str] = field(default_factory=list)  # said once under the plan

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "kind": self.kind,
            "channel": self.channel,
            "due": self.due,
            "sent": len(self.sent),
            "sent_to": self.sent,
            "skipped": self.skipped,
            "failed": [{"id": who, "error": err} for who, err in self.failed],
            "preview": self.preview,
            "notes": sorted(set(self.notes)),
        }


class Mailer:
    """What every message needs: templates, sender, Reply-To, the practice name, a clock."""

    def __init__(self, p: Practice, channel: str | None = "smtp") -> None:
        from ctcm.mail.message import parse_address
        from ctcm.render.templates import make_environment

        self.p = p
        self.channel = channel
        self.config = mail_config(p)
        self.practice = p.settings.get("practice_name", "")
        if self.config.sender:
            self.sender = parse_address(self.config.sender, "sender")
        elif channel == "smtp":
            raise InvalidInput(
                'no sender address: run ctcm mail configure --from "Practice <office@example.org>"'
            )
        else:  # files to read or forward by hand need no configured sender
            self.sender = Address(
                display_name=self.practice or "ctcm", addr_spec="no-reply@invalid"
            )
        self.reply_to = (
            parse_address(self.config.reply_to, "reply-to") if self.config.reply_to else None
        )
        self.templates = make_environment(p.vault.root / "templates")
        self._template_set: Any = None

    def admins(self) -> list[Address]:
        from ctcm.mail.message import parse_address

        return [parse_address(a, "admin address") for a in self.config.admins]

    def message(
        self,
        kind: str,
        context: dict[str, Any],
        to: list[Address],
        cc: list[Address] | None = None,
        attachments: list[tuple[str, bytes]] | None = None,
    ) -> Any:
        from ctcm.mail.message import build_message
        from ctcm.render.templates import render_email

        rendered = render_email(self.templates, kind, context)
        rehearsal = "[REHEARSAL] " if self.p.rehearsal else ""  # never passes for a real one
        msg = build_message(
            self.sender,
            to,
            rehearsal + rendered.subject,
            rendered.text,
            rendered.html,
            self.p.now,
            cc=cc,
            reply_to=self.reply_to,
            attachments=attachments,
        )
        # which templates made it: the digest of the email templates in effect
        msg["X-Ctcm-Templates"] = self.template_set.describe()
        return msg

    @property
    def template_set(self) -> Any:
        if self._template_set is None:
            from ctcm.render.templates import template_set

            self._template_set = template_set(self.templates, "email")
        return self._template_set


@dataclass
class Outgoing:
    """One message ready to go, and the ledger rows that record it once it is delivered."""

    msg: Any
    hint: str  # file name hint for --out
    who: str  # the person id or address it is reported under
    entries: list[LedgerEntry]


def person_address(person: Person) -> Address:
    user, domain = person.email.split("@", 1)
    return Address(display_name=person.name, username=user, domain=domain)


def send_test(p: Practice, to: str, transport: Transport) -> str:
    from ctcm.mail.message import parse_address

    mailer = Mailer(p)
    address = parse_address(to, "recipient")
    msg = mailer.message(
        "test", {"practice": mailer.practice, "as_of": p.today.isoformat()}, [address]
    )
    message_id = transport.deliver(msg, f"{p.today}-test")
    p.repo.add_deliveries(
        [
            LedgerEntry(
                kind="test",
                status="sent",
                at=p.now_iso,
                channel=transport.channel,
                recipients=address.addr_spec,
                message_id=message_id,
            )
        ]
    )
    p.touch("mail:test")
    return message_id


def delivery_log(
    p: Practice, person_id: str | None = None, kind: str | None = None, since: date | None = None
) -> list[LedgerEntry]:
    """The delivery ledger, oldest first: proof of who was told what, when."""
    if person_id is not None:
        cred.get_person(p, person_id)
    kinds = (
        "reminder",
        "activity",
        "status",
        "digest",
        "test",
        "awareness",
        "escalation",
        "rejection",
    )
    if kind is not None and kind not in kinds:
        raise InvalidInput(f"--kind must be one of {', '.join(kinds)}")
    since_iso = since.isoformat() if since else None
    p.touch("deliveries", *([f"person:{person_id}"] if person_id else []))
    return [
        e
        for e in p.repo.deliveries(kind)
        if (person_id is None or e.person_id == person_id)
        and (since_iso is None or e.at[:10] >= since_iso)
    ]
