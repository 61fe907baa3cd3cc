"""Risk analysis use cases: assessments, answers, ratings, the mitigation plan, reports, and
the security program summary shown by ``ctcm status`` and the digest."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from ctcm.domain.credentials import check_text
from ctcm.domain.dates import add_months, parse_optional_date
from ctcm.domain.risk import (
    Answer,
    AnswerStatus,
    Assessment,
    Catalog,
    CatalogItem,
    Level,
    Rating,
    Rule,
    Scale,
    Scenario,
    Task,
    TaskStatus,
    check_move,
    parse_level,
    risk_level,
    validate_answer,
)
from ctcm.errors import CtcmError, InvalidInput, NotFound
from ctcm.services import credentials as cred
from ctcm.services.practice import Practice
from ctcm.services.riskcatalog import load_catalog, load_scenarios

DEFAULT_REVIEW_MONTHS = 12


def practice_scale(p: Practice) -> Scale:
    return Scale(p.settings.get("risk_scale", "three"))


# ============================================================================ assessments


def new_assessment(
    p: Practice,
    year: int | None,
    scope: str | None,
    privacy: bool,
    mini: str | None,
    items: list[str],
) -> Assessment:
    """Start a full assessment, or a mini assessment of a change limited to ``items``."""
    rule = Rule.PRIVACY if privacy else Rule.SECURITY
    catalog = load_catalog(rule.value)
    year = year if year is not None else p.today.year
    if not 2000 <= year <= 2100:
        raise InvalidInput(f"bad --year {year}")
    if mini is not None:
        if not items:
            raise InvalidInput("a mini assessment needs at least one --item CITATION")
        chosen: tuple[str, ...] | None = tuple(
            dict.fromkeys(catalog.get(c).citation for c in items)
        )
        kind, text = "mini", check_text(mini, "--mini description", 500)
    else:
        if items:
            raise InvalidInput('--item limits a mini assessment: give --mini "what changed"')
        chosen, kind = None, "full"
        text = (
            check_text(scope, "--scope", 500)
            if scope
            else (
                f"All electronic protected health information of {p.settings.get('practice_name', '')}"
                if rule is Rule.SECURITY
                else "The practice's privacy program"
            )
        )
    assessment = Assessment(
        0, rule, kind, year, text, practice_scale(p), chosen, p.now_iso, p.actor, catalog.version
    )
    new_id = p.repo.add_assessment(assessment)
    p.touch(f"assessment:{new_id}")
    return replace(assessment, id=new_id)


def get_assessment(p: Practice, assessment_id: int) -> Assessment:
    for a in p.repo.assessments():
        if a.id == assessment_id:
            return a
    raise NotFound(f"unknown assessment {assessment_id} (see 'ctcm risk list')")


def scope_items(a: Assessment) -> list[CatalogItem]:
    catalog = load_catalog(a.rule.value)
    if a.items is None:
        return list(catalog.items)
    return [catalog.get(c) for c in a.items]


def scope_scenarios(a: Assessment) -> list[Scenario]:
    """Scenarios of this assessment: all for a full Security Rule assessment, those touching
    the chosen items for a mini one, none for the privacy checklist."""
    if a.rule is Rule.PRIVACY:
        return []
    scenarios = list(load_scenarios())
    if a.items is None:
        return scenarios
    chosen = set(a.items)
    return [s for s in scenarios if chosen.intersection(s.citations)]


def get_scenario(a: Assessment, scenario_id: str) -> Scenario:
    for s in scope_scenarios(a):
        if s.id == scenario_id.upper():
            return s
    raise NotFound(
        f"scenario {scenario_id} is not part of assessment {a.id} (see 'ctcm risk show ID')"
    )


def _in_scope(a: Assessment, citation: str) -> CatalogItem:
    item = load_catalog(a.rule.value).get(citation)
    if a.items is not None and item.citation not in a.items:
        raise InvalidInput(f"{citation} is not part of mini assessment {a.id}")
    return item


def _status(text: str) -> AnswerStatus:
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {
        "yes": "implemented",
        "no": "not_implemented",
        "na": "not_applicable",
        "n/a": "not_applicable",
        "partially": "partial",
    }
    try:
        return AnswerStatus(aliases.get(value, value))
    except ValueError:
        raise InvalidInput(
            f"bad status {text!r} (implemented, partial, not_implemented, not_applicable)"
        ) from None


def answer(
    p: Practice,
    assessment_id: int,
    citation: str,
    status: str,
    note: str | None = None,
    evidence: str | None = None,
    reason: str | None = None,
    alternative: str | None = None,
) -> Answer:
    a = get_assessment(p, assessment_id)
    item = _in_scope(a, citation)
    result = _build_answer(p, item, status, note, evidence, reason, alternative)
    p.repo.put_answers(a.id, [result])
    p.touch(f"assessment:{a.id}", f"item:{item.citation}")
    return result


def _build_answer(
    p: Practice,
    item: CatalogItem,
    status: str,
    note: str | None,
    evidence: str | None,
    reason: str | None,
    alternative: str | None,
) -> Answer:
    def clean(value: str | None, what: str) -> str | None:
        return check_text(value, what, 2000) if value and value.strip() else None

    return validate_answer(
        item,
        Answer(
            item.citation,
            _status(status),
            clean(note, "note"),
            clean(evidence, "evidence"),
            clean(reason, "reason"),
            clean(alternative, "alternative"),
            p.now_iso,
            p.actor,
        ),
    )


ANSWER_COLUMNS = ("citation", "status", "note", "evidence", "reason", "alternative")


def import_answers(p: Practice, assessment_id: int, path: Path) -> int:
    """Answers from CSV (columns as ANSWER_COLUMNS) or YAML (a list of mappings with those
    keys); all or nothing, every bad row reported."""
    from ctcm.services.csvio import BadRows, read_csv_text, read_rows

    a = get_assessment(p, assessment_id)
    text = read_csv_text(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(text, path.name)
    else:
        rows = read_rows(text, path.name, ANSWER_COLUMNS, ("citation", "status"))
    errors, answers = [], []
    for where, row in rows:
        try:
            if "__error__" in row:
                raise InvalidInput(row["__error__"])
            item = _in_scope(a, row.get("citation", ""))
            answers.append(
                _build_answer(
                    p,
                    item,
                    row.get("status", ""),
                    row.get("note"),
                    row.get("evidence"),
                    row.get("reason"),
                    row.get("alternative"),
                )
            )
        except CtcmError as err:
            errors.append(f"row {where}: {err}")
    if errors:
        raise BadRows(path.name, errors)
    p.repo.put_answers(a.id, answers)
    p.touch(f"assessment:{a.id}", f"import:{path.name}")
    return len(answers)


def _yaml_rows(text: str, name: str) -> list[tuple[int, dict[str, str]]]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise InvalidInput(f"{name}: not valid YAML ({str(err).splitlines()[0]})") from None
    if isinstance(data, dict) and "answers" in data:
        data = data["answers"]
    if not isinstance(data, list):
        raise InvalidInput(f"{name}: expected a list of answers (citation, status, ...)")
    rows = []
    for index, entry in enumerate(data, start=1):
        if not isinstance(entry, dict):
            rows.append((index, {"__error__": "not a mapping"}))
            continue
        unknown = [k for k in entry if k not in ANSWER_COLUMNS]
        if unknown:
            rows.append((index, {"__error__": f"unknown key {unknown[0]!r}"}))
            continue
        rows.append((index, {k: "" if v is None else str(v) for k, v in entry.items()}))
    return rows


def rate(
    p: Practice,
    assessment_id: int,
    scenario_id: str,
    likelihood: str,
    impact: str,
    controls: str | None = None,
) -> Rating:
    a = get_assessment(p, assessment_id)
    scenario = get_scenario(a, scenario_id)
    lik = parse_level(likelihood, a.scale, "likelihood")
    imp = parse_level(impact, a.scale, "impact")
    rating = Rating(
        scenario.id,
        lik,
        imp,
        risk_level(lik, imp, a.scale),
        check_text(controls, "--controls", 2000) if controls else None,
        p.now_iso,
    )
    p.repo.put_rating(a.id, rating, p.actor)
    p.touch(f"assessment:{a.id}", f"scenario:{scenario.id}")
    return rating


def proposed_scenarios(p: Practice, a: Assessment) -> list[Scenario]:
    """Unrated scenarios linked to items answered partial or not implemented."""
    gaps = {c for c, ans in p.repo.answers(a.id).items() if ans.status.is_gap}
    rated = set(p.repo.ratings(a.id))
    return [s for s in scope_scenarios(a) if gaps.intersection(s.citations) and s.id not in rated]


# ============================================================================ mitigation plan


def mitigate(
    p: Practice, assessment_id: int, scenario_id: str, action: str, owner: str, due: date
) -> int:
    a = get_assessment(p, assessment_id)
    scenario = get_scenario(a, scenario_id)
    cred.get_person(p, owner)
    task = Task(
        0, a.id, scenario.id, check_text(action, "--action", 1000), owner, due, TaskStatus.OPEN
    )
    task_id = p.repo.add_task(task, p.now_iso, p.actor)
    p.touch(f"assessment:{a.id}", f"task:{task_id}", f"person:{owner}")
    return task_id


def get_task(p: Practice, task_id: int) -> Task:
    for t in p.repo.tasks():
        if t.id == task_id:
            return t
    raise NotFound(f"unknown task {task_id} (see 'ctcm risk tasks')")


def move_task(
    p: Practice,
    task_id: int,
    target: TaskStatus,
    reason: str | None = None,
    accepted_by: str | None = None,
) -> Task:
    """open -> in progress -> done, or accepted (needs a reason and who accepted the risk)."""
    task = get_task(p, task_id)
    check_move(task.status, target)
    if target is TaskStatus.ACCEPTED:
        if not reason or not accepted_by:
            raise InvalidInput("accepting a risk needs --reason and --by PERSON (who accepted it)")
        cred.get_person(p, accepted_by)
        reason = check_text(reason, "--reason", 1000)
    task = replace(
        task,
        status=target,
        accepted_reason=reason if target is TaskStatus.ACCEPTED else None,
        accepted_by=accepted_by if target is TaskStatus.ACCEPTED else None,
        closed_on=p.today if target.closed else None,
    )
    p.repo.update_task(task)
    p.touch(f"task:{task_id}")
    return task


def list_tasks(p: Practice, overdue: bool = False) -> list[Task]:
    today = p.today
    p.touch("tasks")
    return [t for t in p.repo.tasks() if not overdue or t.overdue(today)]


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
    earlier = [
        x for x in p.repo.assessments() if x.id < a.id and x.rule is a.rule and x.kind == "full"
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
    p.touch(f"assessment:{a.id}")
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
        "tasks": [task_json(t) for t in d.tasks],
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
    return {
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
        "officer": names.get(officer_id or "", "(not designated)"),
        "progress": d.progress,
        "items": items,
        "addressable": addressable,
        "register": [
            {
                "id": s.id,
                "title": s.title,
                "source": s.source.value,
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
    }


def render_report(p: Practice, assessment_id: int, fmt: str) -> str:
    from ctcm.render.templates import make_environment, render

    if fmt not in ("md", "html"):
        raise InvalidInput("--format for a report is md or html")
    d = detail(p, assessment_id)
    env = make_environment(p.vault.root / "templates")
    return render(env, f"risk/report.{fmt}.j2", report_context(p, d))


def checklist_items(rule: str) -> list[dict[str, Any]]:
    return [
        {
            "citation": i.citation,
            "name": i.name,
            "kind": i.kind.value,
            "safeguard": i.safeguard,
            "questions": list(i.questions),
            "guidance": i.guidance,
            "evidence": list(i.evidence),
            "proposed_change": i.nprm,
        }
        for i in load_catalog(rule).items
    ]


def render_checklist(rule: str, fmt: str, override_dir: Path | None) -> str:
    """The blank checklist, for a paper walk-through (md, html, csv or json)."""
    import json

    from ctcm.render.formats import neutralise
    from ctcm.render.templates import make_environment, render

    items = checklist_items(rule)
    if fmt == "json":
        return json.dumps(items, indent=2) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(
            ["citation", "name", "kind", "safeguard", "questions", "evidence", "status", "note"]
        )
        for i in items:
            writer.writerow(
                [
                    neutralise(str(x))
                    for x in (
                        i["citation"],
                        i["name"],
                        i["kind"],
                        i["safeguard"],
                        " ".join(i["questions"]),
                        "; ".join(i["evidence"]),
                        "",
                        "",
                    )
                ]
            )
        return buf.getvalue()
    if fmt not in ("md", "html"):
        raise InvalidInput("--format must be md, html, csv or json")
    catalog = load_catalog(rule)
    return render(
        make_environment(override_dir),
        f"risk/checklist.{fmt}.j2",
        {"title": catalog.title, "version": catalog.version, "items": items},
    )


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


def parse_due(text: str) -> date:
    day = parse_optional_date(text, "--due date")
    if day is None:
        raise InvalidInput("--due is required (YYYY-MM-DD)")
    return day
