"""Security incidents and the Breach Notification Rule (45 CFR 164.400-414): the breach risk
assessment and the notification deadlines (pure: dates only, no clock).

Deadlines run from discovery (164.404(a)(2)): individuals without unreasonable delay and at the
latest 60 calendar days after; HHS within the same 60 days when 500 or more people are affected,
otherwise in the yearly log, due 60 days after the end of the calendar year of discovery (1 March,
or 29 February in a leap year); prominent media of a state or jurisdiction within 60 days when
more than 500 of its residents are affected (500 exactly needs no media notice).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from ctcm.errors import InvalidInput

NOTICE_DAYS = 60
HHS_IMMEDIATE = 500  # 500 or more: HHS with the individual notices
MEDIA_OVER = 500  # more than 500 residents of one state: media notice


class Recipient(StrEnum):
    INDIVIDUALS = "individuals"
    HHS = "hhs"
    MEDIA = "media"


class Exception_(StrEnum):
    """The three exclusions of 164.402(1) from the definition of breach."""

    NONE = "none"
    GOOD_FAITH_WORKFORCE = "good-faith-workforce"  # (i) unintentional, in good faith, in scope
    INADVERTENT_INTERNAL = "inadvertent-internal"  # (ii) between authorized people, same entity
    COULD_NOT_RETAIN = "could-not-retain"  # (iii) the recipient could not have retained it


@dataclass(frozen=True, slots=True)
class Deadline:
    to: Recipient
    due: date
    state: str | None = None  # for media: the state or jurisdiction
    why: str = ""

    @property
    def key(self) -> str:
        return f"{self.to.value}:{self.state}" if self.state else self.to.value

    @property
    def label(self) -> str:
        """For people: "individuals", "HHS", "the media in NY"."""
        if self.to.value == "hhs":
            return "HHS"
        if self.to.value == "media":
            return f"the media in {self.state}" if self.state else "the media"
        return self.to.value


def check_state_counts(pairs: Mapping[str, int]) -> dict[str, int]:
    out = {}
    for state, count in pairs.items():
        code = state.strip().upper()
        if not (2 <= len(code) <= 3 and code.isalpha()):
            raise InvalidInput(f"bad state {state!r}: use a postal code such as NY or PR")
        if count < 0:
            raise InvalidInput(f"bad count for {code}: {count}")
        out[code] = count
    return out


def deadlines(discovered: date, affected: int, state_counts: Mapping[str, int]) -> list[Deadline]:
    """The notices a breach of unsecured PHI needs, and when each is due at the latest."""
    if affected < 0:
        raise InvalidInput("--affected cannot be negative")
    if sum(state_counts.values()) > affected:
        raise InvalidInput("the state counts add up to more than --affected")
    within = discovered + timedelta(days=NOTICE_DAYS)
    out = [
        Deadline(
            Recipient.INDIVIDUALS,
            within,
            why="164.404: without unreasonable delay, at the latest 60 days after discovery",
        )
    ]
    if affected >= HHS_IMMEDIATE:
        out.append(
            Deadline(
                Recipient.HHS,
                within,
                why="164.408(b): 500 or more affected, with the individual notices",
            )
        )
    else:
        year_end = date(discovered.year, 12, 31)
        out.append(
            Deadline(
                Recipient.HHS,
                year_end + timedelta(days=NOTICE_DAYS),
                why="164.408(c): fewer than 500, in the yearly log within 60 days after "
                "the end of the calendar year",
            )
        )
    for state, count in sorted(state_counts.items()):
        if count > MEDIA_OVER:
            out.append(
                Deadline(
                    Recipient.MEDIA,
                    within,
                    state,
                    why=f"164.406: more than 500 residents of {state}",
                )
            )
    return out


@dataclass(frozen=True, slots=True)
class Assessment:
    """The breach risk assessment of 164.402(2), or a conclusion reached with counsel."""

    nature: str | None = None  # (i) nature and extent of the PHI, identifiers, re-identification
    recipient: str | None = None  # (ii) the unauthorized person who used or received it
    acquired: str | None = None  # (iii) actually acquired or viewed: yes | no | unknown
    mitigated: str | None = None  # (iv) the extent the risk was mitigated
    exception: Exception_ = Exception_.NONE
    secured: bool = False  # encrypted to HHS guidance with an uncompromised key, or destroyed
    low_probability: bool = False  # the documented conclusion of the four factors
    counsel: bool = False  # concluded with counsel outside ctcm (--breach yes|no)
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Conclusion:
    breach: bool
    reasoning: str


def conclude(a: Assessment, counsel_says: bool | None = None) -> Conclusion:
    """Breach or not, with the reasoning (the burden of proof is the practice's, 164.414).

    An impermissible use or disclosure is presumed a breach unless it is secured (the safe
    harbor), falls under an exception, or the four factors, all documented, show a low
    probability of compromise."""
    if counsel_says is not None:
        if not a.reason:
            raise InvalidInput("a conclusion reached outside ctcm needs --reason")
        return Conclusion(counsel_says, f"Concluded with counsel: {a.reason}")
    if a.secured:
        return Conclusion(
            False,
            "Not a breach of unsecured PHI: the information was encrypted "
            "as HHS guidance describes and the key was not compromised (or it "
            "was destroyed); no notice is required (164.402, safe harbor).",
        )
    if a.exception is not Exception_.NONE:
        return Conclusion(
            False,
            f"Excluded from the definition of breach (164.402(1)): "
            f"{a.exception.value.replace('-', ' ')}.",
        )
    missing = [
        name
        for name, value in (
            ("nature", a.nature),
            ("recipient", a.recipient),
            ("acquired", a.acquired),
            ("mitigated", a.mitigated),
        )
        if not value
    ]
    if a.low_probability:
        if missing:
            raise InvalidInput(
                "a low probability of compromise must rest on all four factors: give "
                + ", ".join(f"--{m}" for m in missing)
            )
        return Conclusion(
            False,
            "Low probability that the PHI was compromised, on the four "
            f"factors of 164.402(2): nature and extent: {a.nature}; recipient: "
            f"{a.recipient}; acquired or viewed: {a.acquired}; mitigation: "
            f"{a.mitigated}.",
        )
    return Conclusion(
        True,
        "Presumed a breach (164.402(2)): no exception, not secured, and no "
        "documented low probability of compromise.",
    )


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    discovered: date
    summary: str
    reported_by: str | None
    closed_on: date | None = None
    breach: bool | None = None  # None: not assessed yet
    reasoning: str | None = None
    affected: int | None = None
    state_counts: dict[str, int] = field(default_factory=dict)
    assessment: Assessment | None = None

    @property
    def open(self) -> bool:
        return self.closed_on is None

    def deadlines(self) -> list[Deadline]:
        if not self.breach:
            return []
        return deadlines(self.discovered, self.affected or 0, self.state_counts)
