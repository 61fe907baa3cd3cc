"""Breach notification deadlines and the breach risk assessment (pure rules)."""

from __future__ import annotations

from datetime import date

import pytest

from ctcm.domain.incidents import Assessment, Exception_, Recipient, conclude, deadlines
from ctcm.errors import InvalidInput


def _due(found: list, to: Recipient, state: str | None = None) -> date | None:  # type: ignore[type-arg]
    return next((d.due for d in found if d.to is to and d.state == state), None)


@pytest.mark.parametrize(
    ("discovered", "affected", "individuals", "hhs"),
    [
        # fewer than 500: HHS in the yearly log, 60 days after the year ends
        (date(2026, 11, 20), 12, date(2027, 1, 19), date(2027, 3, 1)),
        (date(2027, 12, 31), 3, date(2028, 2, 29), date(2028, 2, 29)),  # leap year: 29 Feb
        (date(2027, 1, 1), 499, date(2027, 3, 2), date(2028, 2, 29)),
        (date(2028, 1, 15), 10, date(2028, 3, 15), date(2029, 3, 1)),
        # 500 exactly: HHS with the individual notices
        (date(2026, 11, 20), 500, date(2027, 1, 19), date(2027, 1, 19)),
        (date(2028, 1, 1), 501, date(2028, 3, 1), date(2028, 3, 1)),
    ],
)
def test_deadlines_across_year_ends_and_leap_years(
    discovered: date, affected: int, individuals: date, hhs: date
) -> None:
    found = deadlines(discovered, affected, {})
    assert _due(found, Recipient.INDIVIDUALS) == individuals
    assert _due(found, Recipient.HHS) == hhs


def test_media_only_for_more_than_500_in_one_state() -> None:
    day = date(2026, 6, 1)
    assert _due(deadlines(day, 500, {"NY": 500}), Recipient.MEDIA, "NY") is None  # 500 exactly
    found = deadlines(day, 501, {"NY": 501})
    assert _due(found, Recipient.MEDIA, "NY") == date(2026, 7, 31)
    spread = deadlines(day, 600, {"NY": 300, "NJ": 300})  # no state over 500
    assert [d.to for d in spread] == [Recipient.INDIVIDUALS, Recipient.HHS]
    assert _due(spread, Recipient.HHS) == date(2026, 7, 31)  # 600 in all: HHS within 60 days
    with pytest.raises(InvalidInput, match="add up to more"):
        deadlines(day, 100, {"NY": 101})


SAFE = {
    "device": "Lenovo laptop of the front desk",
    "encryption": "BitLocker full-disk AES-256",
    "key_location": "passphrase known to the user only, recovery key in the safe",
}


def test_an_encrypted_lost_laptop_is_not_a_breach_with_its_facts() -> None:
    with pytest.raises(InvalidInput, match="--device"):
        conclude(Assessment(secured=True))
    with pytest.raises(InvalidInput, match="says nothing"):
        conclude(Assessment(secured=True, **{**SAFE, "encryption": "encrypted"}, powered="off"))
    with pytest.raises(InvalidInput, match="no safe harbor"):
        conclude(Assessment(secured=True, **SAFE, powered="on"))
    result = conclude(Assessment(secured=True, **SAFE, powered="locked"))
    assert result.breach is False and "safe harbor" in result.reasoning
    assert "BitLocker" in result.reasoning and "locked" in result.reasoning


def test_presumed_a_breach_unless_shown_otherwise() -> None:
    assert conclude(Assessment()).breach is True
    with pytest.raises(InvalidInput, match="--who.*--recipient.*--further-use"):
        conclude(Assessment(exception=Exception_.INADVERTENT_INTERNAL))
    internal = Assessment(
        exception=Exception_.INADVERTENT_INTERNAL,
        who="Dr. Lee, treating psychiatrist",
        recipient="Nurse Park, same clinic, authorized for this patient's chart",
        further_use="Park deleted the message at once and attested in writing",
    )
    assert conclude(internal).breach is False
    with pytest.raises(InvalidInput, match="--recipient"):
        conclude(Assessment(nature="names only", low_probability=True))
    low = conclude(
        Assessment(
            nature="names only, no diagnoses or numbers",
            recipient="another covered entity's privacy officer",
            acquired="no",
            mitigated="deleted on receipt, attested in writing",
            low_probability=True,
        )
    )
    assert low.breach is False and "four factors" in low.reasoning
    with pytest.raises(InvalidInput, match="--reason"):
        conclude(Assessment(), counsel_says=False)
    assert conclude(Assessment(reason="counsel memo 12"), counsel_says=False).breach is False
