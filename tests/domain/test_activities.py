"""Activity kinds: recurrence rules and the fields an entry records (which occurrence an entry
closes: tests/program/test_model.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ctcm.domain.activities import ActivityKind, check_rrule, occurrence_dates, parse_fields
from ctcm.errors import InvalidInput


def test_monthly_occurrences_cross_the_year_end() -> None:
    assert occurrence_dates("FREQ=MONTHLY;BYMONTHDAY=1", date(2025, 11, 1), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


def test_the_dates_after_the_range_end_the_last_period() -> None:
    rule = "FREQ=MONTHLY;BYMONTHDAY=1"
    assert occurrence_dates(rule, date(2026, 3, 18), date(2026, 3, 20), after=1) == [
        date(2026, 4, 1)
    ]
    assert occurrence_dates(rule, date(2026, 3, 1), date(2026, 3, 1), after=2) == [
        date(2026, 3, 1),
        date(2026, 4, 1),
        date(2026, 5, 1),
    ]
    # the start itself, when the rule falls on it and the range ends before it
    assert occurrence_dates(rule, date(2026, 4, 1), date(2026, 3, 1), after=1) == [date(2026, 4, 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [("MONTHLY", "needs FREQ"), ("FREQ=HOURLY", "use FREQ"), ("FREQ=MONTHLY;BYMONTHDAY=40", "bad")],
)
def test_bad_rrules(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_rrule(text)
    assert check_rrule("rrule:freq=monthly;bymonthday=1") == "FREQ=MONTHLY;BYMONTHDAY=1"


def test_fields_are_checked_against_the_kind() -> None:
    kind = ActivityKind("device-audit", "Device audit", (), "FREQ=YEARLY", ("device", "result"))
    assert parse_fields(["device=laptop-3", "result=ok"], kind) == (
        ("device", "laptop-3"),
        ("result", "ok"),
    )
    with pytest.raises(InvalidInput, match="--field result="):
        parse_fields(["device=laptop-3"], kind)
    with pytest.raises(InvalidInput, match="not 'colour'"):
        parse_fields(["device=a", "result=b", "colour=red"], kind)
    with pytest.raises(InvalidInput, match="key=value"):
        parse_fields(["device"], kind)
    assert timedelta(0) == timedelta(0)
