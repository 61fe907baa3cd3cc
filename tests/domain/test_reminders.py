"""Reminder schedules and due-ness (pure rules)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctcm.domain.reminders import (
    DEFAULT_SCHEDULE,
    Schedule,
    Threshold,
    due_threshold,
    escalation_step,
    expiry_thresholds,
    missing_thresholds,
    parse_schedule,
)
from ctcm.errors import InvalidInput

EXP = date(2026, 6, 30)


@pytest.mark.parametrize(
    ("text", "schedule", "canonical"),
    [
        ("60,30,14,7,1,0,+7", Schedule((60, 30, 14, 7, 1), True, 7), "60,30,14,7,1,0,+7"),
        (DEFAULT_SCHEDULE, Schedule((60, 30, 14, 7), True, 7), "60,30,14,7,0,+7"),
        ("-30, -7, 0", Schedule((30, 7), True, None), "30,7,0"),
        ("7,30,7", Schedule((30, 7), False, None), "30,7"),
        ("+14", Schedule((), False, 14), "+14"),
    ],
)
def test_parse_schedule(text: str, schedule: Schedule, canonical: str) -> None:
    assert parse_schedule(text) == schedule
    assert str(schedule) == canonical


@pytest.mark.parametrize("text", ["", "abc", "30,+7,+14", "+0", "+400", "99999", "1.5"])
def test_bad_schedules(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_schedule(text)


def test_expiry_thresholds_with_repeat() -> None:
    s = parse_schedule("30,7,0,+7")
    got = expiry_thresholds(EXP, s, EXP + timedelta(days=15))
    assert [(t.key, t.on) for t in got] == [
        ("-30", date(2026, 5, 31)),
        ("-7", date(2026, 6, 23)),
        ("0", EXP),
        ("+7", date(2026, 7, 7)),
        ("+14", date(2026, 7, 14)),
    ]
    assert expiry_thresholds(EXP, s, date(2026, 5, 30)) == []


def test_missing_thresholds() -> None:
    got = missing_thresholds(date(2026, 3, 1), 7, date(2026, 3, 15))
    assert [t.key for t in got] == ["missing+0", "missing+7", "missing+14"]


def test_due_is_latest_unrecorded_and_earlier_are_passed() -> None:
    a, b, c = Threshold("-30", EXP), Threshold("-14", EXP), Threshold("-7", EXP)
    assert due_threshold([], set()).due is None
    r = due_threshold([a, b, c], set())
    assert r.due == c and r.passed == (a, b)
    r = due_threshold([a, b, c], {"-30"})
    assert r.due == c and r.passed == (b,)
    r = due_threshold([a, b, c], {"-7"})
    assert r.due is None and r.passed == (a, b)


@pytest.mark.parametrize(("days", "step"), [(None, 0), (0, 0), (13, 0), (14, 1), (27, 1), (28, 2)])
def test_escalation_step(days: int | None, step: int) -> None:
    today = date(2026, 3, 1)
    since = None if days is None else today - timedelta(days=days)
    assert escalation_step(since, today, 14) == step


@given(
    st.lists(st.integers(min_value=0, max_value=120), min_size=1, max_size=40, unique=True),
    st.integers(min_value=-90, max_value=60),
)
def test_any_run_pattern_sends_each_threshold_at_most_once(
    run_days: list[int], offset: int
) -> None:
    """Whatever days cron happens to run, no threshold is ever due twice, and the number sent
    never exceeds the number of runs."""
    schedule = parse_schedule("60,30,14,7,1,0,+7")
    start = date(2026, 1, 1)
    expires = start + timedelta(days=60 + offset)
    recorded: set[str] = set()
    sent = []
    for day in sorted(run_days):
        today = start + timedelta(days=day)
        result = due_threshold(expiry_thresholds(expires, schedule, today), recorded)
        recorded.update(t.key for t in result.passed)
        if result.due is not None:
            assert result.due.key not in recorded
            recorded.add(result.due.key)
            sent.append(result.due.key)
    assert len(sent) == len(set(sent)) <= len(run_days)
