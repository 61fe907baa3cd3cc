"""The security program at a glance: what ``ctcm status``, its JSON and the digest say about
the risk analysis, the security official and the mitigation plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ctcm.domain.dates import add_months
from ctcm.domain.risk import Assessment, Level, Rule, Task
from ctcm.services.practice import Practice
from ctcm.services.riskcatalog import load_scenarios

DEFAULT_REVIEW_MONTHS = 12


# ============================================================================ program status


@dataclass(frozen=True, slots=True)
class ProgramStatus:
    security_officer: str | None
    privacy_officer: str | None
    last_full: Assessment | None
    review_due: date | None
    stale: bool
    overdue_tasks: tuple[Task, ...]
    open_high_risks: tuple[tuple[str, str, str], ...]  # (scenario, title, level)

    @property
    def warnings(self) -> list[str]:
        out = []
        if self.security_officer is None:
            out.append("No security official is designated (ctcm practice set --security-officer)")
        if self.last_full is None:
            out.append("No risk analysis on record (ctcm risk new)")
        elif self.stale:
            out.append(
                f"The last full risk analysis (#{self.last_full.id}, "
                f"{self.last_full.created_at[:10]}) is due for review since {self.review_due}"
            )
        for t in self.overdue_tasks:
            out.append(f"Security task {t.id} overdue since {t.due}: {t.action} (owner {t.owner})")
        return out


def program_status(p: Practice) -> ProgramStatus:
    """The security program at a glance (a fixed number of queries)."""
    settings = p.settings
    fulls = [a for a in p.repo.assessments() if a.kind == "full" and a.rule is Rule.SECURITY]
    last = fulls[-1] if fulls else None
    months = int(settings.get("risk_review_months", str(DEFAULT_REVIEW_MONTHS)))
    review_due = add_months(p.local_date(last.created_at), months) if last else None
    today = p.today
    tasks = p.repo.tasks()
    risks: list[tuple[int, str, str, str]] = []
    if last is not None:
        titles = {s.id: s.title for s in load_scenarios()}
        closed = {t.scenario for t in tasks if t.assessment_id == last.id and t.status.closed}
        for r in p.repo.ratings(last.id).values():
            if r.level.rank >= Level.HIGH.rank and r.scenario not in closed:
                risks.append(
                    (-r.level.rank, r.scenario, titles.get(r.scenario, r.scenario), r.level.label)
                )
    people_ids = {x.id for x in p.repo.people(active_only=True)}
    officer = settings.get("security_officer")
    return ProgramStatus(
        officer if officer in people_ids else None,
        settings.get("privacy_officer") if settings.get("privacy_officer") in people_ids else None,
        last,
        review_due,
        bool(review_due and review_due < today),
        tuple(t for t in tasks if t.overdue(today)),
        tuple(r[1:] for r in sorted(risks)),
    )
