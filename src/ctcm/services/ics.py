"""The compliance calendar as an RFC 5545 file (for Google Calendar, Outlook, Apple Calendar).

One series per obligation: recurring activities are events with their RRULE; document expiries,
mitigation tasks, the risk analysis review, breach notice deadlines, BAA reviews and device
audits are all-day events. Each has a UID from the obligation's stable identity, so a renewal
moves its event (SEQUENCE goes up) instead of adding one, and importing an updated file updates
events instead of adding copies. An expiry stands on its renew-by day with the expiry date in
its description; anything overdue is an event dated today, not one in the past; each event
carries an alarm at its warn window and says what to do and the command that records it. No
identifier or note: at most a type of document and a short name ("CPR card expires: J.
Rivera"), and with ``private`` not even that. An incident's title is its number and the notice
due, never its summary.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, timedelta

from ctcm.domain.credentials import Light, Reason
from ctcm.errors import InvalidInput
from ctcm.services.practice import Practice


def short_name(name: str) -> str:
    """'Julia Rivera' -> 'J. Rivera' (a calendar is shared more widely than the vault)."""
    parts = name.split()
    if len(parts) < 2:
        return parts[0] if parts else ""
    return f"{parts[0][0]}. {parts[-1]}"


def _uid(vault_id: str, ref: str) -> str:
    return hashlib.sha256(f"{vault_id}|{ref}".encode()).hexdigest()[:32] + "@ctcm"


# Written directly rather than through icalendar's object model, which took 4 of the 5.5 s of
# an export for 10,000 people; the tests parse every export back with icalendar.
_RECUR = re.compile(r"[A-Z0-9=;,+-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # TEXT allows none but tab


def _text(value: str) -> str:
    """An RFC 5545 TEXT value (3.3.11): backslash, semicolon, comma and newlines escaped,
    other control characters dropped."""
    return (
        _CONTROL.sub("", value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> bytes:
    """One content line, folded at 75 octets without splitting a UTF-8 character (3.1)."""
    raw = line.encode()
    if len(raw) <= 75:
        return raw + b"\r\n"
    out, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:  # inside a character: back off
            end -= 1
        out.append(raw[start:end])
        start, limit = end, 74  # continuation lines start with a space
    return b"\r\n ".join(out) + b"\r\n"


def _recur(rule: str, kind: str) -> str:
    """A stored rule as an RRULE value. Rules are checked and normalised when set
    (domain.activities.check_rrule); one that is not is refused, never written half-right."""
    if _RECUR.fullmatch(rule):
        return rule
    raise InvalidInput(
        f"the schedule of {kind} holds {rule!r}, not an RRULE: set it again "
        f"(ctcm calendar set {kind} --rrule ...)"
    )


def _action(area: str) -> str:
    return {
        "vendors": "Review or sign the BAA: ctcm log add baa-review --field vendor=KEY, "
        "or ctcm vendor baa KEY --signed DATE",
        "devices": "Audit the device: ctcm device audit KEY --encrypted yes --screen-lock yes",
        "incidents": "Give the notice, then: ctcm incident notify ID --to WHOM --date DATE",
    }.get(area, "")


def build_ics(p: Practice, days: int, person: str | None, private: bool) -> bytes:
    from ctcm.areas.activities.service import kinds
    from ctcm.areas.credentials import service as cred

    if person is not None:
        cred.get_person(p, person)
    today = p.today
    until = today + timedelta(days=days)
    vid = p.header["vault_id"]
    practice = p.settings.get("practice_name", "")
    lines = [
        b"BEGIN:VCALENDAR\r\n",
        _fold("PRODID:-//ctcm//compliance calendar//EN"),
        b"VERSION:2.0\r\n",
        b"CALSCALE:GREGORIAN\r\n",
        _fold("X-WR-CALNAME:" + _text(f"{practice} compliance" if practice else "Compliance")),
    ]
    stamp = p.now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def event(
        ref: str,
        summary: str,
        start: date,
        rule: str | None = None,
        what: str = "",
        warn: int = 0,
        sequence: int = 0,
    ) -> None:
        recur = [_fold(f"RRULE:{_recur(rule, ref.removeprefix('activity:'))}")] if rule else []
        overdue = rule is None and start < today
        day = today if overdue else start
        title = f"OVERDUE: {summary}" if overdue else summary
        note = (f"Overdue since {start.isoformat()}. " if overdue else "") + what
        alarm = (
            [
                b"BEGIN:VALARM\r\nACTION:DISPLAY\r\n",
                _fold(f"DESCRIPTION:{_text(title)}"),
                f"TRIGGER;RELATED=START:-P{warn}D\r\nEND:VALARM\r\n".encode(),
            ]
            if not overdue
            else []
        )
        lines.extend(
            (
                b"BEGIN:VEVENT\r\n",
                _fold(f"SUMMARY:{_text(title)}"),
                *([_fold(f"DESCRIPTION:{_text(note)}")] if note else []),
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}\r\n".encode(),
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}\r\n".encode(),
                f"DTSTAMP:{stamp}\r\nUID:{_uid(vid, ref)}\r\nSEQUENCE:{sequence}\r\n".encode(),
                *recur,
                b"TRANSP:TRANSPARENT\r\n",
                *alarm,
                b"END:VEVENT\r\n",
            )
        )

    from ctcm.areas.activities.service import schedule_occurrences
    from ctcm.domain.activities import occurrence_dates
    from ctcm.program.model import State

    names = kinds(p)
    schedules = p.repo.activity_schedules()
    scheduled = {s.kind for s in schedules}
    occurrences = schedule_occurrences(p, today)
    for s in schedules:
        if person is not None and s.owner != person:
            continue
        # DTSTART must be the first occurrence itself, or calendars show an extra one
        first = occurrence_dates(s.rrule, s.start, s.start + timedelta(days=800))
        record = f"Record it: ctcm log add {s.kind}"
        if first:
            event(f"activity:{s.kind}", names[s.kind].name, first[0], s.rrule, record, 7)
        late = [o for o in occurrences.get(s.kind, []) if o.state is State.OVERDUE]
        for o in late:  # the open one, as something to do today
            event(
                f"activity:{s.kind}:overdue",
                names[s.kind].name,
                o.due,
                None,
                f"{record} --for {o.due.isoformat()}",
            )
    doctypes = p.repo.doctypes()
    counts = p.repo.document_counts()
    for status in cred.evaluate_active(p):
        who = status.person
        if person is not None and who.id != person:
            continue
        label = "" if private else f": {short_name(who.name)}"
        for r in status.requirements:
            if not r.is_document and r.kind != "manual":
                continue  # exclusion screening: its own area's events
            ref = f"doc:{who.id}:{r.doctype}"
            sequence = counts.get((who.id, r.doctype), 0)
            if r.reason is Reason.UNACKNOWLEDGED and r.expires is not None:
                event(
                    f"{ref}:v{r.manual_version}",
                    f"{r.name}: acknowledgment due{label}",
                    r.expires,
                    what="Read the manual in force and acknowledge it: ctcm manual ack PERSON",
                    warn=7,
                )
            elif r.reason is Reason.MISSING:
                what = f"Send it in, then: ctcm doc add PERSON {r.doctype}"
                event(ref, f"{r.name} missing{label}", today, what=what, sequence=sequence)
            elif r.expires is not None and r.expires <= until and r.status is not Light.WAIVED:
                dt = doctypes.get(r.doctype)
                lead = dt.warn_days if dt is not None and dt.warn_days is not None else p.warn_days
                event(
                    ref,
                    f"Renew {r.name}{label}",
                    max(r.expires - timedelta(days=lead), today)
                    if r.expires >= today
                    else r.expires,
                    what=f"Expires {r.expires.isoformat()}. Renew it, then record the new one: "
                    f"ctcm doc add PERSON {r.doctype} --issued DATE",
                    warn=7,
                    sequence=sequence,
                )
    for t in p.repo.tasks():
        if t.status.closed or t.due > until or (person is not None and t.owner != person):
            continue
        event(
            f"task:{t.id}",
            f"Security task {t.id} due (mitigation plan)",
            t.due,
            what=f"Do it, then: ctcm risk task done {t.id}",
            warn=7,
        )
    from ctcm.areas.risk.program import program_status

    program = program_status(p)
    review = program.review_due
    # the risk review is defined once: the calendar's risk-analysis activity when scheduled
    if person is None and "risk-analysis" not in scheduled and review and review <= until:
        event(
            "risk-analysis-review",
            "Risk analysis review due",
            review,
            what="Review the risk analysis: ctcm risk new, then ctcm risk finalize ID --by PERSON",
            warn=30,
        )
    from ctcm.areas.assets.service import assets_due
    from ctcm.areas.incidents.service import incidents_due

    # breach notice deadlines, BAA reviews and device audits: the same items as `ctcm due`
    # (incident titles never carry the summary; --private leaves out vendor and device keys)
    vendors = p.repo.vendors() if private else {}
    for item in [*incidents_due(p, until), *assets_due(p, until)]:
        if person is not None and item.who != person:
            continue
        summary = item.what
        if private and item.area == "vendors":
            unsigned = vendors[item.ref.split(":", 1)[1]].baa_signed is None
            summary = f"Business associate: BAA {'missing' if unsigned else 'review due'}"
        elif private and item.area == "devices":
            red = item.light is Light.RED
            summary = f"Device: {'fix encryption or screen lock' if red else 'audit due'}"
        if item.area == "devices" and item.light is not Light.RED and "device-audit" in scheduled:
            continue  # the calendar's device-audit activity is the one audit series
        event(item.ref, summary, item.on, what=_action(item.area), warn=7)
    p.touch("calendar:ics", *([f"person:{person}"] if person else []))
    lines.append(b"END:VCALENDAR\r\n")
    return b"".join(lines)
