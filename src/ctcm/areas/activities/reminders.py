"""Reminders of calendar activities to their owners, and of BAAs to the privacy official:
once when due soon, once when overdue (a missing BAA weekly), each keyed in the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ctcm.domain.dates import long_date
from ctcm.services.practice import Practice


@dataclass(frozen=True, slots=True)
class ActivityDue:
    """A calendar activity its owner is reminded of: once when due soon, once when overdue."""

    kind: str
    name: str
    on: date
    threshold: str  # "due" | "overdue"
    about: str = ""  # what the ledger keys it by (default: the occurrence's date)

    @property
    def ledger_about(self) -> str:
        return self.about or f"occurrence:{self.on.isoformat()}"

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
    from ctcm.areas.activities.service import all_occurrences, kind_of, kinds
    from ctcm.program.model import State

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
            if v.baa_signed is None:  # missing: weekly (its "due date" is every day, today)
                year, week, _ = today.isocalendar()
                about = f"missing:{year}-W{week:02d}"
            if (officer, kind, f"{about}:{threshold}") in recorded:
                continue
            what = (
                f"Review the BAA of {v.name}" if v.baa_signed else f"Get a signed BAA from {v.name}"
            )
            out.setdefault(officer, []).append(ActivityDue(kind, what, due, threshold, about))
    owners = {s.kind: s.owner for s in p.repo.activity_schedules() if s.owner}
    if not owners:
        return out
    names = {k: v.name for k, v in kinds(p).items()}
    for o in all_occurrences(p, today + timedelta(days=ACTIVITY_LEAD_DAYS)):
        kind = kind_of(o)
        owner = owners.get(kind)
        if owner is None or o.state not in (State.OVERDUE, State.DUE_SOON, State.UPCOMING):
            continue
        threshold = "overdue" if o.state is State.OVERDUE else "due"
        about = f"occurrence:{o.due.isoformat()}"
        if (owner, kind, f"{about}:{threshold}") in recorded:
            continue
        if threshold == "due" and (o.due - today).days > ACTIVITY_LEAD_DAYS:
            continue
        out.setdefault(owner, []).append(ActivityDue(kind, names[kind], o.due, threshold))
    return out
