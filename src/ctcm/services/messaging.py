"""Mail settings, reminders, personnel status emails and the monthly admin digest.

Messages carry names, document type names, dates and statuses only: never document numbers,
notes, attachments, other people's data or anything from the security program records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from email.headerregistry import Address
from typing import Any, Protocol

from ctcm.domain.credentials import (
    Dashboard,
    Light,
    Person,
    PersonStatus,
    Reason,
    RequirementStatus,
    check_email,
    check_text,
)
from ctcm.domain.reminders import (
    DEFAULT_ESCALATE_AFTER,
    DEFAULT_ESCALATE_GRACE,
    DEFAULT_MISSING_EVERY,
    DEFAULT_SCHEDULE,
    LedgerEntry,
    Threshold,
    due_threshold,
    escalation_step,
    expiry_thresholds,
    parse_schedule,
)
from ctcm.errors import InvalidInput
from ctcm.services import credentials as cred
from ctcm.services.practice import Practice, iso_utc

# A claim in the delivery ledger (see services/outbox.py) stops counting as sent after this long
# without a heartbeat from its run.
CLAIM_TIMEOUT = timedelta(minutes=15)

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
    s = p.settings
    return MailConfig(
        host=s.get("mail.host"),
        port=int(s.get("mail.port", "587")),
        security=s.get("mail.security", "starttls"),
        username=s.get("mail.username") or None,
        has_password=bool(s.get("mail.password")),
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
        values["mail.password"] = password
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
    p.touch(*(f"setting:{k}" for k in values if k != "mail.password"))
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


# ============================================================================ reminders


@dataclass(frozen=True, slots=True)
class DueItem:
    requirement: RequirementStatus
    about: str
    threshold: Threshold | None
    escalation: int  # a new escalation step reached (admins in Cc), else 0
    passed: tuple[Threshold, ...]


@dataclass(frozen=True, slots=True)
class ActivityDue:
    """A calendar activity its owner is reminded of: once when due soon, once when overdue."""

    kind: str
    name: str
    on: date
    threshold: str  # "due" | "overdue"

    def say(self, today: date) -> str:
        when = long_date(self.on, today)
        if self.threshold == "overdue":
            return f"{self.name}: was due on {when}. Please do it and record it in ctcm."
        return f"{self.name}: due on {when}."


ACTIVITY_LEAD_DAYS = 7  # the owner hears of an activity this many days before it is due


def plan_activity_reminders(
    p: Practice, recorded: set[tuple[str, str, str]]
) -> dict[str, list[ActivityDue]]:
    """Per owner, the calendar activities to remind them of today (each threshold once), and
    for the privacy (else security) official the BAA reviews and missing BAAs."""
    from ctcm.domain.activities import OccurrenceStatus
    from ctcm.services.activities import all_occurrences, kinds

    today = p.today
    out: dict[str, list[ActivityDue]] = {}
    officer = p.settings.get("privacy_officer") or p.settings.get("security_officer")
    if officer:
        for v in p.repo.vendors().values():
            if not v.phi:
                continue
            due = v.review_due() or today
            if (due - today).days > ACTIVITY_LEAD_DAYS:
                continue
            threshold = "overdue" if due < today or v.baa_signed is None else "due"
            kind = f"baa:{v.key}"
            about = f"occurrence:{due.isoformat()}"
            if (officer, kind, f"{about}:{threshold}") in recorded:
                continue
            what = (
                f"Review the BAA of {v.name}" if v.baa_signed else f"Get a signed BAA from {v.name}"
            )
            out.setdefault(officer, []).append(ActivityDue(kind, what, due, threshold))
    owners = {s.kind: s.owner for s in p.repo.activity_schedules() if s.owner}
    if not owners:
        return out
    names = {k: v.name for k, v in kinds(p).items()}
    for o in all_occurrences(p, today + timedelta(days=ACTIVITY_LEAD_DAYS)):
        owner = owners.get(o.kind)
        if owner is None or o.status is OccurrenceStatus.DONE:
            continue
        threshold = "overdue" if o.status is OccurrenceStatus.OVERDUE else "due"
        about = f"occurrence:{o.on.isoformat()}"
        if (owner, o.kind, f"{about}:{threshold}") in recorded:
            continue
        if threshold == "due" and (o.on - today).days > ACTIVITY_LEAD_DAYS:
            continue
        out.setdefault(owner, []).append(ActivityDue(o.kind, names[o.kind], o.on, threshold))
    return out


@dataclass(frozen=True, slots=True)
class PersonReminder:
    person: Person
    items: tuple[DueItem, ...]
    activities: tuple[ActivityDue, ...] = ()

    @property
    def escalate(self) -> bool:
        return any(i.escalation for i in self.items)


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    as_of: date
    reminders: tuple[PersonReminder, ...]


def plan_reminders(p: Practice) -> ReminderPlan:
    """Who is due which reminder today, from the current state and the delivery ledger.

    Before expiry, the schedule's thresholds (the latest one reached and not yet sent; earlier
    ones missed are passed over). Once expired or missing, a repeat every N days counted from
    the last reminder actually sent for the item, so no two mails about one item come closer
    than N days. An escalation (admins in Cc) only rides on such a scheduled reminder, never
    alone, and not within the grace period after a person's start date.
    """
    config = mail_config(p)
    default = parse_schedule(config.schedule)
    overrides = {k: parse_schedule(v) for k, v in p.repo.schedules().items()}
    recorded: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    escalated: dict[tuple[str, str, str], int] = defaultdict(int)
    anchors: dict[tuple[str, str, str], date] = {}
    last_sent: dict[tuple[str, str, str], date] = {}
    stale = iso_utc(p.now - CLAIM_TIMEOUT)
    for e in p.repo.deliveries("reminder"):
        if e.status == "claimed" and e.at < stale:
            continue  # claimed by a run that died: due again
        key = (e.person_id or "", e.doctype or "", e.about or "")
        if e.threshold:
            recorded[key].add(e.threshold)
        if e.passed:
            recorded[key].update(e.passed.split(","))
        escalated[key] = max(escalated[key], e.escalation)
        if e.threshold == "missing+0" and e.threshold_date is not None:
            anchors[key] = e.threshold_date
        sent_on = p.local_date(e.at)
        if key not in last_sent or sent_on > last_sent[key]:
            last_sent[key] = sent_on
    today = p.today
    done_activities = {
        (e.person_id or "", e.doctype or "", f"{e.about}:{e.threshold}")
        for e in p.repo.deliveries("activity")
        if not (e.status == "claimed" and e.at < stale)
    }
    activity_items = plan_activity_reminders(p, done_activities)
    reminders = []
    for status in cred.evaluate_active(p):
        person = status.person
        new_hire = person.start is not None and (today - person.start).days < config.escalate_grace
        items = []
        for r in status.requirements:
            if r.status is Light.WAIVED or r.reason is Reason.NO_EXPIRY:
                continue
            if r.reason is Reason.MISSING:
                about = "missing"
                key = (person.id, r.doctype, about)
                start = anchors.get(key, today)
                reached = [Threshold("missing+0", start)] if start <= today else []
                repeat: int | None = config.missing_every
                red_since: date | None = start
            else:
                assert r.expires is not None
                about = f"expiry:{r.expires.isoformat()}"
                key = (person.id, r.doctype, about)
                schedule = overrides.get(r.doctype, default)
                reached = expiry_thresholds(r.expires, replace(schedule, every_after=None), today)
                repeat = schedule.every_after
                start = r.expires
                red_since = r.expires + timedelta(days=1) if r.status is Light.RED else None
            result = due_threshold(reached, recorded[key])
            due = result.due
            overdue = (red_since is not None and today >= red_since) or (r.reason is Reason.MISSING)
            if due is None and overdue and repeat:
                last = last_sent.get(key)
                offset = (today - start).days
                label = f"missing+{offset}" if r.reason is Reason.MISSING else f"+{offset}"
                if (last is None or (today - last).days >= repeat) and label not in recorded[key]:
                    due = Threshold(label, today)
            if due is None:
                continue
            step = 0 if new_hire else escalation_step(red_since, today, config.escalate_after)
            new_step = step if step > escalated[key] else 0
            items.append(DueItem(r, about, due, new_step, result.passed))
        owned = tuple(activity_items.pop(person.id, ()))
        if items or owned:
            reminders.append(PersonReminder(person, tuple(items), owned))
    p.touch("reminders")
    return ReminderPlan(today, tuple(reminders))


def why(r: RequirementStatus) -> str:
    from ctcm.render.views import why as explain

    return explain(r)


def headline(r: RequirementStatus) -> str:
    from ctcm.render.views import days

    match r.reason:
        case Reason.MISSING:
            return "is missing"
        case Reason.EXPIRED:
            return "has expired"
        case _:
            return "expires today" if r.days_left == 0 else f"expires in {days(r.days_left or 0)}"


def long_date(day: date, today: date) -> str:
    """'1 March 2027'; the year left out within the current one ('15 November')."""
    return f"{day.day} {day:%B}" if day.year == today.year else f"{day.day} {day:%B %Y}"


def say(r: RequirementStatus, today: date) -> str:
    """One item of a message, worded for its state (the one wording of every message)."""
    from ctcm.render.views import days

    if r.reason is Reason.MISSING:
        return f"{r.name}: not on file yet. Please send it."
    if r.status is Light.WAIVED:
        until = f" until {long_date(r.waived_until, today)}" if r.waived_until else ""
        return f"{r.name}: waived{until}."
    if r.expires is None:
        return f"{r.name}: on file (no expiry)."
    left = (r.expires - today).days
    when = long_date(r.expires, today)
    if left > 0:
        return f"{r.name}: expires on {when}, in {days(left)}."
    if left == 0:
        return f"{r.name}: expires today, {when}. Please renew it today."
    return f"{r.name}: expired on {when}, {days(-left)} ago. Renew it as soon as possible."


def _item_context(r: RequirementStatus, today: date) -> dict[str, Any]:
    return {
        "doctype": r.doctype,
        "name": r.name,
        "status": r.status.value,
        "why": why(r),
        "say": say(r, today),
        "headline": headline(r),
        "expires": r.expires.isoformat() if r.expires else None,
        "days_left": r.days_left,
    }


def reminder_context(
    practice: str,
    person: Person,
    reminder_items: Iterable[RequirementStatus],
    escalated: bool,
    instructions: str,
    as_of: date,
) -> dict[str, Any]:
    items = [_item_context(r, as_of) for r in reminder_items]
    return {
        "practice": practice,
        "as_of": as_of.isoformat(),
        "person": {"name": person.name},
        "items": items,
        "activities": [],
        "urgent": any(i["status"] == "red" for i in items),
        "escalated": escalated,
        "instructions": instructions,
    }


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

    def admins(self) -> list[Address]:
        from ctcm.mail.message import parse_address

        return [parse_address(a, "admin address") for a in self.config.admins]

    def message(
        self, kind: str, context: dict[str, Any], to: list[Address], cc: list[Address] | None = None
    ) -> Any:
        from ctcm.mail.message import build_message
        from ctcm.render.templates import render_email

        rendered = render_email(self.templates, kind, context)
        return build_message(
            self.sender,
            to,
            rendered.subject,
            rendered.text,
            rendered.html,
            self.p.now,
            cc=cc,
            reply_to=self.reply_to,
        )


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


def prepare_reminders(p: Practice, channel: str | None) -> tuple[DeliveryReport, list[Outgoing]]:
    """The plan, and with a channel the messages: one per person listing all their due items,
    each item recorded (once delivered) with the earlier thresholds it passed over."""
    plan = plan_reminders(p)
    report = DeliveryReport(plan.as_of, "reminder", channel)
    admin_addresses = mail_config(p).admins

    def copied(person: Person) -> list[str]:
        """Admins to copy on an escalation: each once, never the person themselves."""
        seen = {person.email.lower()}
        out = []
        for address in admin_addresses:
            if address.lower() not in seen:
                seen.add(address.lower())
                out.append(address)
        return out

    for reminder in plan.reminders:
        if reminder.escalate and not admin_addresses:
            report.notes.append(
                "escalations have nowhere to go: no admins are configured "
                "(ctcm mail configure --admins a@x,b@y)"
            )
        report.due.append(
            {
                "person": reminder.person.id,
                "name": reminder.person.name,
                "email": reminder.person.email,
                "cc_admins": reminder.escalate and bool(copied(reminder.person)),
                "items": [
                    {
                        "doctype": i.requirement.doctype,
                        "status": i.requirement.status.value,
                        "why": why(i.requirement),
                        "expires": i.requirement.expires.isoformat()
                        if i.requirement.expires
                        else None,
                        "threshold": i.threshold.key if i.threshold else None,
                        "escalation": i.escalation,
                    }
                    for i in reminder.items
                ],
                "activities": [
                    {"kind": a.kind, "date": a.on.isoformat(), "threshold": a.threshold}
                    for a in reminder.activities
                ],
            }
        )
    if channel is None:
        return report, []
    from ctcm.mail.message import parse_address

    mailer = Mailer(p, channel)
    outgoing = []
    for reminder in plan.reminders:
        person = reminder.person
        cc = (
            [parse_address(a, "admin address") for a in copied(person)] if reminder.escalate else []
        )
        context = reminder_context(
            mailer.practice,
            person,
            [i.requirement for i in reminder.items],
            bool(cc),
            mailer.config.instructions,
            plan.as_of,
        )
        context["activities"] = [a.say(plan.as_of) for a in reminder.activities]
        recipients = ",".join([person.email, *(a.addr_spec for a in cc)])
        entries = [
            LedgerEntry(
                kind="reminder",
                status="sent",
                at=p.now_iso,
                person_id=person.id,
                doctype=item.requirement.doctype,
                about=item.about,
                threshold=item.threshold.key if item.threshold else "escalation",
                threshold_date=item.threshold.on if item.threshold else plan.as_of,
                passed=",".join(t.key for t in item.passed) or None,
                # an escalation with no one to copy is not spent: it goes once admins exist
                escalation=item.escalation if cc else 0,
                channel=channel,
                recipients=recipients,
                note=p.rehearsal,
            )
            for item in reminder.items
        ] + [
            LedgerEntry(
                kind="activity",
                status="sent",
                at=p.now_iso,
                person_id=person.id,
                doctype=a.kind,
                about=f"occurrence:{a.on.isoformat()}",
                threshold=a.threshold,
                threshold_date=a.on,
                channel=channel,
                recipients=person.email,
                note=p.rehearsal,
            )
            for a in reminder.activities
        ]
        outgoing.append(
            Outgoing(
                mailer.message("reminder", context, [person_address(person)], cc),
                f"{plan.as_of}-reminder-{person.id}",
                person.id,
                entries,
            )
        )
    return report, outgoing


# ============================================================================ status mails


def status_context(
    practice: str, status: PersonStatus, instructions: str, as_of: date
) -> dict[str, Any]:
    requirements = [_item_context(r, as_of) for r in status.requirements]
    return {
        "practice": practice,
        "as_of": as_of.isoformat(),
        "person": {"name": status.person.name},
        "status": status.status.value,
        "groups": [
            {"light": light, "items": [r for r in requirements if r["status"] == light]}
            for light in ("red", "yellow", "green", "waived")
            if any(r["status"] == light for r in requirements)
        ],
        "requirements": requirements,
        "to_renew": any(r.status.severity > 0 for r in status.requirements),
        "instructions": instructions,
    }


def prepare_status_notices(
    p: Practice, person_id: str | None, channel: str
) -> tuple[DeliveryReport, list[Outgoing]]:
    """Each person's own lights, and nobody else's."""
    statuses = [cred.person_status(p, person_id)] if person_id else cred.evaluate_active(p)
    mailer = Mailer(p, channel)
    report = DeliveryReport(p.today, "status", channel)
    outgoing = []
    for status in statuses:
        person = status.person
        msg = mailer.message(
            "status",
            status_context(mailer.practice, status, mailer.config.instructions, p.today),
            [person_address(person)],
        )
        entry = LedgerEntry(
            kind="status",
            status="sent",
            at=p.now_iso,
            person_id=person.id,
            channel=channel,
            recipients=person.email,
            note=p.rehearsal,
        )
        outgoing.append(Outgoing(msg, f"{p.today}-status-{person.id}", person.id, [entry]))
    return report, outgoing


# ============================================================================ digest


@dataclass(frozen=True, slots=True)
class DigestSection:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    intro: str = ""


@dataclass(frozen=True, slots=True)
class DigestView:
    practice: str
    month: str
    as_of: date
    summary: dict[str, int]
    sections: tuple[DigestSection, ...]


def _attention_section(p: Practice, board: Dashboard) -> DigestSection | None:
    rows = []
    for s in sorted(board.people, key=lambda s: (-s.status.severity, s.person.name)):
        if s.status.severity == 0:
            continue
        problems = "; ".join(f"{r.name}: {why(r)}" for r in s.requirements if r.status.severity)
        rows.append((s.person.name, s.status.value.upper(), problems))
    return DigestSection("People needing attention", ("Person", "Status", "Why"), tuple(rows))


def _upcoming_section(p: Practice, board: Dashboard) -> DigestSection | None:
    horizon = board.as_of + timedelta(days=60)
    rows = sorted(
        (r.expires.isoformat(), s.person.name, r.name, str(r.days_left))
        for s in board.people
        for r in s.requirements
        if r.expires is not None
        and board.as_of <= r.expires <= horizon
        and r.status is not Light.WAIVED
    )
    return DigestSection(
        "Expiring in the next 60 days", ("Expires", "Person", "Document", "Days left"), tuple(rows)
    )


def _program_section(p: Practice, board: Dashboard) -> DigestSection | None:
    from ctcm.render.views import worst_light
    from ctcm.services.program import program_sections
    from ctcm.services.riskprogram import program_status

    program = program_status(p)
    sections = program_sections(p)
    rows = [("Attention", line) for line in program.plain_warnings]
    rows += [(section.key.capitalize(), line) for section in sections for line in section.plain]
    rows += [
        ("Open risk", f"{scenario} {title} ({level})")
        for scenario, title, level in program.open_high_risks
        if (scenario, title, level) not in program.unplanned_high_risks
    ]
    light = worst_light(program, sections)
    return DigestSection(
        f"Security program: {light.value.upper()}",
        ("Kind", "Detail"),
        tuple(rows),
        "The risk analysis (only a finalized one counts), security tasks and open high risks, "
        "the compliance calendar, incidents, vendors and devices.",
    )


def _evidence_section(p: Practice, board: Dashboard) -> DigestSection:
    """What the vault held when the digest was made, kept in the admins' mailboxes: a vault
    that later does not continue from this generation and audit head was rolled back or
    altered (compare with 'ctcm audit head')."""
    return DigestSection(
        "Evidence for your records",
        ("Item", "Value"),
        (
            ("Vault generation", str(p.generation)),
            ("Audit entries", str(p.repo.audit_count())),
            ("Audit head (SHA-256)", p.repo.audit_head()),
        ),
        "Keep this message: it is evidence of what the practice's vault held on this date. "
        "Any later state of the vault must have a higher generation and an audit trail that "
        "contains this head.",
    )


# Later features (incidents, vendors, training...) append their own section builders.
DIGEST_SECTIONS: list[Callable[[Practice, Dashboard], DigestSection | None]] = [
    _attention_section,
    _upcoming_section,
    _program_section,
    _evidence_section,
]


def digest_view(p: Practice) -> DigestView:
    board = cred.dashboard(p)
    summary = board.summary() | {"total": len(board.people)}
    sections = tuple(s for build in DIGEST_SECTIONS if (s := build(p, board)) is not None)
    return DigestView(board.practice, board.as_of.strftime("%Y-%m"), board.as_of, summary, sections)


def digest_context(view: DigestView) -> dict[str, Any]:
    return {
        "practice": view.practice,
        "month": view.month,
        "as_of": view.as_of.isoformat(),
        "summary": view.summary,
        "sections": [
            {
                "title": s.title,
                "intro": s.intro,
                "columns": list(s.columns),
                "rows": [list(r) for r in s.rows],
            }
            for s in view.sections
        ],
    }


def prepare_digest(
    p: Practice, channel: str, force: bool = False
) -> tuple[DeliveryReport, list[Outgoing]]:
    """The practice-wide digest to each admin, at most once per calendar month unless forced
    (a message another run has claimed counts as sent)."""
    mailer = Mailer(p, channel)
    admins = mailer.admins()
    if not admins:
        raise InvalidInput("no admins to send the digest to: ctcm mail configure --admins a@x,b@y")
    view = digest_view(p)
    report = DeliveryReport(view.as_of, "digest", channel)
    already = {
        e.recipients
        for e in p.repo.deliveries("digest")
        if e.period == view.month and e.status in ("sent", "claimed")
    }
    context = digest_context(view)
    outgoing = []
    for admin in admins:
        if admin.addr_spec in already and not force:
            report.skipped.append(admin.addr_spec)
            continue
        entry = LedgerEntry(
            kind="digest",
            status="sent",
            at=p.now_iso,
            channel=channel,
            recipients=admin.addr_spec,
            period=view.month,
            note=p.rehearsal,
        )
        outgoing.append(
            Outgoing(
                mailer.message("digest", context, [admin]),
                f"{view.month}-digest-{admin.addr_spec}",
                admin.addr_spec,
                [entry],
            )
        )
    p.touch(f"digest:{view.month}")
    return report, outgoing


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
    kinds = ("reminder", "activity", "status", "digest", "test", "awareness")
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


# ============================================================================ templates


def sample_contexts(practice: str, instructions: str, as_of: date) -> dict[str, dict[str, Any]]:
    """Realistic sample data for every message template (``ctcm mail templates check``)."""
    person = Person("sample", "Sam Sample", "sam@example.org")
    expiring = RequirementStatus(
        "state-license",
        "State professional license",
        Light.YELLOW,
        Reason.EXPIRING,
        as_of + timedelta(days=14),
        14,
        1,
        None,
    )
    missing = RequirementStatus(
        "hipaa-training", "HIPAA training", Light.RED, Reason.MISSING, None, None, None, None
    )
    status = PersonStatus(person, Light.RED, (expiring, missing))
    view = DigestView(
        practice,
        as_of.strftime("%Y-%m"),
        as_of,
        {"green": 3, "yellow": 1, "red": 1, "total": 5},
        (
            DigestSection(
                "People needing attention",
                ("Person", "Status", "Why"),
                (("Sam Sample", "RED", "HIPAA training: missing"),),
            ),
        ),
    )
    return {
        "reminder": reminder_context(
            practice, person, [expiring, missing], True, instructions, as_of
        ),
        "status": status_context(practice, status, instructions, as_of),
        "digest": digest_context(view),
        "test": {"practice": practice, "as_of": as_of.isoformat()},
        "awareness": _awareness_sample(practice),
    }


def _awareness_sample(practice: str) -> dict[str, Any]:
    from ctcm.services.awareness import sample_context

    return sample_context(practice)


def check_message_templates(p: Practice) -> list[str]:
    from ctcm.render.templates import check_templates, make_environment

    config = mail_config(p)
    env = make_environment(p.vault.root / "templates")
    p.touch("templates")
    return check_templates(
        env, sample_contexts(p.settings.get("practice_name", ""), config.instructions, p.today)
    )
