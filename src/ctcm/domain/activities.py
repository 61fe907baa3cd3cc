"""Security activities: kinds, log entries, recurring schedules and whether each occurrence was
done (pure: stdlib and dateutil only).

An occurrence on day d is *done* when a log entry of its kind falls in d's window: from halfway
after the previous occurrence to halfway before the next one, so each entry counts for exactly
one occurrence, early or late. Not done: *upcoming*, *due soon* (within the warning days),
*overdue* once d has passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from ctcm.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class ActivityKind:
    key: str
    name: str
    citations: tuple[str, ...]
    cadence: str  # the default RRULE (RFC 5545), e.g. "FREQ=MONTHLY;BYMONTHDAY=1"
    fields: tuple[str, ...] = ()  # what an entry of this kind records besides date and note
    why: str = ""  # what the activity evidences, in a sentence
    builtin: bool = True


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    kind: str
    on: date
    by: str | None
    note: str | None
    fields: tuple[tuple[str, str], ...]
    corrects: int | None  # the entry this one corrects (entries are never edited)
    created_at: str
    attachments: int = 0


@dataclass(frozen=True, slots=True)
class ActivitySchedule:
    kind: str
    rrule: str
    start: date
    owner: str | None


class OccurrenceStatus(StrEnum):
    DONE = "done"
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Occurrence:
    kind: str
    on: date
    window: tuple[date, date]  # [from, to): a log entry in here does this occurrence
    status: OccurrenceStatus
    done_by: int | None  # the log entry id that did it


def check_rrule(text: str) -> str:
    """Validate an RRULE (``FREQ=MONTHLY;BYMONTHDAY=1``); return it normalised."""
    from dateutil.rrule import rrulestr

    rule = text.strip().upper().removeprefix("RRULE:")
    if "FREQ=" not in rule:
        raise InvalidInput(f"bad --rrule {text!r}: it needs FREQ=..., e.g. FREQ=MONTHLY")
    if any(part in rule for part in ("DTSTART", "\n")):
        raise InvalidInput(f"bad --rrule {text!r}: give the rule only (the start is separate)")
    try:
        first = rrulestr(rule, dtstart=datetime(2026, 1, 1)).after(datetime(2026, 1, 1), inc=True)
    except (ValueError, TypeError) as err:
        raise InvalidInput(f"bad --rrule {text!r}: {err}") from None
    if first is None:
        raise InvalidInput(f"bad --rrule {text!r}: it never occurs")
    freq = rule.split("FREQ=", 1)[1].split(";", 1)[0]
    if freq not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        raise InvalidInput(f"bad --rrule {text!r}: use FREQ=DAILY, WEEKLY, MONTHLY or YEARLY")
    return rule


def occurrence_dates(rule: str, start: date, until: date) -> list[date]:
    """The rule's dates from ``start`` up to ``until`` (inclusive)."""
    from dateutil.rrule import rrulestr

    if until < start:
        return []
    dtstart = datetime(start.year, start.month, start.day)
    end = datetime(until.year, until.month, until.day)
    rr = rrulestr(rule, dtstart=dtstart)
    return [d.date() for d in rr.between(dtstart, end, inc=True)]


def occurrences(
    schedule: ActivitySchedule,
    entries: Sequence[LogEntry],
    since: date,
    until: date,
    today: date,
    warn_days: int,
) -> list[Occurrence]:
    """The schedule's occurrences from ``since`` to ``until`` with their status on ``today``.

    Corrected entries are replaced by their corrections (an entry that a later one corrects
    no longer counts)."""
    corrected = {e.corrects for e in entries if e.corrects is not None}
    logs = sorted((e for e in entries if e.id not in corrected), key=lambda e: (e.on, e.id))
    # One occurrence either side, to know the windows of the first and the last.
    dates = occurrence_dates(schedule.rrule, schedule.start, until + timedelta(days=1500))
    out = []
    for i, day in enumerate(dates):
        if day > until:
            break
        prev = dates[i - 1] if i > 0 else day - (dates[1] - day if len(dates) > 1 else timedelta(0))
        nxt = dates[i + 1] if i + 1 < len(dates) else day + (day - prev)
        lo = day - (day - prev) // 2
        hi = day + (nxt - day) // 2 + timedelta(days=(nxt - day).days % 2)
        if day < since:
            continue
        done = next((e for e in logs if lo <= e.on < hi), None)
        if done is not None:
            status = OccurrenceStatus.DONE
        elif day < today:
            status = OccurrenceStatus.OVERDUE
        elif (day - today).days <= warn_days:
            status = OccurrenceStatus.DUE_SOON
        else:
            status = OccurrenceStatus.UPCOMING
        out.append(Occurrence(schedule.kind, day, (lo, hi), status, done.id if done else None))
    return out


def parse_fields(pairs: Iterable[str], kind: ActivityKind) -> tuple[tuple[str, str], ...]:
    """``--field key=value`` pairs, checked against the kind's declared fields."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidInput(f"bad --field {pair!r}: use key=value")
        if kind.fields and key not in kind.fields:
            raise InvalidInput(
                f"{kind.key} records {', '.join(kind.fields)}; not {key!r} (--field key=value)"
            )
        out[key] = value.strip()
    missing = [f for f in kind.fields if f not in out]
    if missing:
        raise InvalidInput(
            f"{kind.key} records {', '.join(kind.fields)}: add "
            + " ".join(f"--field {m}=..." for m in missing)
        )
    return tuple(out.items())
