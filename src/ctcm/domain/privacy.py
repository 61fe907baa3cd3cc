"""The Privacy Rule's clocks for patients' requests (pure rules; no storage, no clock).

- access: act within 30 days of receipt, one extension of up to 30 days with a written notice
  of the reason and the date (45 CFR 164.524(b)(2));
- amendment: 60 days, one 30-day extension (164.526(b)(2));
- accounting of disclosures: 60 days, one 30-day extension (164.528(c)(1)); the first in any
  12 months is free, a later one may carry a reasonable cost-based fee told in advance
  (164.528(c)(2));
- restrictions (164.522(a)) and confidential communications (164.522(b)) have no day count in
  the rule: the practice's own target applies (``privacy.decide_days``, 30 by default), and a
  restriction of a disclosure to a health plan for an item paid in full out of pocket must be
  agreed to (164.522(a)(1)(vi)).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("access", "amendment", "accounting", "restriction", "confidential-communication")
LEGAL_DAYS = {"access": 30, "amendment": 60, "accounting": 60}
EXTENSION_DAYS = 30
CITES = {
    "access": "45 CFR 164.524",
    "amendment": "45 CFR 164.526",
    "accounting": "45 CFR 164.528",
    "restriction": "45 CFR 164.522(a)",
    "confidential-communication": "45 CFR 164.522(b)",
}
OUTCOMES = ("granted", "denied", "partly")
RESTRICTION_KINDS = ("out-of-pocket", "other")
DEFAULT_DECIDE_DAYS = 30


def legal_clock(kind: str) -> bool:
    """Whether the rule itself sets the deadline (else it is the practice's target)."""
    return kind in LEGAL_DAYS


def first_deadline(kind: str, received: date, decide_days: int = DEFAULT_DECIDE_DAYS) -> date:
    return received + timedelta(days=LEGAL_DAYS.get(kind, decide_days))


def deadline(
    kind: str,
    received: date,
    extended_to: date | None,
    decide_days: int = DEFAULT_DECIDE_DAYS,
) -> date:
    return extended_to or first_deadline(kind, received, decide_days)


def extension_refusal(
    kind: str, received: date, extended_to: date | None, notified: date
) -> str | None:
    """Why an extension cannot be recorded, or None: only the three with a legal clock have
    one, only once, and the written notice must reach the patient before the first deadline."""
    if not legal_clock(kind):
        return f"a {kind} request has no extension in the rule: decide it"
    if extended_to is not None:
        return f"this request was extended already (to {extended_to}): the rule allows one"
    first = first_deadline(kind, received)
    if notified < received:
        return f"--notified {notified} is before the request was received ({received})"
    if notified > first:
        return (
            f"--notified {notified} is after the deadline ({first}): an extension must be "
            "given in writing within the first period"
        )
    return None


def fee_allowed(received: date, earlier: list[date]) -> bool:
    """An accounting request after another from the same patient within 12 months."""
    return any(received - timedelta(days=365) < day <= received for day in earlier)


@dataclass(frozen=True, slots=True)
class RequestClock:
    due: date
    days_left: int
    extended: bool
    legal: bool  # the rule's clock (else the practice's target)


# the one line of the manual's notice-of-privacy-practices policy that reads the record; the
# reminder to revise the notice ignores it (adopting a notice is not a change to the practices
# the notice describes)
NPP_FACT_PREFIX = "- The notice in force is version "
