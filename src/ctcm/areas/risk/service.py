"""Risk analysis use cases: assessments, answers, ratings (or scenarios judged not applicable),
the mitigation plan, and finalizing an assessment. An assessment is a draft until finalized;
a finalized one no longer changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from ctcm.areas.credentials import service as cred
from ctcm.areas.risk.catalog import load_catalog, load_scenarios
from ctcm.domain.credentials import check_text
from ctcm.domain.dates import parse_optional_date
from ctcm.domain.risk import (
    Answer,
    AnswerStatus,
    Assessment,
    CatalogItem,
    Exclusion,
    Rating,
    Rule,
    Scale,
    Scenario,
    Signoff,
    Task,
    TaskStatus,
    check_move,
    missing_for_finalize,
    parse_level,
    risk_level,
    validate_answer,
)
from ctcm.errors import CtcmError, InvalidInput, NotFound
from ctcm.services.practice import Practice


class FinalizeRefused(CtcmError):
    """An assessment cannot be finalized yet; the message lists what is missing."""


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


def editable(p: Practice, assessment_id: int) -> Assessment:
    """The assessment, if it is still a draft; a finalized one no longer changes."""
    a = get_assessment(p, assessment_id)
    signed = p.repo.signoffs().get(a.id)
    if signed is not None:
        raise InvalidInput(
            f"assessment {a.id} was finalized on {signed.on} by {signed.by} and no longer "
            f"changes; record later findings in a new or a mini assessment "
            f'(ctcm risk new --mini "what changed" --item CITATION)'
        )
    return a


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


def _task_target(a: Assessment, target: str) -> str:
    """What a mitigation task treats: a threat scenario (S04) or a safeguard not in place,
    by its citation (164.308(a)(7)(ii)(A))."""
    if target[:1].isdigit():
        return _in_scope(a, target).citation
    return get_scenario(a, target).id


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
    a = editable(p, assessment_id)
    item = _in_scope(a, citation)
    result = _build_answer(p, a, item, status, note, evidence, reason, alternative)
    p.repo.put_answers(a.id, [result])
    p.touch(f"assessment:{a.id}", f"item:{item.citation}")
    return result


def _build_answer(
    p: Practice,
    a: Assessment,
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
        standalone=load_catalog(a.rule.value).standalone(item),
    )


ANSWER_COLUMNS = ("citation", "status", "note", "evidence", "reason", "alternative")
# Columns of the blank checklist (``risk checklist --format csv``) that describe an item: a
# filled-in checklist imports as it is, these ignored.
CHECKLIST_COLUMNS = ("name", "kind", "safeguard", "questions", "evidence_examples")


def import_answers(p: Practice, assessment_id: int, path: Path) -> int:
    """Answers from CSV (columns as ANSWER_COLUMNS, plus the checklist's descriptive ones, which
    are ignored; a row with no status is an item not answered yet) or YAML (a list of mappings
    with those keys); all or nothing, every bad row reported."""
    from ctcm.areas.credentials.csvio import BadRows, file_tag, read_csv_text, read_rows

    a = editable(p, assessment_id)
    text = read_csv_text(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        rows = _yaml_rows(text, path.name)
    else:
        rows = read_rows(text, path.name, ANSWER_COLUMNS, ("citation", "status"), CHECKLIST_COLUMNS)
        rows = [(where, row) for where, row in rows if "__error__" in row or row.get("status")]
    errors, answers = [], []
    for where, row in rows:
        try:
            if "__error__" in row:
                raise InvalidInput(row["__error__"])
            item = _in_scope(a, row.get("citation", ""))
            answers.append(
                _build_answer(
                    p,
                    a,
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
    p.touch(f"assessment:{a.id}", f"import:{path.name}", file_tag(text))
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
    a = editable(p, assessment_id)
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
    p.repo.drop_exclusion(a.id, scenario.id)
    p.repo.put_rating(a.id, rating, p.actor)
    p.touch(f"assessment:{a.id}", f"scenario:{scenario.id}")
    return rating


def exclude(p: Practice, assessment_id: int, scenario_id: str, reason: str) -> Exclusion:
    """Judge a scenario not applicable to this practice, with the reason (replaces a rating)."""
    a = editable(p, assessment_id)
    scenario = get_scenario(a, scenario_id)
    if not reason or not reason.strip():
        raise InvalidInput("say why the scenario does not apply (--not-applicable REASON)")
    result = Exclusion(scenario.id, check_text(reason, "reason", 1000), p.now_iso, p.actor)
    p.repo.put_exclusion(a.id, result)
    p.touch(f"assessment:{a.id}", f"scenario:{scenario.id}")
    return result


def scenarios_to_rate(p: Practice, a: Assessment, again: bool = False) -> list[Scenario]:
    """Every scenario in scope not yet rated or judged not applicable (all with ``again``):
    those touching an item answered partial or not implemented first, then the others, each
    group in catalog order. A risk analysis considers every reasonably anticipated threat."""
    gaps = {c for c, ans in p.repo.answers(a.id).items() if ans.status.is_gap}
    done = set(p.repo.ratings(a.id)) | set(p.repo.exclusions(a.id))
    todo = [s for s in scope_scenarios(a) if again or s.id not in done]
    return sorted(todo, key=lambda s: not gaps.intersection(s.citations))


# ============================================================================ finalize


def content_hash(p: Practice, a: Assessment) -> str:
    """SHA-256 of what a signer approves: the scope, every answer, rating and exclusion, and the
    plan's tasks (not their later progress)."""
    import hashlib
    import json

    body = {
        "assessment": [
            a.id,
            a.rule.value,
            a.kind,
            a.year,
            a.scope,
            a.scale.value,
            list(a.items) if a.items is not None else None,
            a.catalog_version,
        ],
        "answers": sorted(
            [x.citation, x.status.value, x.note, x.evidence, x.reason, x.alternative]
            for x in p.repo.answers(a.id).values()
        ),
        "ratings": sorted(
            [r.scenario, r.likelihood.value, r.impact.value, r.level.value, r.controls]
            for r in p.repo.ratings(a.id).values()
        ),
        "not_applicable": sorted([e.scenario, e.reason] for e in p.repo.exclusions(a.id).values()),
        "tasks": [
            [t.id, t.scenario, t.action, t.owner, t.due.isoformat()] for t in p.repo.tasks(a.id)
        ],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


# the item the program answers itself: whether there is a current risk analysis is what
# finalizing this one makes true (asked, it read as "partial" inside the finalized analysis)
SELF_ITEM = "164.308(a)(1)(ii)(A)"


def asked_items(a: Assessment) -> list[CatalogItem]:
    """The items a person answers: all in scope but the one the program answers."""
    return [i for i in scope_items(a) if i.citation != SELF_ITEM]


def missing(p: Practice, a: Assessment) -> list[str]:
    """What keeps ``a`` from being finalized (see domain.risk.missing_for_finalize)."""
    return missing_for_finalize(
        load_catalog(a.rule.value),
        tuple(asked_items(a)),
        p.repo.answers(a.id),
        tuple(scope_scenarios(a)),
        p.repo.ratings(a.id),
        p.repo.exclusions(a.id),
        tuple(p.repo.tasks(a.id)),
    )


def finalize(p: Practice, assessment_id: int, by: str) -> Signoff:
    """Sign an assessment off: refused, with the list of what is missing, until it is complete.
    Records the signer, the date and the content hash; the assessment no longer changes."""
    a = editable(p, assessment_id)
    signer = cred.get_person(p, by)
    gaps = missing(p, a)
    if gaps:
        shown = "\n".join(f"  - {g}" for g in gaps[:40])
        more = f"\n  ... and {len(gaps) - 40} more" if len(gaps) > 40 else ""
        raise FinalizeRefused(
            f"assessment {a.id} cannot be finalized yet: {len(gaps)} thing(s) missing\n"
            f"{shown}{more}"
        )
    if any(i.citation == SELF_ITEM for i in scope_items(a)):
        # the program's own answer: this analysis, now finalized, is the current one
        p.repo.put_answers(a.id, [Answer(
            SELF_ITEM, AnswerStatus.IMPLEMENTED, None,
            f"this risk analysis (#{a.id}), finalized {p.today} by {signer.name}",
            answered_at=p.now_iso, answered_by=p.actor)])  # fmt: skip
    signoff = Signoff(a.id, signer.id, p.today, content_hash(p, a), p.now_iso)
    p.repo.add_signoff(signoff)
    p.touch(f"assessment:{a.id}", f"signed-by:{signer.id}")
    return signoff


# ============================================================================ mitigation plan


def mitigate(
    p: Practice,
    assessment_id: int,
    scenario_id: str,
    action: str,
    owner: str,
    due: date,
    allow_past: bool = False,
) -> int:
    a = editable(p, assessment_id)
    target = _task_target(a, scenario_id)
    if due < p.today and not allow_past:
        raise InvalidInput(
            f"--due {due} is in the past; give a date from {p.today} on "
            "(or --allow-past to record a task that was already due)"
        )
    cred.get_person(p, owner)
    task = Task(0, a.id, target, check_text(action, "--action", 1000), owner, due, TaskStatus.OPEN)
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


def parse_due(text: str) -> date:
    day = parse_optional_date(text, "--due date")
    if day is None:
        raise InvalidInput("--due is required (YYYY-MM-DD)")
    return day
