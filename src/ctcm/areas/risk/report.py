"""Risk analysis detail and reports: the assessment as data (``risk show``), the report with its
owner's summary (draft or finalized), and the blank checklist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ctcm.areas.risk.catalog import load_catalog
from ctcm.areas.risk.levels import levels_context
from ctcm.areas.risk.service import get_assessment, missing, scope_items, scope_scenarios
from ctcm.domain.risk import (
    Answer,
    Assessment,
    Catalog,
    CatalogItem,
    Exclusion,
    Level,
    Rating,
    Rule,
    Scale,
    Scenario,
    Signoff,
    Task,
    TaskStatus,
)
from ctcm.errors import InvalidInput
from ctcm.services.practice import Practice
from ctcm.services.signers import signer_role

# ============================================================================ detail / report


@dataclass(frozen=True, slots=True)
class Change:
    subject: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class AssessmentDetail:
    assessment: Assessment
    catalog: Catalog
    items: tuple[CatalogItem, ...]
    answers: dict[str, Answer]
    scenarios: tuple[Scenario, ...]
    ratings: dict[str, Rating]
    tasks: tuple[Task, ...]
    previous: Assessment | None
    changes: tuple[Change, ...]
    exclusions: dict[str, Exclusion]
    signoff: Signoff | None
    missing: tuple[str, ...]  # what keeps a draft from being finalized
    # answers later mini assessments changed: (citation, was, now, the mini assessment's id)
    changed_later: tuple[tuple[str, str | None, str, int], ...] = ()

    @property
    def finalized(self) -> bool:
        return self.signoff is not None

    @property
    def progress(self) -> dict[str, int]:
        return {
            "answered": sum(1 for i in self.items if i.citation in self.answers),
            "total": len(self.items),
        }

    def register(self) -> list[tuple[Scenario, Rating]]:
        by_id = {s.id: s for s in self.scenarios}
        pairs = [(by_id[r.scenario], r) for r in self.ratings.values() if r.scenario in by_id]
        return sorted(pairs, key=lambda sr: (-sr[1].level.rank, -sr[1].likelihood.rank, sr[0].id))


def detail(p: Practice, assessment_id: int) -> AssessmentDetail:
    a = get_assessment(p, assessment_id)
    signed = p.repo.signoffs()
    earlier = [
        x
        for x in p.repo.assessments()
        if x.id < a.id and x.rule is a.rule and x.kind == "full" and x.id in signed
    ]
    previous = earlier[-1] if earlier else None
    answers, ratings = p.repo.answers(a.id), p.repo.ratings(a.id)
    changes: list[Change] = []
    if previous is not None:
        old_answers, old_ratings = p.repo.answers(previous.id), p.repo.ratings(previous.id)
        for citation, ans in sorted(answers.items()):
            old = old_answers.get(citation)
            if old is not None and old.status is not ans.status:
                changes.append(Change(citation, old.status.value, ans.status.value))
        for scenario, rating in sorted(ratings.items()):
            old_rating = old_ratings.get(scenario)
            if old_rating is not None and old_rating.level is not rating.level:
                changes.append(Change(scenario, old_rating.level.value, rating.level.value))
    later: list[tuple[str, str | None, str, int]] = []
    if a.kind == "full":
        picture = {c: x.status.value for c, x in answers.items()}
        for mini in p.repo.assessments():
            if mini.kind != "mini" or mini.rule is not a.rule or mini.id <= a.id:
                continue
            for citation, ans in sorted(p.repo.answers(mini.id).items()):
                if picture.get(citation) != ans.status.value:
                    later.append((citation, picture.get(citation), ans.status.value, mini.id))
                    picture[citation] = ans.status.value
    p.touch(f"assessment:{a.id}")
    signoff = p.repo.signoffs().get(a.id)
    return AssessmentDetail(
        a,
        load_catalog(a.rule.value),
        tuple(scope_items(a)),
        answers,
        tuple(scope_scenarios(a)),
        ratings,
        tuple(p.repo.tasks(a.id)),
        previous,
        tuple(changes),
        p.repo.exclusions(a.id),
        signoff,
        () if signoff else tuple(missing(p, a)),
        tuple(later),
    )


def detail_json(d: AssessmentDetail) -> dict[str, Any]:
    a = d.assessment
    return {
        "id": a.id,
        "rule": a.rule.value,
        "kind": a.kind,
        "year": a.year,
        "scope": a.scope,
        "scale": a.scale.value,
        "created_at": a.created_at,
        "progress": d.progress,
        "items": [
            {
                "citation": i.citation,
                "name": i.name,
                "kind": i.kind.value,
                "status": d.answers[i.citation].status.value if i.citation in d.answers else None,
                "note": d.answers[i.citation].note if i.citation in d.answers else None,
                "evidence": d.answers[i.citation].evidence if i.citation in d.answers else None,
            }
            for i in d.items
        ],
        "risks": [
            {
                "scenario": s.id,
                "title": s.title,
                "likelihood": r.likelihood.value,
                "impact": r.impact.value,
                "level": r.level.value,
            }
            for s, r in d.register()
        ],
        "scenarios": [
            {
                "id": sc.id,
                "title": sc.title,
                "rated": sc.id in d.ratings,
                "likelihood": d.ratings[sc.id].likelihood.value if sc.id in d.ratings else None,
                "impact": d.ratings[sc.id].impact.value if sc.id in d.ratings else None,
                "level": d.ratings[sc.id].level.value if sc.id in d.ratings else None,
                "not_applicable": d.exclusions[sc.id].reason if sc.id in d.exclusions else None,
            }
            for sc in d.scenarios
        ],
        "tasks": [task_json(t) for t in d.tasks],
        "state": "finalized" if d.signoff else "draft",
        "finalized": (
            {
                "by": d.signoff.by,
                "on": d.signoff.on.isoformat(),
                "content_hash": d.signoff.content_hash,
            }
            if d.signoff
            else None
        ),
        "missing": list(d.missing),
        "changed_later": [
            {"citation": c, "from": was, "to": now, "assessment": m}
            for c, was, now, m in d.changed_later
        ],
    }


def task_json(t: Task) -> dict[str, Any]:
    return {
        "id": t.id,
        "assessment": t.assessment_id,
        "scenario": t.scenario,
        "action": t.action,
        "owner": t.owner,
        "due": t.due.isoformat(),
        "status": t.status.value,
        "accepted_reason": t.accepted_reason,
        "accepted_by": t.accepted_by,
        "closed_on": t.closed_on.isoformat() if t.closed_on else None,
    }


def report_context(p: Practice, d: AssessmentDetail) -> dict[str, Any]:
    """The view model of a report: templates only loop over it."""
    names = {person.id: person.name for person in p.repo.people()}
    officer_id = p.settings.get(
        "security_officer" if d.assessment.rule is Rule.SECURITY else "privacy_officer"
    )
    a = d.assessment
    scale_text = (
        "three levels (low, moderate, high), risk = likelihood x impact on the "
        "3x3 matrix; high x high is critical"
        if a.scale is Scale.THREE
        else "five levels (very low to very high), risk from NIST SP 800-30 Table I-2"
    )
    items = []
    for item in d.items:
        ans = d.answers.get(item.citation)
        items.append(
            {
                "citation": item.citation,
                "name": item.name,
                "kind": item.kind.value,
                "safeguard": item.safeguard,
                "status": ans.status.value.replace("_", " ") if ans else "not answered",
                "note": ans.note if ans else None,
                "evidence": ans.evidence if ans else None,
                "reason": ans.reason if ans else None,
                "alternative": ans.alternative if ans else None,
            }
        )
    addressable = [i for i in items if i["kind"] == "addressable" and i["reason"]]
    privacy = a.rule is Rule.PRIVACY
    return {
        "draft": not d.finalized,
        "missing": list(d.missing),
        "privacy": privacy,
        "officer_title": "Privacy official" if privacy else "Security official",
        "signoff": (
            {
                "by": names.get(d.signoff.by, d.signoff.by),
                "role": signer_role(p, d.signoff.by),
                "on": d.signoff.on.isoformat(),
                "hash": d.signoff.content_hash,
            }
            if d.signoff
            else None
        ),
        "summary": _summary(d, names),
        "not_applicable": [
            {"id": sc.id, "title": sc.title, "reason": d.exclusions[sc.id].reason}
            for sc in d.scenarios
            if sc.id in d.exclusions
        ],
        "practice": p.settings.get("practice_name", ""),
        "title": d.catalog.title,
        "assessment": {
            "id": a.id,
            "kind": a.kind,
            "year": a.year,
            "scope": a.scope,
            "created": p.local_date(a.created_at).isoformat(),
            "catalog_version": a.catalog_version,
        },
        "scale": scale_text,
        "levels": levels_context(a.scale),
        "proposed": d.catalog.proposed,
        "officer": names.get(officer_id or "", "(not designated)"),
        "progress": d.progress,
        "items": items,
        "addressable": addressable,
        "register": [
            {
                "id": s.id,
                "title": s.title,
                "source": s.source.label,
                "likelihood": r.likelihood.label,
                "impact": r.impact.label,
                "level": r.level.label,
                "controls": r.controls or "",
                "mitigations": list(s.mitigations),
            }
            for s, r in d.register()
        ],
        "tasks": [
            {
                "id": t.id,
                "scenario": t.scenario,
                "action": t.action,
                "owner": names.get(t.owner, t.owner),
                "due": t.due.isoformat(),
                "status": t.status.value.replace("_", " "),
                "accepted": f"{t.accepted_reason} (accepted by {names.get(t.accepted_by or '', t.accepted_by)})"
                if t.status is TaskStatus.ACCEPTED
                else "",
            }
            for t in d.tasks
        ],
        "previous": {"id": d.previous.id, "year": d.previous.year} if d.previous else None,
        "changes": [
            {
                "subject": c.subject,
                "before": c.before.replace("_", " "),
                "after": c.after.replace("_", " "),
            }
            for c in d.changes
        ],
        "as_of": p.today.isoformat(),
        "ephi": _ephi_inventory(p, names),
        "next_review": _next_review(p, d),
    }


def _ephi_inventory(p: Practice, names: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """Where the practice's ePHI lives, from what ctcm knows: devices that hold it (not
    retired) and vendors that create, receive, keep or send it, with their protection."""
    devices = [
        {"key": d.key, "type": d.type.value, "owner": names.get(d.owner or "", d.owner or "shared"),
         "encrypted": d.encrypted.value, "screen_lock": d.screen_lock.value}
        for d in p.repo.devices().values()
        if d.phi and (d.retired_on is None or d.retired_on > p.today)
    ]  # fmt: skip
    vendors = [
        {"name": v.name, "service": v.service,
         "baa": f"signed {v.baa_signed}" if v.baa_signed else "NO SIGNED BAA"}
        for v in p.repo.vendors().values()
        if v.phi
    ]  # fmt: skip
    return {"devices": devices, "vendors": vendors}


def _next_review(p: Practice, d: AssessmentDetail) -> str:
    """When this analysis is to be reviewed (the practice's review interval after its
    sign-off)."""
    from ctcm.areas.risk.program import DEFAULT_REVIEW_MONTHS
    from ctcm.domain.dates import add_months

    months = int(p.settings.get("risk_review_months", str(DEFAULT_REVIEW_MONTHS)))
    if d.signoff is None:
        return f"{months} months after it is finalized"
    return add_months(d.signoff.on, months).isoformat()


def _plan(tasks: list[Task]) -> str:
    """A risk's plan status in a few words, for the owner's summary."""
    if not tasks:
        return "no plan yet"
    parts = []
    for t in tasks:
        match t.status:
            case TaskStatus.ACCEPTED:
                parts.append(f"risk accepted (task {t.id})")
            case TaskStatus.DONE:
                parts.append(f"task {t.id} done")
            case _:
                parts.append(f"task {t.id} {t.status.value.replace('_', ' ')}, due {t.due}")
    return "; ".join(parts)


def _summary(d: AssessmentDetail, names: dict[str, str]) -> dict[str, Any]:
    """The owner's page: risks by level, the top risks and their plan, required safeguards
    not in place, and what changed since the last finalized analysis."""
    register = d.register()
    levels: dict[str, int] = {}
    for _, r in register:
        levels[r.level.label] = levels.get(r.level.label, 0) + 1
    order = ["critical", "very high", "high", "moderate", "low", "very low"]
    by_task: dict[str, list[Task]] = {}
    for t in d.tasks:
        by_task.setdefault(t.scenario, []).append(t)
    required_gaps = [
        {"citation": i.citation, "name": i.name, "status": d.answers[i.citation].status.label,
         "plan": _plan(by_task.get(i.citation, []))}
        for i in d.items
        if i.citation in d.answers and d.answers[i.citation].status.is_gap and d.catalog.required(i)
    ]  # fmt: skip
    # every high and critical risk; moderate ones after them, up to five rows in all
    high = [(sc, r) for sc, r in register if r.level.rank >= Level.HIGH.rank]
    moderate = [(sc, r) for sc, r in register if r.level is Level.MODERATE]
    return {
        "by_level": [{"level": lv, "count": levels[lv]} for lv in order if lv in levels],
        "rated": len(register),
        "not_applicable": len(d.exclusions),
        "scenarios": len(d.scenarios),
        "top": [
            {
                "id": sc.id,
                "title": sc.title,
                "level": r.level.label,
                "plan": _plan(by_task.get(sc.id, [])),
            }
            for sc, r in high + moderate[: max(0, 5 - len(high))]
        ],
        "required_gaps": required_gaps,
    }


def render_report(p: Practice, assessment_id: int, fmt: str, redact: bool = False) -> str:
    """The report; ``redact`` (audit packets) leaves out the free-text notes of the answers
    (the evidence named, reasons and alternatives stay: they are the findings)."""
    from ctcm.render.templates import make_environment, render

    if fmt not in ("md", "html"):
        raise InvalidInput("--format for a report is md or html")
    d = detail(p, assessment_id)
    env = make_environment(p.vault.root / "templates")
    context = report_context(p, d)
    if redact:
        context["items"] = [{**i, "note": None} for i in context["items"]]
    return render(env, f"risk/report.{fmt}.j2", context)
