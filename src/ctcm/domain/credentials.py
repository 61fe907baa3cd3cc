"""Credential tracking: document types, policies, people, documents and the traffic-light rule.

The rule is written once here (``evaluate_person``) and used by status, emails, reports and
every later feature.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import assert_never

from ctcm.domain.dates import add_months
from ctcm.errors import InvalidInput

DEFAULT_WARN_DAYS = 30
_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


class Category(StrEnum):
    LICENSE = "license"
    CERTIFICATION = "certification"
    TRAINING = "training"
    FORM = "form"
    TEST = "test"
    INSURANCE = "insurance"
    OTHER = "other"


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    WAIVED = "waived"

    @property
    def severity(self) -> int:
        """0 satisfied (green or waived), 1 yellow, 2 red."""
        match self:
            case Light.GREEN | Light.WAIVED:
                return 0
            case Light.YELLOW:
                return 1
            case Light.RED:
                return 2
            case _:
                assert_never(self)


class Reason(StrEnum):
    CURRENT = "current"
    NO_EXPIRY = "no expiry"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"
    WAIVED = "waived"
    ACKNOWLEDGED = "acknowledged"  # the manual in force, read and signed (domain/manual.py)
    UNACKNOWLEDGED = "not acknowledged"
    # exclusion screening (areas/screening): the office's to do, never the person's
    NOT_SCREENED = "not screened"  # never screened against the exclusion lists
    CANDIDATE = "exclusion candidate"  # a possible match not yet verified
    EXCLUDED = "excluded"  # on a federal exclusion list, confirmed


def check_key(value: str, what: str) -> str:
    """Keys and ids: lower-case letters, digits, ``_ . -``; at most 64 characters."""
    if not _KEY.match(value):
        raise InvalidInput(
            f"bad {what} {value!r}: use lower-case letters, digits, '_', '.', '-' (max 64)"
        )
    return value


def check_email(value: str) -> str:
    value = value.strip()
    if not _EMAIL.match(value):
        raise InvalidInput(f"bad email address {value!r}")
    return value


def check_text(value: str, what: str, max_len: int = 200) -> str:
    """One line of text: no control characters (they would break emails and CSV)."""
    value = value.strip()
    if not value:
        raise InvalidInput(f"{what} must not be empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InvalidInput(f"{what} must be one line without control characters")
    if len(value) > max_len:
        raise InvalidInput(f"{what} is longer than {max_len} characters")
    return value


@dataclass(frozen=True, slots=True)
class DocType:
    key: str
    name: str
    category: Category = Category.OTHER
    validity_months: int | None = None  # None (and no validity_days): never expires
    warn_days: int | None = None  # None: the practice default
    archived: bool = False
    validity_days: int | None = None  # for short cycles (CAQH re-attestation: 120 days)
    provided: bool = False  # the practice obtains it (background check, I-9): never staff

    @property
    def never_expires(self) -> bool:
        return self.validity_months is None and self.validity_days is None

    @property
    def validity_text(self) -> str:
        if self.validity_days is not None:
            return f"{self.validity_days} days"
        if self.validity_months is not None:
            return f"{self.validity_months} months"
        return "no expiry"

    def default_expiry(self, issued: date | None) -> date | None:
        if issued is None:
            return None
        if self.validity_days is not None:
            return issued + timedelta(days=self.validity_days)
        if self.validity_months is not None:
            return add_months(issued, self.validity_months)
        return None


@dataclass(frozen=True, slots=True)
class Policy:
    key: str
    name: str
    requires: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str
    title: str | None = None
    start: date | None = None
    active: bool = True
    deactivated_on: date | None = None
    policies: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Waiver:
    person_id: str
    doctype: str
    reason: str
    until: date | None = None

    def active_on(self, day: date) -> bool:
        return self.until is None or day <= self.until


@dataclass(frozen=True, slots=True)
class Document:
    id: int
    person_id: str
    doctype: str
    issued: date | None
    expires: date | None
    number: str | None = None
    note: str | None = None
    attachments: int = 0
    void_reason: str | None = None  # voided (entered in error): never in force


@dataclass(frozen=True, slots=True)
class RequirementStatus:
    doctype: str
    name: str
    status: Light
    reason: Reason
    expires: date | None
    days_left: int | None
    document_id: int | None
    waived_until: date | None
    manual_version: int | None = None  # an acknowledgment of the manual (domain/manual.py)
    acknowledged: date | None = None
    provided: bool = False  # the practice obtains this document, not the person
    # what kind of requirement: a "document" the person hands in, the "manual" they read, or
    # "screening" against the exclusion lists (the office's to do: never in the person's mail)
    kind: str = "document"

    @property
    def is_document(self) -> bool:
        return self.kind == "document"

    @property
    def for_person(self) -> bool:
        """Whether the person is told about it (in their reminders and status mail)."""
        return self.kind != "screening"


@dataclass(frozen=True, slots=True)
class PersonStatus:
    person: Person
    status: Light
    requirements: tuple[RequirementStatus, ...]

    def count(self, light: Light) -> int:
        return sum(1 for r in self.requirements if r.status is light)

    @property
    def tracks_documents(self) -> bool:
        """False when no compliance policy or extra asks this person for any document."""
        return any(r.is_document for r in self.requirements)


def required_doctypes(
    person: Person, policies: Mapping[str, Policy], doctypes: Mapping[str, DocType]
) -> list[str]:
    """Types from the person's policies plus personal extras, minus archived or unknown types."""
    keys = {k for p in person.policies if p in policies for k in policies[p].requires}
    keys.update(person.extras)
    return sorted(k for k in keys if k in doctypes and not doctypes[k].archived)


def requirement_status(
    doctype: DocType,
    current: Document | None,
    waiver: Waiver | None,
    as_of: date,
    default_warn_days: int = DEFAULT_WARN_DAYS,
) -> RequirementStatus:
    """The traffic light of one requirement on ``as_of``.

    WAIVED while an unexpired waiver exists; otherwise GREEN for a current document outside the
    warning window (or one that never expires), YELLOW inside it (the expiry day included),
    RED once expired (the day after the expiry date) or when no document exists.
    """
    expires = current.expires if current else None
    days_left = (expires - as_of).days if expires is not None else None
    doc_id = current.id if current else None
    if waiver is not None and waiver.active_on(as_of):
        return RequirementStatus(
            doctype.key,
            doctype.name,
            Light.WAIVED,
            Reason.WAIVED,
            expires,
            days_left,
            doc_id,
            waiver.until,
            provided=doctype.provided,
        )
    if current is None:
        light, reason = Light.RED, Reason.MISSING
    elif days_left is None:
        light, reason = Light.GREEN, Reason.NO_EXPIRY
    elif days_left < 0:
        light, reason = Light.RED, Reason.EXPIRED
    elif days_left <= (doctype.warn_days if doctype.warn_days is not None else default_warn_days):
        light, reason = Light.YELLOW, Reason.EXPIRING
    else:
        light, reason = Light.GREEN, Reason.CURRENT
    return RequirementStatus(
        doctype.key,
        doctype.name,
        light,
        reason,
        expires,
        days_left,
        doc_id,
        None,
        provided=doctype.provided,
    )


def worst(lights: Iterable[Light]) -> Light:
    """The worst of some requirements' lights; waived counts as satisfied."""
    result = Light.GREEN
    for light in lights:
        if light.severity > result.severity:
            result = light
    return result


def evaluate_person(
    person: Person,
    policies: Mapping[str, Policy],
    doctypes: Mapping[str, DocType],
    current: Mapping[str, Document],
    waivers: Mapping[str, Waiver],
    as_of: date,
    default_warn_days: int = DEFAULT_WARN_DAYS,
    extra: tuple[RequirementStatus, ...] = (),
) -> PersonStatus:
    """Evaluate every requirement of one person. ``current`` and ``waivers`` are keyed by type;
    ``extra`` are requirements from elsewhere (the manual's acknowledgment)."""
    reqs = tuple(
        requirement_status(doctypes[k], current.get(k), waivers.get(k), as_of, default_warn_days)
        for k in required_doctypes(person, policies, doctypes)
    )
    # nothing required is nothing tracked: never GREEN (a person without a policy is a doubt)
    light = worst(r.status for r in reqs) if reqs else Light.YELLOW
    return PersonStatus(person, worst([light, *(r.status for r in extra)]), reqs + extra)


@dataclass(frozen=True, slots=True)
class Dashboard:
    as_of: date
    practice: str
    people: tuple[PersonStatus, ...]

    def summary(self) -> dict[str, int]:
        counts = {Light.GREEN.value: 0, Light.YELLOW.value: 0, Light.RED.value: 0}
        for p in self.people:
            counts[p.status.value] += 1
        return counts
