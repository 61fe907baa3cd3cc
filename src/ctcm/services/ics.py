"""The compliance calendar as an RFC 5545 file (for Google Calendar, Outlook, Apple Calendar).

Recurring activities are events with their RRULE; document expiries, mitigation tasks, the
risk analysis review, breach notice deadlines, BAA reviews and device audits are all-day
events. Every event has a UID that stays the same across exports (so importing an updated file
updates events instead of adding copies), and carries no identifier or note: at most a type of
document and a short name ("CPR card expires: J. Rivera"), and with ``private`` not even that.
An incident's title is its number and the notice due, never its summary.
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


def build_ics(p: Practice, days: int, person: str | None, private: bool) -> bytes:
    from ctcm.services import credentials as cred
    from ctcm.services.activities import kinds

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

    def event(ref: str, summary: str, start: date, rule: str | None = None) -> None:
        recur = [_fold(f"RRULE:{_recur(rule, ref.removeprefix('activity:'))}")] if rule else []
        lines.extend(
            (
                b"BEGIN:VEVENT\r\n",
                _fold(f"SUMMARY:{_text(summary)}"),
                f"DTSTART;VALUE=DATE:{start:%Y%m%d}\r\n".encode(),
                f"DTEND;VALUE=DATE:{start + timedelta(days=1):%Y%m%d}\r\n".encode(),
                f"DTSTAMP:{stamp}\r\nUID:{_uid(vid, ref)}\r\n".encode(),
                *recur,
                b"TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n",
            )
        )

    from ctcm.domain.activities import occurrence_dates

    names = kinds(p)
    for s in p.repo.activity_schedules():
        if person is not None and s.owner != person:
            continue
        # DTSTART must be the first occurrence itself, or calendars show an extra one
        first = occurrence_dates(s.rrule, s.start, s.start + timedelta(days=800))
        if first:
            event(f"activity:{s.kind}", names[s.kind].name, first[0], s.rrule)
    for status in cred.evaluate_active(p):
        who = status.person
        if person is not None and who.id != person:
            continue
        label = "" if private else f": {short_name(who.name)}"
        for r in status.requirements:
            ref = f"doc:{who.id}:{r.doctype}"
            if r.reason is Reason.UNACKNOWLEDGED and r.expires is not None:
                event(
                    f"{ref}:v{r.manual_version}", f"{r.name}: acknowledgment due{label}", r.expires
                )
            elif r.reason is Reason.MISSING:
                event(ref, f"{r.name} missing{label}", today)
            elif r.expires is not None and r.expires <= until and r.status is not Light.WAIVED:
                event(f"{ref}:{r.expires}", f"{r.name} expires{label}", r.expires)
    for t in p.repo.tasks():
        if t.status.closed or t.due > until or (person is not None and t.owner != person):
            continue
        event(f"task:{t.id}", f"Security task {t.id} due (mitigation plan)", t.due)
    from ctcm.services.riskprogram import program_status

    program = program_status(p)
    if person is None and program.review_due is not None and program.review_due <= until:
        event("risk-analysis-review", "Risk analysis review due", program.review_due)
    from ctcm.services.assets import assets_due
    from ctcm.services.incidents import incidents_due

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
        event(item.ref, summary, item.on)
    p.touch("calendar:ics", *([f"person:{person}"] if person else []))
    lines.append(b"END:VCALENDAR\r\n")
    return b"".join(lines)
