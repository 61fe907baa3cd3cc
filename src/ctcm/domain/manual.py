"""The policies and procedures manual: adopted versions, their retention, and who must read the
version in force (pure rules; the services read the vault and pass ``today``).

"Policy" in ctcm means a compliance policy (which documents a category of personnel holds);
this is the *manual*, never called a policy in code or output.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from ctcm.domain.credentials import Light, Person, Reason, RequirementStatus
from ctcm.domain.dates import add_months
from ctcm.errors import InvalidInput

ACK_KEY = "@manual"  # the requirement key of an acknowledgment: never a document type's key
RETENTION_MONTHS = 72  # 164.316(b)(2)(i) and 164.530(j)(2): six years from when last in effect
DEFAULT_ACK_DAYS = 30


@dataclass(frozen=True, slots=True)
class Section:
    """One policy of the manual, rendered: its file name (slug), title, rule and text."""

    slug: str
    title: str
    rule: str
    text: str  # Markdown


def content_hash(sections: Sequence[Section]) -> str:
    """SHA-256 over every policy's slug and text, in order: what an adoption fixes."""
    digest = hashlib.sha256()
    for s in sections:
        digest.update(s.slug.encode() + b"\0" + s.text.encode() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ManualVersion:
    number: int
    effective: date
    adopted_on: date  # the practice-local date of the adoption
    adopted_by: str
    note: str | None
    content_hash: str
    policies: int


@dataclass(frozen=True, slots=True)
class VersionState:
    version: ManualVersion
    state: str  # "in force" | "scheduled" | "retired"
    retired_on: date | None  # when the next version took (or takes) effect
    keep_until: date | None  # six years after it stopped being in effect


def in_force(versions: Iterable[ManualVersion], today: date) -> ManualVersion | None:
    """The latest adopted version whose effective date has come."""
    current = None
    for v in sorted(versions, key=lambda v: v.number):
        if v.effective <= today:
            current = v
    return current


def version_states(versions: Sequence[ManualVersion], today: date) -> list[VersionState]:
    """Every version with its state and retention; a version retires the day the next one takes
    effect and is kept six years from then (never deleted before)."""
    ordered = sorted(versions, key=lambda v: v.number)
    current = in_force(ordered, today)
    out = []
    for i, v in enumerate(ordered):
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        retired_on = following.effective if following is not None else None
        if v.effective > today:
            state = "scheduled"
        elif current is not None and v.number == current.number:
            state = "in force"
        else:
            state = "retired"
        keep = add_months(retired_on, RETENTION_MONTHS) if retired_on is not None else None
        out.append(VersionState(v, state, retired_on, keep))
    return out


def check_effective(effective: date, versions: Sequence[ManualVersion], today: date) -> date:
    """An effective date no earlier than the latest version's and at most a year ahead."""
    if versions:
        latest = max(versions, key=lambda v: v.number)
        if effective < latest.effective:
            raise InvalidInput(
                f"--effective {effective} is before version {latest.number} took effect "
                f"({latest.effective}): a new version cannot take effect before the one it replaces"
            )
    if effective > today + timedelta(days=366):
        raise InvalidInput(f"--effective {effective} is more than a year ahead")
    return effective


@dataclass(frozen=True, slots=True)
class AckRule:
    """Who must acknowledge the manual in force, and within how many days of its effective date
    or of their start date, whichever is later."""

    policies: tuple[str, ...] = ()  # empty: every active person
    days: int = DEFAULT_ACK_DAYS

    def applies(self, person: Person) -> bool:
        return not self.policies or any(p in self.policies for p in person.policies)

    def describe(self) -> str:
        who = (
            "people assigned " + ", ".join(self.policies)
            if self.policies
            else "every active person"
        )
        return f"{who}, within {self.days} days of the version's effective date or their start"

    @staticmethod
    def parse(who: str | None, days: str | None) -> AckRule:
        policies: tuple[str, ...] = ()
        if who and who != "all":
            policies = tuple(sorted({w.strip() for w in who.split(",") if w.strip()}))
        return AckRule(policies, int(days) if days else DEFAULT_ACK_DAYS)


def ack_due(person: Person, version: ManualVersion, rule: AckRule) -> date:
    start = version.effective
    if person.start is not None and person.start > start:
        start = person.start
    return start + timedelta(days=rule.days)


def ack_requirement(
    person: Person,
    version: ManualVersion | None,
    acknowledged: Mapping[tuple[str, int], date],
    rule: AckRule,
    today: date,
) -> tuple[RequirementStatus, ...]:
    """The person's acknowledgment of the version in force, as one requirement of their lights:
    GREEN once acknowledged, YELLOW until the due date (the day itself included), then RED.
    Nothing when no version is in force or the rule does not cover the person."""
    if version is None or not rule.applies(person):
        return ()
    name = f"Policies and procedures manual, version {version.number}"
    on = acknowledged.get((person.id, version.number))
    if on is not None:
        return (
            RequirementStatus(
                ACK_KEY, name, Light.GREEN, Reason.ACKNOWLEDGED, None, None, None, None,
                version.number, on, kind="manual",
            ),
        )  # fmt: skip
    due = ack_due(person, version, rule)
    left = (due - today).days
    light = Light.YELLOW if left >= 0 else Light.RED
    return (
        RequirementStatus(
            ACK_KEY,
            name,
            light,
            Reason.UNACKNOWLEDGED,
            due,
            left,
            None,
            None,
            version.number,
            kind="manual",
        ),
    )


def check_ack_date(on: date, version: ManualVersion, today: date) -> date:
    if on > today:
        raise InvalidInput(f"--date {on} is in the future: record an acknowledgment once signed")
    earliest = min(version.adopted_on, version.effective)
    if on < earliest:
        raise InvalidInput(
            f"--date {on} is before version {version.number} existed (adopted {version.adopted_on})"
        )
    return on
