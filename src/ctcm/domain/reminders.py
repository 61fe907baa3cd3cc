"""Reminder rules: schedules, thresholds, what is due, escalation (pure; no clock, no I/O).

What is due is computed from the state (expiry dates, missing requirements) plus a ledger of
what was already sent or passed over, never from "today == some date": a run that is days late
still sends the most recent reminder once, and earlier thresholds it missed are marked passed
instead of being sent in a burst.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from ctcm.errors import InvalidInput

# never two days running about one item: 7 days before, then the day, then weekly
DEFAULT_SCHEDULE = "60,30,14,7,0,+7"
DEFAULT_MISSING_EVERY = 7
DEFAULT_ESCALATE_AFTER = 14
DEFAULT_ESCALATE_GRACE = 30  # days after a person's start date without escalation
_TOKEN = re.compile(r"^([+-]?)(\d{1,4})$")


@dataclass(frozen=True, slots=True)
class Schedule:
    """Days before expiry (descending), whether to remind on the day, and the repeat after."""

    before: tuple[int, ...]
    on_day: bool
    every_after: int | None

    def __str__(self) -> str:
        parts = [str(d) for d in self.before]
        if self.on_day:
            parts.append("0")
        if self.every_after:
            parts.append(f"+{self.every_after}")
        return ",".join(parts)


def parse_schedule(text: str) -> Schedule:
    """Parse ``60,30,14,7,1,0,+7``: days before expiry (``-60`` also accepted), 0 for the
    expiry day, and ``+N`` to repeat every N days after expiry until resolved."""
    before: set[int] = set()
    on_day = False
    every: int | None = None
    tokens = [t.strip() for t in text.split(",") if t.strip()]
    if not tokens:
        raise InvalidInput("a reminder schedule needs at least one offset, e.g. 30,7,0,+7")
    for token in tokens:
        match = _TOKEN.match(token)
        if not match:
            raise InvalidInput(f"bad reminder offset {token!r} (use e.g. 30,7,0,+7)")
        sign, number = match[1], int(match[2])
        if sign == "+":
            if every is not None:
                raise InvalidInput("only one '+N' repeat is allowed in a reminder schedule")
            if not 1 <= number <= 365:
                raise InvalidInput("the '+N' repeat must be between 1 and 365 days")
            every = number
        elif number == 0:
            on_day = True
        elif number > 3650:
            raise InvalidInput(f"reminder offset {token} is more than ten years")
        else:
            before.add(number)
    return Schedule(tuple(sorted(before, reverse=True)), on_day, every)


@dataclass(frozen=True, slots=True)
class Threshold:
    key: str
    on: date


def expiry_thresholds(expires: date, schedule: Schedule, until: date) -> list[Threshold]:
    """Thresholds of an expiry reminder reached up to ``until``, in date order."""
    out = [Threshold(f"-{d}", expires - timedelta(days=d)) for d in schedule.before]
    if schedule.on_day:
        out.append(Threshold("0", expires))
    if schedule.every_after:
        k = 1
        while expires + timedelta(days=schedule.every_after * k) <= until:
            days = schedule.every_after * k
            out.append(Threshold(f"+{days}", expires + timedelta(days=days)))
            k += 1
    return sorted((t for t in out if t.on <= until), key=lambda t: t.on)


def missing_thresholds(anchor: date, every: int, until: date) -> list[Threshold]:
    """A reminder when a requirement is first seen missing (``anchor``), then every N days."""
    out = []
    k = 0
    while anchor + timedelta(days=every * k) <= until:
        out.append(Threshold(f"missing+{every * k}", anchor + timedelta(days=every * k)))
        k += 1
    return out


@dataclass(frozen=True, slots=True)
class DueResult:
    due: Threshold | None
    passed: tuple[Threshold, ...]  # reached earlier, never recorded: to mark passed, not send


def due_threshold(reached: Iterable[Threshold], recorded: set[str]) -> DueResult:
    """The latest reached threshold is due unless already recorded; earlier unrecorded ones
    are passed over (a late run sends one reminder, not a burst)."""
    ordered = list(reached)
    if not ordered:
        return DueResult(None, ())
    latest = ordered[-1]
    passed = tuple(t for t in ordered[:-1] if t.key not in recorded)
    if latest.key in recorded:
        return DueResult(None, passed)
    return DueResult(latest, passed)


def escalation_step(due: date | None, today: date, after_days: int) -> int:
    """0 until ``after_days`` have passed since the item was due (its expiry day, the day a
    missing document was first asked for); then 1, 2, ... per period: with 14, the first
    escalation is at +14."""
    if due is None or after_days <= 0:
        return 0
    return max(0, (today - due).days) // after_days


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One row of the delivery ledger (what was sent, or passed over, and when)."""

    kind: str  # reminder | status | digest | test
    status: str  # sent | passed
    at: str
    person_id: str | None = None
    doctype: str | None = None
    about: str | None = None
    threshold: str | None = None
    threshold_date: date | None = None
    passed: str | None = None  # comma-separated thresholds skipped as passed by this delivery
    escalation: int = 0
    channel: str | None = None
    recipients: str | None = None
    period: str | None = None
    message_id: str | None = None
    note: str | None = None  # "rehearsal: CTCM_TODAY=..." when made under a rehearsal clock
