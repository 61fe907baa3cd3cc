"""Risk analysis: checklist items, threat scenarios, answers, ratings, the risk matrix, tasks.

Pure: stdlib only. The catalogs are data files (ctcm/catalog/*.toml) parsed and validated here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, assert_never

from ctcm.errors import InvalidInput

_CITATION = re.compile(
    r"^(16[04]\.\d{3}(\([a-z0-9]+\)|\([ivx]+\)|\([A-Z]\))*|42 CFR 2\.\d+(\([a-z0-9]+\))*|BOARD)$"
)


class ItemKind(StrEnum):
    STANDARD = "standard"
    REQUIRED = "required"
    ADDRESSABLE = "addressable"


class Rule(StrEnum):
    SECURITY = "security"
    PRIVACY = "privacy"


class SourceType(StrEnum):
    """NIST SP 800-30 threat source types, plus governance gaps: a missing BAA, training or risk
    analysis is no threat source but a vulnerability or predisposing condition that lets one
    cause harm, and is labelled so."""

    ADVERSARIAL = "adversarial"
    ACCIDENTAL = "accidental"
    STRUCTURAL = "structural"  # failures of equipment, environmental controls or software
    ENVIRONMENTAL = "environmental"
    PREDISPOSING = "predisposing"  # a vulnerability or predisposing condition

    @property
    def label(self) -> str:
        if self is SourceType.PREDISPOSING:
            return "vulnerability / predisposing condition"
        return self.value


class AnswerStatus(StrEnum):
    IMPLEMENTED = "implemented"
    PARTIAL = "partial"
    NOT_IMPLEMENTED = "not_implemented"
    NOT_APPLICABLE = "not_applicable"

    @property
    def is_gap(self) -> bool:
        return self in (AnswerStatus.PARTIAL, AnswerStatus.NOT_IMPLEMENTED)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Scale(StrEnum):
    """Three levels as in the HHS SRA tool (default), or NIST SP 800-30's five."""

    THREE = "three"
    FIVE = "five"

    @property
    def levels(self) -> tuple[Level, ...]:
        match self:
            case Scale.THREE:
                return (Level.LOW, Level.MODERATE, Level.HIGH)
            case Scale.FIVE:
                return (Level.VERY_LOW, Level.LOW, Level.MODERATE, Level.HIGH, Level.VERY_HIGH)
            case _:
                assert_never(self)


class Level(StrEnum):
    """Likelihood, impact and risk levels (CRITICAL only as a three-level risk result)."""

    VERY_LOW = "very_low"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    VERY_HIGH = "very_high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """For sorting: very_low 0 ... high 3, very_high and critical 4."""
        return {"very_low": 0, "low": 1, "moderate": 2, "high": 3, "very_high": 4, "critical": 4}[
            self.value
        ]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


L, M, H = Level.LOW, Level.MODERATE, Level.HIGH
VL, VH, C = Level.VERY_LOW, Level.VERY_HIGH, Level.CRITICAL

# Rows: likelihood; columns: impact (both ascending). Three levels: a 3x3 matrix in the manner
# of the HHS SRA tool, where a high likelihood of a high impact is critical.
MATRIX_THREE: dict[Level, dict[Level, Level]] = {
    L: {L: L, M: L, H: M},
    M: {L: L, M: M, H: H},
    H: {L: M, M: H, H: C},
}
# Five levels: NIST SP 800-30 Rev. 1, Table I-2 (level of risk).
MATRIX_FIVE: dict[Level, dict[Level, Level]] = {
    VL: {VL: VL, L: VL, M: VL, H: L, VH: L},
    L: {VL: VL, L: L, M: L, H: L, VH: M},
    M: {VL: VL, L: L, M: M, H: M, VH: H},
    H: {VL: VL, L: L, M: M, H: H, VH: VH},
    VH: {VL: VL, L: L, M: M, H: H, VH: VH},
}


def parse_level(text: str, scale: Scale, what: str) -> Level:
    value = text.strip().lower().replace(" ", "_").replace("-", "_")
    if value == "medium":
        value = "moderate"
    try:
        level = Level(value)
    except ValueError:
        level = None
    if level is None or level not in scale.levels:
        choices = ", ".join(lv.value for lv in scale.levels)
        raise InvalidInput(f"bad {what} {text!r} for the {scale.value}-level scale ({choices})")
    return level


def risk_level(likelihood: Level, impact: Level, scale: Scale) -> Level:
    """The level of risk for a likelihood and an impact on the practice's scale."""
    if likelihood not in scale.levels or impact not in scale.levels:
        raise InvalidInput(f"likelihood and impact must be on the {scale.value}-level scale")
    match scale:
        case Scale.THREE:
            return MATRIX_THREE[likelihood][impact]
        case Scale.FIVE:
            return MATRIX_FIVE[likelihood][impact]
        case _:
            assert_never(scale)


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ACCEPTED = "accepted"

    @property
    def closed(self) -> bool:
        return self in (TaskStatus.DONE, TaskStatus.ACCEPTED)


ALLOWED_MOVES = {
    TaskStatus.OPEN: {TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.ACCEPTED},
    TaskStatus.IN_PROGRESS: {TaskStatus.DONE, TaskStatus.ACCEPTED, TaskStatus.OPEN},
    TaskStatus.DONE: {TaskStatus.OPEN},
    TaskStatus.ACCEPTED: {TaskStatus.OPEN},
}


def check_move(current: TaskStatus, target: TaskStatus) -> None:
    if target not in ALLOWED_MOVES[current]:
        raise InvalidInput(f"a task that is {current.value} cannot become {target.value}")


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True, slots=True)
class CatalogItem:
    citation: str
    name: str
    kind: ItemKind
    safeguard: str
    questions: tuple[str, ...]
    guidance: str
    evidence: tuple[str, ...]
    parent: str | None = None
    nprm: str | None = None
    applies_if: str | None = None


@dataclass(frozen=True, slots=True)
class Catalog:
    rule: Rule
    title: str
    version: int
    items: tuple[CatalogItem, ...]
    proposed: str | None = None  # the proposed rule's headline changes (never current law)

    def get(self, citation: str) -> CatalogItem:
        for item in self.items:
            if item.citation == citation:
                return item
        raise InvalidInput(
            f"no item {citation} in the {self.title} checklist (see 'ctcm risk checklist')"
        )

    @property
    def citations(self) -> tuple[str, ...]:
        return tuple(i.citation for i in self.items)

    def standalone(self, item: CatalogItem) -> bool:
        """A standard with no implementation specification of its own (164.308(a)(2), (a)(8),
        164.310(b), (c), 164.312(b), (d)): the standard itself is required."""
        return (
            self.rule is Rule.SECURITY
            and item.kind is ItemKind.STANDARD
            and item.applies_if is None
            and not any(i.parent == item.citation for i in self.items)
        )

    def required(self, item: CatalogItem) -> bool:
        """Required of every covered entity: a required specification or a standalone
        standard (an item that applies only in some cases says so in ``applies_if``)."""
        return item.kind is ItemKind.REQUIRED or self.standalone(item)


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    title: str
    narrative: str
    source: SourceType
    citations: tuple[str, ...]
    mitigations: tuple[str, ...]


def parse_catalog(data: Mapping[str, Any], source: str) -> Catalog:
    """Validate a checklist data file: unique, well-formed citations; known kinds; parents that
    exist and are standards; at least one question per item."""
    try:
        rule = Rule(data["rule"])
        items = []
        for raw in data["items"]:
            items.append(
                CatalogItem(
                    citation=raw["citation"],
                    name=raw["name"],
                    kind=ItemKind(raw["kind"]),
                    safeguard=raw["safeguard"],
                    questions=tuple(raw["questions"]),
                    guidance=raw["guidance"],
                    evidence=tuple(raw.get("evidence", ())),
                    parent=raw.get("parent"),
                    nprm=raw.get("nprm"),
                    applies_if=raw.get("applies_if"),
                )
            )
        catalog = Catalog(
            rule, data["title"], int(data["version"]), tuple(items), data.get("proposed")
        )
    except (KeyError, ValueError, TypeError) as err:
        raise InvalidInput(f"{source}: invalid checklist data ({err})") from None
    seen: set[str] = set()
    by_citation = {i.citation: i for i in catalog.items}
    for item in catalog.items:
        if not _CITATION.match(item.citation):
            raise InvalidInput(f"{source}: malformed citation {item.citation!r}")
        if item.citation in seen:
            raise InvalidInput(f"{source}: citation {item.citation} appears twice")
        seen.add(item.citation)
        if not item.questions:
            raise InvalidInput(f"{source}: {item.citation} has no question")
        if item.parent is not None:
            parent = by_citation.get(item.parent)
            if parent is None or parent.kind is not ItemKind.STANDARD:
                raise InvalidInput(f"{source}: {item.citation} names an unknown standard")
            if item.kind is ItemKind.STANDARD:
                raise InvalidInput(f"{source}: standard {item.citation} has a parent")
        elif item.kind is not ItemKind.STANDARD:
            raise InvalidInput(f"{source}: specification {item.citation} has no standard")
    return catalog


def parse_scenarios(
    data: Mapping[str, Any], citations: set[str], source: str
) -> tuple[Scenario, ...]:
    try:
        scenarios = tuple(
            Scenario(
                id=raw["id"],
                title=raw["title"],
                narrative=raw["narrative"],
                source=SourceType(raw["source"]),
                citations=tuple(raw["citations"]),
                mitigations=tuple(raw["mitigations"]),
            )
            for raw in data["scenarios"]
        )
    except (KeyError, ValueError, TypeError) as err:
        raise InvalidInput(f"{source}: invalid scenario data ({err})") from None
    ids = [s.id for s in scenarios]
    if len(set(ids)) != len(ids):
        raise InvalidInput(f"{source}: a scenario id appears twice")
    for s in scenarios:
        unknown = [c for c in s.citations if c not in citations]
        if unknown or not s.citations:
            raise InvalidInput(f"{source}: scenario {s.id} cites unknown {unknown or 'nothing'}")
    return scenarios


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Assessment:
    id: int
    rule: Rule
    kind: str  # full | mini
    year: int
    scope: str
    scale: Scale
    items: tuple[str, ...] | None  # a mini assessment's items; None: the whole checklist
    created_at: str
    created_by: str
    catalog_version: int


@dataclass(frozen=True, slots=True)
class Answer:
    citation: str
    status: AnswerStatus
    note: str | None = None
    evidence: str | None = None
    reason: str | None = None  # addressable not implemented: why (164.306(d)(3))
    alternative: str | None = None  # ... and the equivalent measure taken instead
    answered_at: str | None = None
    answered_by: str | None = None


@dataclass(frozen=True, slots=True)
class Rating:
    scenario: str
    likelihood: Level
    impact: Level
    level: Level
    controls: str | None = None
    rated_at: str | None = None


@dataclass(frozen=True, slots=True)
class Task:
    id: int
    assessment_id: int
    scenario: str
    action: str
    owner: str
    due: date
    status: TaskStatus
    accepted_reason: str | None = None
    accepted_by: str | None = None
    closed_on: date | None = None

    def overdue(self, today: date) -> bool:
        return not self.status.closed and self.due < today


# Required specifications that apply only to some kinds of entity, so a practice may answer
# them not applicable: clearinghouse functions, arrangements between government entities,
# a business associate's subcontractors, group health plans. Every other required
# specification applies to every covered entity (risk analysis, disposal, unique user IDs...).
MAY_NOT_APPLY = ("164.308(a)(4)(ii)(A)", "164.314(a)(2)(ii)", "164.314(a)(2)(iii)", "164.314(b)")


def validate_answer(item: CatalogItem, answer: Answer, standalone: bool = False) -> Answer:
    """164.306(d)(3): an addressable item not implemented needs the documented reason and the
    equivalent alternative (or a statement that none is reasonable). A standalone standard is
    required of every covered entity and cannot be not applicable."""
    if standalone and answer.status is AnswerStatus.NOT_APPLICABLE:
        raise InvalidInput(
            f"{item.citation} is a standard with no separate specifications: it is required of "
            "every covered entity and cannot be not applicable"
        )
    if (
        item.kind is ItemKind.ADDRESSABLE
        and answer.status is AnswerStatus.NOT_IMPLEMENTED
        and not (answer.reason and answer.alternative)
    ):
        raise InvalidInput(
            f"{item.citation} is addressable: not implementing it needs --reason (why it is not "
            "reasonable and appropriate) and --alternative (the equivalent measure, or 'none')"
        )
    if (
        answer.status is AnswerStatus.NOT_APPLICABLE
        and item.kind is ItemKind.REQUIRED
        and not item.citation.startswith(MAY_NOT_APPLY)
    ):
        raise InvalidInput(
            f"{item.citation} ({item.name}) is a required specification that applies to every "
            "covered entity: it cannot be not applicable (answer implemented, partial or "
            "not_implemented)"
        )
    if answer.status is AnswerStatus.NOT_APPLICABLE and not answer.note:
        raise InvalidInput(f"{item.citation}: say why it does not apply (--note)")
    return answer


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A scenario in scope judged not applicable to this practice, with the reason."""

    scenario: str
    reason: str
    at: str | None = None
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Signoff:
    """A finalized assessment: who signed, when, and the hash of what they signed."""

    assessment_id: int
    by: str  # person id
    on: date
    content_hash: str
    at: str


def missing_for_finalize(
    catalog: Catalog,
    items: tuple[CatalogItem, ...],
    answers: Mapping[str, Answer],
    scenarios: tuple[Scenario, ...],
    ratings: Mapping[str, Rating],
    exclusions: Mapping[str, Exclusion],
    tasks: tuple[Task, ...],
) -> list[str]:
    """What keeps an assessment from being finalized, one line each (empty: it may be).

    Every item answered; every scenario in scope rated or not applicable with a reason; every
    high or critical risk, and every required specification or standard partial or not
    implemented, with a task or a recorded acceptance (a task names the scenario or the
    item's citation); every addressable item not implemented with its reason and
    alternative; no standalone standard not applicable.
    """
    planned = {t.scenario for t in tasks}
    unplanned = [
        f"{scenario_id}: {rating.level.label} risk with no mitigation task or acceptance"
        for scenario_id, rating in sorted(ratings.items())
        if rating.level.rank >= Level.HIGH.rank and scenario_id not in planned
    ]
    wrong, unanswered = [], []
    for item in items:
        ans = answers.get(item.citation)
        if ans is None:
            unanswered.append(f"{item.citation} {item.name}: not answered")
            continue
        if (
            item.kind is ItemKind.ADDRESSABLE
            and ans.status is AnswerStatus.NOT_IMPLEMENTED
            and not (ans.reason and ans.alternative)
        ):
            wrong.append(f"{item.citation}: addressable, not implemented, no reason/alternative")
        if ans.status is AnswerStatus.NOT_APPLICABLE and catalog.standalone(item):
            wrong.append(f"{item.citation}: a required standard answered not applicable")
        if ans.status.is_gap and catalog.required(item) and item.citation not in planned:
            unplanned.append(
                f"{item.citation} {item.name}: required, {ans.status.label}, with no mitigation "
                "task or acceptance"
            )
    unrated = [
        f"{scenario.id} {scenario.title}: not rated (or marked not applicable)"
        for scenario in scenarios
        if scenario.id not in ratings and scenario.id not in exclusions
    ]
    # The weightiest first: a list cut short still shows what matters most.
    missing = unplanned + wrong + unanswered + unrated
    return missing
