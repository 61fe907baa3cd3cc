"""Expiry reminders: planned from the state of the vault and the delivery ledger (each
threshold once, catch-up without bursts, escalation in Cc); the personnel status mails are in
areas/credentials/statusmail.py.

Messages carry names, document type names, dates and statuses only: never document numbers,
notes, attachments, other people's data, incident descriptions or risk findings (an owner's
activity reminder names the activity and its date; the privacy official's, the vendor).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from ctcm.areas.activities.reminders import ActivityDue, plan_activity_reminders
from ctcm.areas.credentials import service as cred
from ctcm.areas.credentials.inbox import Rejection, pending_rejections
from ctcm.domain.credentials import (
    Light,
    Person,
    Reason,
    RequirementStatus,
)
from ctcm.domain.dates import long_date
from ctcm.domain.reminders import (
    LedgerEntry,
    Threshold,
    due_threshold,
    escalation_step,
    expiry_thresholds,
    parse_schedule,
)
from ctcm.services.messaging import (
    DeliveryReport,
    Mailer,
    Outgoing,
    mail_config,
    person_address,
    stale_claims,
)
from ctcm.services.practice import Practice

# ============================================================================ reminders


@dataclass(frozen=True, slots=True)
class DueItem:
    requirement: RequirementStatus
    about: str
    threshold: Threshold | None
    escalation: int  # a new escalation step reached (admins in Cc), else 0
    passed: tuple[Threshold, ...]


@dataclass(frozen=True, slots=True)
class PersonReminder:
    person: Person
    items: tuple[DueItem, ...]
    activities: tuple[ActivityDue, ...] = ()
    rejections: tuple[Rejection, ...] = ()  # submissions refused, the reason not yet told

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
    stale = stale_claims(p)
    for e in p.repo.deliveries("reminder"):
        if e.status == "claimed" and e.message_id in stale:
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
        if not (e.status == "claimed" and e.message_id in stale)
    }
    activity_items = plan_activity_reminders(p, done_activities)
    rejections = pending_rejections(p)
    reminders = []
    for status in cred.evaluate_active(p):
        person = status.person
        new_hire = person.start is not None and (today - person.start).days < config.escalate_grace
        items = []
        for r in status.requirements:
            if not r.for_person:
                continue  # the office's to do (exclusion screening): never in the person's mail
            if r.status is Light.WAIVED or r.reason is Reason.NO_EXPIRY or r.provided:
                continue  # a document the practice obtains is the office's to do, not theirs
            if r.reason is Reason.ACKNOWLEDGED:
                continue
            if r.reason is Reason.UNACKNOWLEDGED:
                # the manual in force, not yet read: once now, then every N days like a
                # missing document; red (and escalated) only after its due date
                assert r.expires is not None
                about = f"manual:v{r.manual_version}"
                key = (person.id, r.doctype, about)
                start = anchors.get(key, today)
                reached = [Threshold("missing+0", start)]
                repeat: int | None = config.missing_every
                red_since: date | None = (
                    r.expires + timedelta(days=1) if r.status is Light.RED else None
                )
                late_from = r.expires if red_since else None
            elif r.reason is Reason.MISSING:
                about = "missing"
                key = (person.id, r.doctype, about)
                start = anchors.get(key, today)
                reached = [Threshold("missing+0", start)] if start <= today else []
                repeat = config.missing_every
                red_since = late_from = start
            else:
                assert r.expires is not None
                about = f"expiry:{r.expires.isoformat()}"
                key = (person.id, r.doctype, about)
                schedule = overrides.get(r.doctype, default)
                reached = expiry_thresholds(r.expires, replace(schedule, every_after=None), today)
                repeat = schedule.every_after
                start = r.expires
                red_since = r.expires + timedelta(days=1) if r.status is Light.RED else None
                late_from = r.expires if red_since else None
            result = due_threshold(reached, recorded[key])
            due = result.due
            pending = r.reason in (Reason.MISSING, Reason.UNACKNOWLEDGED)
            overdue = (red_since is not None and today >= red_since) or pending
            if due is None and overdue and repeat:
                last = last_sent.get(key)
                offset = (today - start).days
                label = f"missing+{offset}" if pending else f"+{offset}"
                if (last is None or (today - last).days >= repeat) and label not in recorded[key]:
                    due = Threshold(label, today)
            if due is None or last_sent.get(key) == today - timedelta(days=1):
                continue  # never two days running about one item: it waits for tomorrow
            step = 0 if new_hire else escalation_step(late_from, today, config.escalate_after)
            new_step = step if step > escalated[key] else 0
            items.append(DueItem(r, about, due, new_step, result.passed))
        owned = tuple(activity_items.pop(person.id, ()))
        refused = tuple(rejections.get(person.id, ()))
        if items or owned or refused:
            reminders.append(PersonReminder(person, tuple(items), owned, refused))
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
        case Reason.UNACKNOWLEDGED:
            return "is waiting for you to read and acknowledge it"
        case Reason.EXPIRED:
            return "has expired"
        case _:
            return "expires today" if r.days_left == 0 else f"expires in {days(r.days_left or 0)}"


def say(r: RequirementStatus, today: date) -> str:
    """One item of a message, worded for its state (the one wording of every message)."""
    from ctcm.render.views import days

    if r.reason is Reason.MISSING and r.provided:
        return f"{r.name}: not on file yet; the office takes care of it."
    if r.reason is Reason.MISSING:
        return f"{r.name}: not on file yet. Please send it."
    if r.reason is Reason.ACKNOWLEDGED:
        return f"{r.name}: read and acknowledged on {long_date(r.acknowledged or today, today)}."
    if r.reason is Reason.UNACKNOWLEDGED and r.expires is not None:
        when = long_date(r.expires, today)
        if r.expires < today:
            return f"{r.name}: please read it and sign its acknowledgment; it was due on {when}."
        return f"{r.name}: please read it and sign its acknowledgment by {when}."
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


URGENCY = ("overdue", "this week", "soon")  # most urgent first: the order of every message


def urgency(r: RequirementStatus, today: date) -> str:
    """How soon an item in a message needs doing: never a light (a reminder lists only what
    needs attention, so nothing in it reads GREEN)."""
    if r.status is Light.RED:
        return "overdue"
    if r.expires is not None and (r.expires - today).days <= 7:
        return "this week"
    return "soon"


def by_urgency(items: Iterable[RequirementStatus], today: date) -> list[RequirementStatus]:
    """Overdue first, then this week, then soon; the earliest date first within each."""
    return sorted(
        items, key=lambda r: (URGENCY.index(urgency(r, today)), r.expires or date.min, r.name)
    )


def item_context(r: RequirementStatus, today: date) -> dict[str, Any]:
    return {
        "urgency": urgency(r, today),
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
    manual_hint: str = "",
) -> dict[str, Any]:
    """Documents in ``items``; the manual to read and acknowledge in ``manual`` (with where to
    find it), so a reminder never asks for a scan of a manual."""
    listed = by_urgency(reminder_items, as_of)
    items = [item_context(r, as_of) for r in listed if r.is_document]
    manual = [item_context(r, as_of) for r in listed if not r.is_document]
    return {
        "practice": practice,
        "as_of": as_of.isoformat(),
        "person": {"name": person.name},
        "items": items,
        "manual": manual,
        "manual_hint": manual_hint,
        "activities": [],
        "rejections": [],
        "urgent": any(i["status"] == "red" for i in items + manual),
        "escalated": escalated,
        "instructions": instructions,
    }


def submit_hint(p: Practice, person_id: str) -> str:
    """How a person sends in a renewed document themselves, once the practice has a
    submission key (ctcm inbox key); else nothing."""
    if "inbox" not in p.header:
        return ""
    from ctcm.areas.credentials.inbox import drop_dir

    return (
        "You can also send a renewed document yourself, sealed so only the practice can open "
        f"it: ctcm submit --key <the practice's key file> --person {person_id} --type TYPE "
        f"--file SCAN --out {drop_dir(p)}"
    )


def manual_hint(p: Practice) -> str:
    """Where staff find the manual and whom they tell once read (from the manual's answers)."""
    answers = p.repo.manual_answers()
    where = answers.get("manual_location")
    who = answers.get("security_official") or answers.get("privacy_official")
    text = f"You will find the manual {where}." if where else ""
    if who:
        text += f" Once you have read it, sign its acknowledgment with {who}."
    return text.strip() or "Ask the office where to find the manual and how to acknowledge it."


def prepare_reminders(p: Practice, channel: str | None) -> tuple[DeliveryReport, list[Outgoing]]:
    """The plan, and with a channel the messages: one per person listing all their due items,
    each item recorded (once delivered) with the earlier thresholds it passed over."""
    plan = plan_reminders(p)
    report = DeliveryReport(plan.as_of, "reminder", channel)
    admin_addresses = mail_config(p).admins

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
                "escalated": reminder.escalate and bool(admin_addresses),
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
                "rejections": [
                    {"doctype": r.doctype, "on": r.on.isoformat(), "reason": r.reason}
                    for r in reminder.rejections
                ],
            }
        )
    if channel is None:
        return report, []

    mailer = Mailer(p, channel)
    outgoing = []
    names = {k: d.name for k, d in p.repo.doctypes().items()}
    hint = (
        manual_hint(p)
        if any(not i.requirement.is_document for r in plan.reminders for i in r.items)
        else ""
    )
    escalated_people = []
    for reminder in plan.reminders:
        person = reminder.person
        # admins are told in one message of their own per run (below), never copied here
        notified = reminder.escalate and bool(admin_addresses)
        if notified:
            escalated_people.append(
                {
                    "name": person.name,
                    "id": person.id,
                    "lines": [
                        say(i.requirement, plan.as_of) for i in reminder.items if i.escalation
                    ],
                }
            )
        context = reminder_context(
            mailer.practice,
            person,
            [i.requirement for i in reminder.items],
            notified,
            mailer.config.instructions,
            plan.as_of,
            hint,
        )
        context["activities"] = [
            a.say(plan.as_of)
            for a in sorted(reminder.activities, key=lambda a: (a.threshold != "overdue", a.on))
        ]
        context["rejections"] = [r.say(names) for r in reminder.rejections]
        recipients = person.email
        entries = (
            [
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
                    # an escalation with no one to tell is not spent: it goes once admins exist
                    escalation=item.escalation if notified else 0,
                    channel=channel,
                    recipients=recipients,
                    note=p.rehearsal,
                )
                for item in reminder.items
            ]
            + [
                LedgerEntry(
                    kind="activity",
                    status="sent",
                    at=p.now_iso,
                    person_id=person.id,
                    doctype=a.kind,
                    about=a.ledger_about,
                    threshold=a.threshold,
                    threshold_date=a.on,
                    channel=channel,
                    recipients=person.email,
                    note=p.rehearsal,
                )
                for a in reminder.activities
            ]
            + [
                LedgerEntry(
                    kind="rejection",
                    status="sent",
                    at=p.now_iso,
                    person_id=person.id,
                    doctype=r.doctype,
                    about=r.about,
                    threshold="told",
                    threshold_date=plan.as_of,
                    channel=channel,
                    recipients=person.email,
                    note=p.rehearsal,
                )
                for r in reminder.rejections
            ]
        )
        outgoing.append(
            Outgoing(
                mailer.message("reminder", context, [person_address(person)]),
                f"{plan.as_of}-reminder-{person.id}",
                person.id,
                entries,
            )
        )
    from ctcm.services.escalation import escalations

    outgoing += escalations(p, mailer, plan.as_of, escalated_people, admin_addresses)
    return report, outgoing
