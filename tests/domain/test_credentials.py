"""The traffic-light rule: table-driven cases and hypothesis properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctcm.domain.credentials import (
    DocType,
    Document,
    Light,
    Person,
    Policy,
    Reason,
    Waiver,
    evaluate_person,
    required_doctypes,
    requirement_status,
    worst,
)
from ctcm.domain.dates import add_months, parse_date
from ctcm.errors import InvalidInput, UsageError

AS_OF = date(2026, 3, 2)
LIC = DocType("lic", "License", validity_months=24, warn_days=30)
NPI = DocType("npi", "NPI")


def doc(expires: date | None, doc_id: int = 1, doctype: str = "lic") -> Document:
    return Document(doc_id, "p", doctype, None, expires)


@pytest.mark.parametrize(
    ("expires", "light", "reason", "days_left"),
    [
        (AS_OF + timedelta(days=31), Light.GREEN, Reason.CURRENT, 31),
        (AS_OF + timedelta(days=30), Light.YELLOW, Reason.EXPIRING, 30),
        (AS_OF + timedelta(days=1), Light.YELLOW, Reason.EXPIRING, 1),
        (AS_OF, Light.YELLOW, Reason.EXPIRING, 0),  # valid through its expiry day
        (AS_OF - timedelta(days=1), Light.RED, Reason.EXPIRED, -1),
        (AS_OF - timedelta(days=400), Light.RED, Reason.EXPIRED, -400),
    ],
)
def test_expiry_window(expires: date, light: Light, reason: Reason, days_left: int) -> None:
    r = requirement_status(LIC, doc(expires), None, AS_OF)
    assert (r.status, r.reason, r.days_left, r.expires) == (light, reason, days_left, expires)


def test_missing_is_red() -> None:
    r = requirement_status(LIC, None, None, AS_OF)
    assert (r.status, r.reason, r.document_id, r.expires) == (Light.RED, Reason.MISSING, None, None)


def test_no_expiry_document_is_green_forever() -> None:
    r = requirement_status(NPI, doc(None, doctype="npi"), None, date(2099, 1, 1))
    assert (r.status, r.reason, r.days_left) == (Light.GREEN, Reason.NO_EXPIRY, None)


def test_practice_default_window_applies_when_type_has_none() -> None:
    t = DocType("t", "T", validity_months=12)
    assert (
        requirement_status(t, doc(AS_OF + timedelta(days=40)), None, AS_OF, 45).status
        is Light.YELLOW
    )
    assert (
        requirement_status(t, doc(AS_OF + timedelta(days=40)), None, AS_OF, 30).status
        is Light.GREEN
    )


def test_zero_day_window_only_yellow_on_expiry_day() -> None:
    t = DocType("t", "T", validity_months=12, warn_days=0)
    assert requirement_status(t, doc(AS_OF + timedelta(days=1)), None, AS_OF).status is Light.GREEN
    assert requirement_status(t, doc(AS_OF), None, AS_OF).status is Light.YELLOW


@pytest.mark.parametrize(
    ("until", "light"),
    [
        (None, Light.WAIVED),
        (AS_OF, Light.WAIVED),
        (AS_OF + timedelta(days=9), Light.WAIVED),
        (AS_OF - timedelta(days=1), Light.RED),
    ],
)
def test_waiver_until_it_ends(until: date | None, light: Light) -> None:
    r = requirement_status(LIC, None, Waiver("p", "lic", "on leave", until), AS_OF)
    assert r.status is light
    assert r.waived_until == (until if light is Light.WAIVED else None)


def test_requirements_union_of_policies_and_extras_minus_archived() -> None:
    types = {
        "a": DocType("a", "A"),
        "b": DocType("b", "B"),
        "c": DocType("c", "C"),
        "old": DocType("old", "Old", archived=True),
    }
    policies = {"x": Policy("x", "X", ("a", "old")), "y": Policy("y", "Y", ("a", "b"))}
    person = Person("p", "P", "p@x.org", policies=("x", "y", "missing-policy"), extras=("c",))
    assert required_doctypes(person, policies, types) == ["a", "b", "c"]


def test_person_light_is_worst_and_waived_counts_as_satisfied() -> None:
    assert worst([]) is Light.GREEN
    assert worst([Light.WAIVED]) is Light.GREEN
    assert worst([Light.GREEN, Light.YELLOW, Light.WAIVED]) is Light.YELLOW
    assert worst([Light.YELLOW, Light.RED, Light.GREEN]) is Light.RED


def test_person_without_requirements_is_yellow_not_green() -> None:
    # nothing required is nothing tracked: a compliance tool must not call it fine
    s = evaluate_person(Person("p", "P", "p@x.org"), {}, {}, {}, {}, AS_OF)
    assert s.status is Light.YELLOW and s.requirements == ()


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2026-02-28", True),
        ("2024-02-29", True),
        ("2026-02-30", False),
        ("2026-13-01", False),
        ("26-1-1", False),
        ("0000-01-00", False),  # year 0: was a ValueError traceback (bad-input corpus)
        ("0000-01-01", False),
        ("0001-01-01", False),  # out of range: year-1 arithmetic overflows (issue 28)
        ("1900-01-01", True),
        ("2199-12-31", True),
        ("2200-01-01", False),
        ("tomorrow", False),
        ("", False),
    ],
)
def test_parse_date(text: str, ok: bool) -> None:
    if ok:
        assert parse_date(text).isoformat() == text
    else:
        with pytest.raises((InvalidInput, UsageError)):
            parse_date(text)


def test_default_expiry_adds_calendar_months() -> None:
    assert LIC.default_expiry(date(2024, 2, 29)) == date(2026, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert NPI.default_expiry(date(2024, 1, 1)) is None


# --------------------------------------------------------------------------- properties

days = st.integers(min_value=-800, max_value=800)
maybe_days = st.one_of(st.none(), days)
windows = st.integers(min_value=0, max_value=120)
types_st = st.builds(
    lambda w, m: DocType("t", "T", validity_months=m, warn_days=w),
    st.one_of(st.none(), windows),
    st.one_of(st.none(), st.integers(1, 60)),
)


def _doc(offset: int | None) -> Document:
    return doc(None if offset is None else AS_OF + timedelta(days=offset))


@given(types_st, maybe_days, st.integers(min_value=0, max_value=900))
def test_moving_as_of_forward_never_makes_a_light_better(
    t: DocType, offset: int | None, forward: int
) -> None:
    current = _doc(offset)
    before = requirement_status(t, current, None, AS_OF)
    after = requirement_status(t, current, None, AS_OF + timedelta(days=forward))
    assert after.status.severity >= before.status.severity


@given(
    types_st,
    st.one_of(st.none(), days),
    st.integers(min_value=0, max_value=400),
    st.booleans(),
    maybe_days,
)
def test_a_renewal_never_makes_a_light_worse(
    t: DocType, old: int | None, delta: int, had_document: bool, any_new: int | None
) -> None:
    """Replacing the document in force by one that expires no earlier (or filling a missing
    requirement with any document) never makes the light worse."""
    if had_document:
        current = _doc(old)
        renewal = _doc(None if old is None else old + delta)
    else:
        current, renewal = None, _doc(any_new)
    before = requirement_status(t, current, None, AS_OF)
    after = requirement_status(t, renewal, None, AS_OF)
    assert after.status.severity <= before.status.severity


@given(types_st, maybe_days, st.one_of(st.none(), st.integers(-30, 300)))
def test_an_active_waiver_always_satisfies(
    t: DocType, offset: int | None, until: int | None
) -> None:
    waiver = Waiver("p", "t", "r", None if until is None else AS_OF + timedelta(days=abs(until)))
    assert requirement_status(t, _doc(offset), waiver, AS_OF).status is Light.WAIVED


@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), maybe_days), max_size=6),
    st.sampled_from(["a", "b", "c"]),
)
def test_adding_a_requirement_never_makes_a_person_better(
    docs: list[tuple[str, int | None]], extra: str
) -> None:
    types = {k: DocType(k, k.upper(), validity_months=12) for k in "abc"}
    current = {
        k: Document(i, "p", k, None, None if o is None else AS_OF + timedelta(days=o))
        for i, (k, o) in enumerate(docs)
    }
    base = Person("p", "P", "p@x.org", extras=("a",))
    more = Person("p", "P", "p@x.org", extras=tuple(sorted({"a", extra})))
    s1 = evaluate_person(base, {}, types, current, {}, AS_OF)
    s2 = evaluate_person(more, {}, types, current, {}, AS_OF)
    assert s2.status.severity >= s1.status.severity
