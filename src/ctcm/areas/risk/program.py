"""The security program at a glance: what ``ctcm status``, its JSON and the digest say about
the risk analysis, the security official and the mitigation plan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ctcm.areas.risk.catalog import load_catalog, load_scenarios
from ctcm.domain.credentials import Light
from ctcm.domain.dates import add_months
from ctcm.domain.risk import AnswerStatus, Assessment, Level, Rule, Signoff, Task
from ctcm.services.practice import Practice

DEFAULT_REVIEW_MONTHS = 12


@dataclass(frozen=True, slots=True)
class DraftProgress:
    """A full risk analysis not yet finalized: how far it has come."""

    id: int
    answered: int
    items: int
    rated: int  # scenarios rated or judged not applicable
    scenarios: int

    @property
    def open(self) -> int:
        return self.scenarios - self.rated

    def describe(self) -> str:
        return (
            f"#{self.id} is a draft: {self.answered} of {self.items} items answered, "
            f"{self.rated} of {self.scenarios} threat scenarios rated ({self.open} open)"
        )


@dataclass(frozen=True, slots=True)
class ProgramStatus:
    security_officer: str | None
    privacy_officer: str | None
    last_full: Assessment | None  # the last *finalized* full Security Rule risk analysis
    signed: Signoff | None
    review_due: date | None
    stale: bool  # also True when there is none
    draft: DraftProgress | None  # a newer full analysis still in progress
    overdue_tasks: tuple[Task, ...]
    open_high_risks: tuple[tuple[str, str, str], ...]  # (scenario, title, level)
    unplanned_high_risks: tuple[tuple[str, str, str], ...]  # ... with no task or acceptance
    required_gaps: tuple[tuple[str, str], ...]  # (citation, name) answered not implemented
    findings_from: int | None  # the assessment the last three come from
    # what later mini assessments changed in that picture: (citation, mini id, new status)
    changed_since: tuple[tuple[str, int, str], ...] = ()

    @property
    def light(self) -> Light:
        """Red: no finalized risk analysis, or it is due for review. Yellow: anything else to
        act on. Green: nothing."""
        if self.last_full is None or self.stale:
            return Light.RED
        if self.warnings:
            return Light.YELLOW
        return Light.GREEN

    @property
    def warnings(self) -> list[str]:
        """Each warning, with the command that acts on it (for people at a terminal)."""
        return [f"{text} ({hint})" if hint else text for text, hint in self.notices]

    @property
    def plain_warnings(self) -> list[str]:
        """Each warning without commands (for an email whose reader may not run ctcm)."""
        return [text for text, _ in self.notices]

    @property
    def notices(self) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = []
        if self.security_officer is None:
            out.append(
                ("No security official is designated", "ctcm practice set --security-officer")
            )
        if self.last_full is None:
            if self.draft is None:
                out.append(("No risk analysis on record", "ctcm risk new"))
            else:
                out.append(
                    (
                        f"No risk analysis on record: {self.draft.describe()}",
                        f"once complete: ctcm risk finalize {self.draft.id} --by PERSON",
                    )
                )
        else:
            if self.stale:
                signed = self.signed.on if self.signed else self.last_full.created_at[:10]
                out.append(
                    (
                        f"The last risk analysis (#{self.last_full.id}, finalized {signed}) is "
                        f"due for review since {self.review_due} (a yearly review is best "
                        "practice; the rule asks for it periodically)",
                        None,
                    )
                )
            if self.draft is not None:
                out.append((f"Risk analysis in progress: {self.draft.describe()}", None))
        if self.required_gaps:
            cited = ", ".join(c for c, _ in self.required_gaps[:6])
            more = " ..." if len(self.required_gaps) > 6 else ""
            minis = sorted({m for _, m, _ in self.changed_since})
            since = (
                " and the mini assessment(s) since: " + ", ".join(f"#{m}" for m in minis)
                if minis
                else ""
            )
            out.append(
                (
                    f"{len(self.required_gaps)} required safeguard(s) not implemented as of "
                    f"assessment #{self.findings_from}{since}: {cited}{more}",
                    None,
                )
            )
        for scenario, title, level in self.unplanned_high_risks:
            out.append(
                (
                    f"{level.capitalize()} risk {scenario} ({title}) has no mitigation task or "
                    "recorded acceptance",
                    f"ctcm risk mitigate {self.findings_from} {scenario} ...",
                )
            )
        for t in self.overdue_tasks:
            out.append(
                (f"Security task {t.id} overdue since {t.due}: {t.action} (owner {t.owner})", None)
            )
        return out


def program_status(p: Practice) -> ProgramStatus:
    """The security program at a glance (a fixed number of queries). Only a finalized full
    Security Rule assessment counts as the risk analysis; findings (required safeguards not in
    place, high risks) come from the newest full one, finalized or not, so a draft's bad news
    shows at once."""
    from ctcm.areas.risk.service import scope_items, scope_scenarios

    settings = p.settings
    signoffs = p.repo.signoffs()
    fulls = [a for a in p.repo.assessments() if a.kind == "full" and a.rule is Rule.SECURITY]
    finalized = [a for a in fulls if a.id in signoffs]
    last = finalized[-1] if finalized else None
    signed = signoffs[last.id] if last else None
    newest = fulls[-1] if fulls else None
    draft_a = newest if newest is not None and newest.id not in signoffs else None
    months = int(settings.get("risk_review_months", str(DEFAULT_REVIEW_MONTHS)))
    review_due = add_months(signed.on, months) if signed else None
    today = p.today
    tasks = p.repo.tasks()
    titles = {s.id: s.title for s in load_scenarios()}
    open_risks: list[tuple[int, str, str, str]] = []
    unplanned: list[tuple[int, str, str, str]] = []
    gaps: list[tuple[str, str]] = []
    changed: list[tuple[str, int, str]] = []
    draft = None
    if newest is not None:
        answers = p.repo.answers(newest.id)
        ratings = p.repo.ratings(newest.id)
        planned = {t.scenario for t in tasks if t.assessment_id == newest.id}
        closed = {t.scenario for t in tasks if t.assessment_id == newest.id and t.status.closed}
        for r in ratings.values():
            if r.level.rank >= Level.HIGH.rank and r.scenario not in closed:
                entry = (
                    -r.level.rank,
                    r.scenario,
                    titles.get(r.scenario, r.scenario),
                    r.level.label,
                )
                open_risks.append(entry)
                if r.scenario not in planned:
                    unplanned.append(entry)
        catalog = load_catalog(newest.rule.value)
        items = scope_items(newest)
        # the program's current safeguard picture: the full assessment's answers, updated by
        # every later mini assessment of a change (a safeguard it implements is no longer a gap)
        picture = {c: a.status for c, a in answers.items()}
        minis = [
            a
            for a in p.repo.assessments()
            if a.kind == "mini" and a.rule is newest.rule and a.id > newest.id
        ]
        for mini in minis:
            for citation, ans in p.repo.answers(mini.id).items():
                if picture.get(citation) is not ans.status:
                    changed.append((citation, mini.id, ans.status.value))
                picture[citation] = ans.status
        for item in items:
            status = picture.get(item.citation)
            if status is AnswerStatus.NOT_IMPLEMENTED and catalog.required(item):
                gaps.append((item.citation, item.name))
        if draft_a is not None:
            scenarios = scope_scenarios(draft_a)
            excluded = p.repo.exclusions(draft_a.id)
            draft = DraftProgress(
                draft_a.id,
                sum(1 for i in items if i.citation in answers),
                len(items),
                sum(1 for s in scenarios if s.id in ratings or s.id in excluded),
                len(scenarios),
            )

    def active(person_id: str | None) -> str | None:
        """The official, if still an active person (one lookup, not the whole staff list)."""
        found = p.repo.person(person_id) if person_id else None
        return person_id if found is not None and found.active else None

    return ProgramStatus(
        active(settings.get("security_officer")),
        active(settings.get("privacy_officer")),
        last,
        signed,
        review_due,
        review_due is None or review_due < today,
        draft,
        tuple(t for t in tasks if t.overdue(today)),
        tuple(r[1:] for r in sorted(open_risks)),
        tuple(r[1:] for r in sorted(unplanned)),
        tuple(gaps),
        newest.id if newest else None,
        tuple(changed),
    )
