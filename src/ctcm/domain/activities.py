"""Security activities: kinds, log entries and recurring schedules (pure: stdlib and dateutil
only). Which occurrence an entry closes is the program model's rule (ctcm.program.model)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

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
    # done after each event (a compromise, a departure), never on a calendar by default
    event: str | None = None

    @property
    def when(self) -> str:
        """For people: the event it follows, or the suggested cadence (the practice's choice:
        the rule sets no interval for these activities)."""
        return f"after {self.event}" if self.event else f"suggested: {self.cadence}"


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
    for_date: date | None = None  # the occurrence it names (`log add --for`), else its period's


@dataclass(frozen=True, slots=True)
class ActivitySchedule:
    kind: str
    rrule: str
    start: date
    owner: str | None


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


def occurrence_dates(rule: str, start: date, until: date, after: int = 0) -> list[date]:
    """The rule's dates from ``start`` up to ``until`` (inclusive), and ``after`` more past it
    (the next one ends the last period)."""
    from dateutil.rrule import rrulestr

    dtstart = datetime(start.year, start.month, start.day)
    end = datetime(until.year, until.month, until.day)
    rr = rrulestr(rule, dtstart=dtstart)
    out = [d.date() for d in rr.between(dtstart, end, inc=True)] if until >= start else []
    nxt = max(dtstart, end)
    for _ in range(after):
        later = rr.after(nxt, inc=not out and nxt == dtstart)
        if later is None:
            break
        out.append(later.date())
        nxt = later
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
