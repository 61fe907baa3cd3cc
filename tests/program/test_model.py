"""The program model's evidence rule: which occurrence an entry closes, on time or late, what
is missed, and the light that follows the latest due occurrence."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ctcm.domain.activities import occurrence_dates
from ctcm.domain.credentials import Light
from ctcm.program.model import Evidence, State, light_of, recurring, warn_window

MONTHLY = "FREQ=MONTHLY;BYMONTHDAY=1"


def _occ(rule, start, until, entries, today, warn_days=30, after=1):  # type: ignore[no-untyped-def]
    dates = occurrence_dates(rule, start, until, after=after)
    ev = [
        Evidence("k", on, f"log:{i}", for_date) for i, (on, for_date) in enumerate(entries, start=1)
    ]
    return recurring("k", dates, ev, today, warn_days)


def states(occ):  # type: ignore[no-untyped-def]
    return {o.due: o.state for o in occ}


def test_a_late_entry_closes_its_own_period_late_and_the_light_clears() -> None:
    # missed on the 1st, logged on the 18th: that is March's, done late (not April's)
    occ = _occ(MONTHLY, date(2026, 1, 1), date(2026, 3, 20), [(date(2026, 3, 18), None)],
               today=date(2026, 3, 20))  # fmt: skip
    s = states(occ)
    assert s[date(2026, 3, 1)] is State.DONE_LATE
    assert s[date(2026, 4, 1)] is State.UPCOMING
    # January and February were never done: missed (history), not overdue
    assert s[date(2026, 1, 1)] is State.MISSED and s[date(2026, 2, 1)] is State.MISSED
    assert light_of(occ, date(2026, 3, 20)) is Light.GREEN


def test_overdue_until_the_next_one_is_due_then_missed() -> None:
    occ = _occ(MONTHLY, date(2026, 3, 1), date(2026, 3, 10), [], today=date(2026, 3, 10))
    assert states(occ)[date(2026, 3, 1)] is State.OVERDUE
    assert light_of(occ, date(2026, 3, 10)) is Light.RED
    occ = _occ(MONTHLY, date(2026, 3, 1), date(2026, 4, 2), [], today=date(2026, 4, 2))
    assert states(occ)[date(2026, 3, 1)] is State.MISSED
    assert states(occ)[date(2026, 4, 1)] is State.OVERDUE


def test_catch_up_with_for_closes_older_occurrences() -> None:
    entries = [(date(2026, 3, 18), date(2026, 1, 1)), (date(2026, 3, 18), date(2026, 2, 1)),
               (date(2026, 3, 18), None)]  # fmt: skip
    occ = _occ(MONTHLY, date(2026, 1, 1), date(2026, 3, 20), entries, today=date(2026, 3, 20))
    s = states(occ)
    assert [s[date(2026, m, 1)] for m in (1, 2, 3)] == [State.DONE_LATE] * 3
    assert light_of(occ, date(2026, 3, 20)) is Light.GREEN


def test_an_early_entry_closes_the_coming_one_when_the_current_is_done() -> None:
    entries = [(date(2026, 3, 1), None), (date(2026, 3, 27), None)]
    occ = _occ(MONTHLY, date(2026, 3, 1), date(2026, 3, 28), entries, today=date(2026, 3, 28))
    s = states(occ)
    assert s[date(2026, 3, 1)] is State.DONE and s[date(2026, 4, 1)] is State.DONE
    # ...but not outside the warn window: an extra entry mid-month closes nothing more
    entries = [(date(2026, 3, 1), None), (date(2026, 3, 10), None)]
    occ = _occ(MONTHLY, date(2026, 3, 1), date(2026, 3, 28), entries, today=date(2026, 3, 28))
    assert states(occ)[date(2026, 4, 1)] is State.DUE_SOON


def test_the_warn_window_fits_the_period() -> None:
    # done this month: green until about a week before the next one, not yellow all month
    occ = _occ(MONTHLY, date(2026, 3, 1), date(2026, 3, 10), [(date(2026, 3, 1), None)],
               today=date(2026, 3, 10))  # fmt: skip
    assert light_of(occ, date(2026, 3, 10)) is Light.GREEN
    assert warn_window(timedelta(days=31), 30) == 7
    assert warn_window(timedelta(days=365), 30) == 30
    assert warn_window(timedelta(days=7), 30) == 1
    occ = _occ(MONTHLY, date(2026, 3, 1), date(2026, 3, 26), [(date(2026, 3, 1), None)],
               today=date(2026, 3, 26))  # fmt: skip
    assert light_of(occ, date(2026, 3, 26)) is Light.YELLOW


def test_evidence_after_the_as_of_date_does_not_count() -> None:
    occ = _occ(MONTHLY, date(2026, 3, 1), date(2026, 3, 10), [(date(2026, 3, 5), None)],
               today=date(2026, 3, 4))  # fmt: skip
    assert states(occ)[date(2026, 3, 1)] is State.OVERDUE


def test_a_yearly_rule_past_new_year() -> None:
    rule = "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31"
    occ = _occ(rule, date(2025, 1, 1), date(2026, 1, 2), [], today=date(2026, 1, 2))
    assert [(o.due, o.state) for o in occ] == [
        (date(2025, 12, 31), State.OVERDUE),
        (date(2026, 12, 31), State.UPCOMING),
    ]
    occ = _occ(rule, date(2025, 1, 1), date(2026, 1, 2), [(date(2026, 1, 2), None)],
               today=date(2026, 1, 2))  # fmt: skip
    assert occ[0].state is State.DONE_LATE and occ[1].state is State.UPCOMING


@given(
    st.lists(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 6, 15)), max_size=6),
    st.sampled_from(
        [
            MONTHLY,
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=10",
            "FREQ=WEEKLY;BYDAY=MO",
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        ]  # fmt: skip
    ),
)
def test_each_entry_closes_at_most_one_occurrence_and_never_one_after_it(
    days: list[date], rule: str
) -> None:
    today = date(2027, 6, 15)
    occ = _occ(rule, date(2025, 1, 1), today, [(d, None) for d in days], today=today)
    refs = [o.evidence for o in occ if o.evidence]
    assert len(refs) == len(set(refs))
    for o in occ:
        if o.closed_on is not None:
            # on time means on or before the day; an early close is inside the warn window
            assert (o.state is State.DONE) == (o.closed_on <= o.due)
            assert o.closed_on >= o.warn or o.state is State.DONE_LATE
    # the open states are only ever the latest ones
    open_ = [o for o in occ if o.state in (State.OVERDUE,)]
    assert len(open_) <= 1


def test_a_lone_date_uses_the_practice_window_and_two_dates_their_period() -> None:
    # a schedule set today whose first date is weeks away: a log today is not that one's
    occ = _occ(MONTHLY, date(2026, 12, 7), date(2026, 12, 7), [(date(2026, 12, 7), None)],
               today=date(2026, 12, 7), after=2)  # fmt: skip
    assert [o.due for o in occ] == [date(2027, 1, 1), date(2027, 2, 1)]
    assert occ[0].state is State.UPCOMING and occ[0].evidence is None
