"""The ICS writer against an independent parser (icalendar): any text survives escaping and
folding, lines stay within 75 octets, no character is split."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ctcm.errors import InvalidInput
from ctcm.services.ics import _fold, _recur, _text

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=400)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_summary_round_trips_through_an_independent_parser(summary: str) -> None:
    from icalendar import Calendar

    raw = b"".join(
        [
            b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n",
            _fold(f"SUMMARY:{_text(summary)}"),
            b"DTSTART;VALUE=DATE:20260302\r\nUID:x@ctcm\r\nDTSTAMP:20260302T150000Z\r\n",
            b"END:VEVENT\r\nEND:VCALENDAR\r\n",
        ]
    )
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    raw.decode()  # folding never splits a character
    [event] = Calendar.from_ical(raw).walk("VEVENT")
    expected = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", summary)
    expected = expected.replace("\r\n", "\n").replace("\r", "\n")
    assert str(event["summary"]) == expected


def test_stored_rules_pass_through_and_a_corrupt_one_is_refused() -> None:
    from ctcm.domain.activities import check_rrule

    for typed in ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", " rrule:freq=weekly;byday=mo,tu "):
        rule = check_rrule(typed)
        assert _recur(rule, "k") == rule
    with pytest.raises(InvalidInput, match="not an RRULE"):
        _recur("FREQ=DAILY\r\nBEGIN:VEVENT", "log-review")
