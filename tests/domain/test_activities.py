"""Recurring activities: occurrences, windows and statuses across month and year ends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctcm.domain.activities import (
    ActivityKind,
    ActivitySchedule,
    LogEntry,
    OccurrenceStatus,
    check_rrule,
    occurrence_dates,
    occurrences,
    parse_fields,
)
from ctcm.errors import InvalidInput


def _entry(i: int, on: date, corrects: int | None = None) -> LogEntry:
    return LogEntry(i, "k", on, None, None, (), corrects, "2026-01-01T00:00:00Z")


MONTHLY = ActivitySchedule("k", "FREQ=MONTHLY;BYMONTHDAY=1", date(2025, 11, 1), None)


def test_monthly_occurrences_cross_the_year_end() -> None:
    assert occurrence_dates(MONTHLY.rrule, date(2025, 11, 1), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    occ = occurrences(
        MONTHLY,
        [_entry(1, date(2025, 12, 30))],
        date(2025, 11, 1),
        date(2026, 3, 1),
        today=date(2026, 1, 10),
        warn_days=30,
    )
    status = {o.on: o.status for o in occ}
    assert status[date(2025, 11, 1)] is OccurrenceStatus.OVERDUE
    assert status[date(2025, 12, 1)] is OccurrenceStatus.OVERDUE
    # done two days early: counts for 1 January, across the year end
    assert status[date(2026, 1, 1)] is OccurrenceStatus.DONE
    assert status[date(2026, 2, 1)] is OccurrenceStatus.DUE_SOON
    assert status[date(2026, 3, 1)] is OccurrenceStatus.UPCOMING


def test_a_yearly_rule_past_new_year() -> None:
    schedule = ActivitySchedule("k", "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31", date(2025, 1, 1), None)
    occ = occurrences(
        schedule, [], date(2025, 1, 1), date(2026, 12, 31), today=date(2026, 1, 2), warn_days=30
    )
    assert [(o.on, o.status) for o in occ] == [
        (date(2025, 12, 31), OccurrenceStatus.OVERDUE),
        (date(2026, 12, 31), OccurrenceStatus.UPCOMING),
    ]
    late = occurrences(
        schedule,
        [_entry(1, date(2026, 1, 2))],
        date(2025, 1, 1),
        date(2026, 12, 31),
        today=date(2026, 1, 2),
        warn_days=30,
    )
    assert late[0].status is OccurrenceStatus.DONE and late[1].status is OccurrenceStatus.UPCOMING


@given(st.dates(min_value=date(2025, 11, 16), max_value=date(2027, 6, 15)))
def test_an_entry_satisfies_exactly_one_occurrence(day: date) -> None:
    for rule in (
        "FREQ=MONTHLY;BYMONTHDAY=1",
        "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10",
        "FREQ=WEEKLY;BYDAY=MO",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    ):
        schedule = ActivitySchedule("k", rule, date(2025, 1, 1), None)
        occ = occurrences(
            schedule,
            [_entry(1, day)],
            date(2025, 1, 1),
            date(2029, 1, 1),
            today=date(2029, 6, 1),
            warn_days=30,
        )
        done = [o for o in occ if o.done_by == 1]
        covered = occ and occ[0].window[0] <= day < occ[-1].window[1]
        assert len(done) == (1 if covered else 0), rule
        if done:
            assert done[0].window[0] <= day < done[0].window[1]


def test_windows_tile_the_time_line() -> None:
    occ = occurrences(
        MONTHLY, [], date(2025, 11, 1), date(2026, 6, 1), today=date(2025, 10, 1), warn_days=0
    )
    for a, b in zip(occ, occ[1:]):
        assert a.window[1] == b.window[0] and a.window[0] <= a.on < a.window[1]


def test_a_corrected_entry_no_longer_counts() -> None:
    occ = occurrences(
        MONTHLY,
        [_entry(1, date(2026, 1, 1)), _entry(2, date(2026, 2, 1), corrects=1)],
        date(2026, 1, 1),
        date(2026, 2, 1),
        today=date(2026, 2, 10),
        warn_days=0,
    )
    assert [(o.on, o.status) for o in occ] == [
        (date(2026, 1, 1), OccurrenceStatus.OVERDUE),
        (date(2026, 2, 1), OccurrenceStatus.DONE),
    ]


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
