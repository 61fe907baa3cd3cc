"""The one model of the program (pure): an *obligation* the practice owes yields *occurrences*,
each with a due date, a warn date and a state; *evidence* closes an occurrence.

The evidence rule for a recurring obligation (due dates d0 < d1 < ...):
- an entry that names its occurrence (``--for D``) closes that one;
- otherwise an entry on day e closes the open occurrence of the period it falls in
  ([d_i, d_i+1)), late when e > d_i; when that one is closed already and e is inside the warn
  window before d_i+1, it closes the coming one, on time;
- an occurrence never closed is *overdue* once its day has passed, and *missed* once the next
  one is due: a gap kept in the history, not red forever;
- the obligation's light follows its latest due occurrence and the coming one.

The warn window fits the period: at most a quarter of it (a monthly activity done this month is
green until about a week before the next one), and never more than the practice's warn days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from ctcm.domain.credentials import Light


class State(StrEnum):
    UPCOMING = "upcoming"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"
    DONE_LATE = "done_late"
    MISSED = "missed"
    WAIVED = "waived"  # the practice decided, with a reason, that this one is not owed

    @property
    def light(self) -> Light:
        match self:
            case State.OVERDUE:
                return Light.RED
            case State.DUE_SOON:
                return Light.YELLOW
            case _:
                return Light.GREEN

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Evidence:
    """Something recorded that can close an occurrence of the obligation ``key`` names."""

    key: str  # the obligation it may close ("activity:log-review")
    on: date  # the day the work was done
    ref: str  # what it is ("log:12", "risk:3")
    for_date: date | None = None  # the occurrence it names explicitly
    waived: bool = False  # not work done: a decision that the named occurrence is not owed


@dataclass(frozen=True, slots=True)
class Occurrence:
    key: str  # the obligation's stable key
    due: date
    warn: date  # from this day on it is due soon
    state: State
    evidence: str | None = None  # the ref of what closed it
    closed_on: date | None = None

    @property
    def light(self) -> Light:
        return self.state.light


def warn_window(period: timedelta, warn_days: int) -> int:
    """Days before a due date that it counts as due soon: a quarter of the period at most."""
    return max(0, min(warn_days, period.days // 4)) if period.days > 0 else warn_days


def recurring(
    key: str,
    dates: Sequence[date],
    evidence: Iterable[Evidence],
    today: date,
    warn_days: int,
) -> list[Occurrence]:
    """The occurrences on ``dates`` (ascending, as many as the caller wants to see plus the one
    after, which sets the last period's end) with their state on ``today``. Evidence dated after
    ``today`` is not counted (as of a date means as of that date)."""
    if not dates:
        return []
    periods = [
        (dates[i + 1] - dates[i])
        if i + 1 < len(dates)
        else (dates[i] - dates[i - 1])
        if i > 0
        else timedelta(0)
        for i in range(len(dates))
    ]
    warns = [
        d - timedelta(days=warn_window(periods[i - 1] if i > 0 else periods[i], warn_days))
        for i, d in enumerate(dates)
    ]
    closed: dict[int, Evidence] = {}
    index = {d: i for i, d in enumerate(dates)}
    counted = sorted((e for e in evidence if e.on <= today), key=lambda e: (e.on, e.ref))
    for e in counted:
        if e.for_date is not None and e.for_date in index and index[e.for_date] not in closed:
            closed[index[e.for_date]] = e
    for e in counted:
        if e.for_date is not None or e.waived:
            continue
        i = _period_of(dates, e.on)
        if i >= 0 and i not in closed:
            closed[i] = e
        elif i + 1 < len(dates) and i + 1 not in closed and e.on >= warns[i + 1]:
            closed[i + 1] = e
    out = []
    for i, d in enumerate(dates):
        e = closed.get(i)
        if e is not None and e.waived:
            state = State.WAIVED
        elif e is not None:
            state = State.DONE if e.on <= d else State.DONE_LATE
        elif i + 1 < len(dates) and dates[i + 1] <= today:
            state = State.MISSED
        elif d < today:
            state = State.OVERDUE
        elif today >= warns[i]:
            state = State.DUE_SOON
        else:
            state = State.UPCOMING
        out.append(Occurrence(key, d, warns[i], state, e.ref if e else None, e.on if e else None))
    return out


def _period_of(dates: Sequence[date], day: date) -> int:
    """The index of the last due date on or before ``day`` (-1 before the first)."""
    lo, hi = 0, len(dates)
    while lo < hi:
        mid = (lo + hi) // 2
        if dates[mid] <= day:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


def current(occurrences: Sequence[Occurrence], today: date) -> list[Occurrence]:
    """What the light follows: the latest occurrence due by ``today`` and the next one."""
    due = [o for o in occurrences if o.due <= today]
    ahead = [o for o in occurrences if o.due > today]
    return ([due[-1]] if due else []) + ahead[:1]


def light_of(occurrences: Sequence[Occurrence], today: date) -> Light:
    """The obligation's light: the worst of its latest due occurrence and the coming one."""
    now = current(occurrences, today)
    return max((o.light for o in now), key=lambda light: light.severity, default=Light.GREEN)
