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
    # the residence of some affected people unknown: decide on media notice (164.406)
    MEDIA_DECISION = "media-decision"
    SUBSTITUTE = "substitute"  # 164.404(d)(2): people who cannot be reached
    TOLL_FREE = "toll-free"  # 164.404(d)(2)(ii)(B): a toll-free number active 90 days
    COVERED_ENTITY = "covered-entity"  # 164.410: the practice is a business associate


STATE_LAW = (
    "State breach laws may set shorter deadlines or require notice to the state attorney "
    "general: check the law of each state where affected people live."
)
SUBSTITUTE_DAYS = 90  # posting and toll-free number, 164.404(d)(2)(ii)
ORAL_DELAY_DAYS = 30  # 164.412(b)


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


@dataclass(frozen=True, slots=True)
class Delay:
    """A law-enforcement delay (164.412): a written statement delays the notices for the
    period it names; an oral one, documented with the official's identity, for at most 30 days
    from the statement unless a written one follows within them."""

    kind: str  # written | oral
    official: str
    stated_on: date
    until: date | None = None  # the end of the period a written statement names
    written_on: date | None = None  # an oral statement confirmed in writing on this day

    @property
    def end(self) -> date:
        oral_end = self.stated_on + timedelta(days=ORAL_DELAY_DAYS)
        if self.kind == "written" and self.until is not None:
            return self.until
        if self.written_on is not None and self.written_on <= oral_end and self.until:
            return self.until
        return oral_end

    @property
    def days(self) -> int:
        return max(0, (self.end - self.stated_on).days)

    def explain(self) -> str:
        how = (
            f"a written statement of {self.stated_on}"
            if self.kind == "written"
            else f"an oral statement of {self.stated_on}"
            + (f", confirmed in writing on {self.written_on}" if self.written_on else "")
        )
        return f"delayed {self.days} days to {self.end} at law enforcement's request ({how}, {self.official}; 164.412)"


@dataclass(frozen=True, slots=True)
class Details:
    """Facts of an incident beyond its summary: who knew first, an agent vendor, residents of
    unknown state, people who cannot be reached, a law-enforcement delay, and whether the
    practice acts as another covered entity's business associate."""

    known_by: str | None = None  # who first knew (not the person who caused it)
    vendor: str | None = None  # a vendor that discovered it
    vendor_knew: date | None = None
    vendor_agent: bool | None = None  # the vendor acts as the practice's agent
    residence_unknown: int = 0
    unreachable: int | None = None  # individuals with insufficient contact information
    delay: Delay | None = None
    covered_entity: str | None = None  # the practice is this entity's business associate
    media_decision: str | None = None  # why no media notice is needed


def clock_start(discovered: date, d: Details) -> date:
    """Discovery (164.404(a)(2)): the first day any workforce member or agent knew, or would
    have known with reasonable diligence; a vendor acting as the practice's agent counts."""
    if d.vendor_agent and d.vendor_knew is not None and d.vendor_knew < discovered:
        return d.vendor_knew
    return discovered


def check_counts(affected: int, state_counts: Mapping[str, int], unknown: int) -> None:
    """More than 500 affected: every one has a state, or counts as residence unknown."""
    if affected < 0 or unknown < 0:
        raise InvalidInput("--affected and --residence-unknown cannot be negative")
    known = sum(state_counts.values())
    if known + unknown > affected:
        raise InvalidInput(
            f"the state counts ({known}) and --residence-unknown ({unknown}) add up to more "
            f"than --affected {affected}"
        )
    if affected > MEDIA_OVER and known + unknown != affected:
        raise InvalidInput(
            f"{affected} affected: more than 500 residents of one state need a media notice "
            f"(164.406), so give --state-counts adding up to {affected} (now {known}), or "
            f"--residence-unknown {affected - known} for those whose state is not known"
        )


def deadlines(
    discovered: date,
    affected: int,
    state_counts: Mapping[str, int],
    details: Details | None = None,
    given: Mapping[str, date] | None = None,
) -> list[Deadline]:
    """The notices a breach of unsecured PHI needs, and when each is due at the latest."""
    d = details or Details()
    given = given or {}
    if affected < 0:
        raise InvalidInput("--affected cannot be negative")
    if sum(state_counts.values()) > affected:
        raise InvalidInput("the state counts add up to more than --affected")
    start = clock_start(discovered, d)
    days = NOTICE_DAYS + (d.delay.days if d.delay else 0)
    within = start + timedelta(days=days)
    late = f"; {d.delay.explain()}" if d.delay else ""
    if d.covered_entity:
        return [
            Deadline(
                Recipient.COVERED_ENTITY,
                within,
                why=f"164.410: the practice is {d.covered_entity}'s business associate: tell it "
                f"within 60 days of discovery, identifying each individual{late}",
            )
        ]
    out = [
        Deadline(
            Recipient.INDIVIDUALS,
            within,
            why="164.404: without unreasonable delay, at the latest 60 days after discovery, by "
            "first-class mail (email if they agreed), to next of kin or a personal "
            f"representative for someone who died, by telephone too if urgent{late}",
        )
    ]
    if affected >= HHS_IMMEDIATE:
        told = given.get(Recipient.INDIVIDUALS.value)
        out.append(
            Deadline(
                Recipient.HHS,
                min(within, told) if told else within,
                why="164.408(b): 500 or more affected, at the same time as the individual "
                "notices" + (f" (given {told})" if told else "") + late,
            )
        )
    else:
        year_end = date(start.year, 12, 31)
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
                    why=f"164.406: more than 500 residents of {state}{late}",
                )
            )
    if affected > MEDIA_OVER and d.residence_unknown > 0:
        out.append(
            Deadline(
                Recipient.MEDIA_DECISION,
                within,
                why=f"164.406: the state of {d.residence_unknown} affected people is unknown: "
                "give the media notice where more than 500 residents may be affected, or "
                f"record why none is needed (ctcm incident media-decision){late}",
            )
        )
    if d.unreachable:
        if d.unreachable < 10:
            why = (
                f"164.404(d)(2)(i): {d.unreachable} cannot be reached: an alternative written "
                "notice, telephone or other means"
            )
        else:
            why = (
                f"164.404(d)(2)(ii): {d.unreachable} cannot be reached: a conspicuous posting on "
                "the home page for 90 days, or notice in major print or broadcast media where "
                "they likely live"
            )
        out.append(Deadline(Recipient.SUBSTITUTE, within, why=why + late))
        if d.unreachable >= 10:
            out.append(
                Deadline(
                    Recipient.TOLL_FREE,
                    within,
                    why="164.404(d)(2)(ii)(B): a toll-free number, active at least 90 days, where "
                    "people can learn whether they were affected" + late,
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
    # the safe harbor's facts: which device or data, which encryption, its state, the key
    device: str | None = None
    encryption: str | None = None
    powered: str | None = None  # off | locked | on | unknown
    key_location: str | None = None
    # an exception's facts (164.402(1))
    who: str | None = None  # the workforce member or authorized person involved
    good_faith: str | None = None  # why in good faith and within their authority
    further_use: str | None = None  # how it is known there was no further use or disclosure
    retention: str | None = None  # why the recipient could not reasonably have retained it


POWERED = ("off", "locked", "on", "unknown")
_BOILERPLATE = {
    "n/a", "na", "none", "nothing", "unknown", "tbd", "todo", "see above", "see notes",
    "not applicable", "per policy", "as usual", "standard", "encrypted", "yes", "no", "ok",
    "fine", "secure", "secured", "safe", "n.a.", "-", "?",
}  # fmt: skip


def _fact(value: str | None, what: str, flag: str) -> str | None:
    """What is wrong with one documented fact (the burden of proof is the practice's,
    164.414(b)): missing, or boilerplate that says nothing about this incident."""
    text = " ".join((value or "").split())
    if not text:
        return f"{flag} ({what})"
    if text.lower().strip(".") in _BOILERPLATE or len(text) < 12 or len(text.split()) < 2:
        return f"{flag} ({what}: {text!r} says nothing about this incident)"
    return None


def _facts(checks: list[tuple[str | None, str, str]], why: str) -> None:
    problems = [x for x in (_fact(v, w, f) for v, w, f in checks) if x]
    if problems:
        raise InvalidInput(f"{why} needs the facts: " + "; ".join(problems))


_EXCEPTION_FACTS = {
    "good-faith-workforce": (
        ("who", "the workforce member or person acting under the practice's authority", "--who"),
        ("good_faith", "why the access was in good faith and within their authority",
         "--good-faith"),
        ("further_use", "how it is known the PHI was not further used or disclosed",
         "--further-use"),
    ),
    "inadvertent-internal": (
        ("who", "the person authorized to access the PHI who disclosed it", "--who"),
        ("recipient", "the other person authorized at the same practice, business associate or "
         "OHCA who received it", "--recipient"),
        ("further_use", "how it is known the PHI was not further used or disclosed",
         "--further-use"),
    ),
    "could-not-retain": (
        ("recipient", "who received it", "--recipient"),
        ("retention", "why, in good faith, they could not reasonably have retained it",
         "--retention"),
    ),
}  # fmt: skip


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
        _facts(
            [
                (a.device, "which device or data", "--device"),
                (a.encryption, "which encryption, e.g. 'BitLocker full-disk AES-256'",
                 "--encryption"),
                (a.key_location, "where the key or passphrase was, apart from the device",
                 "--key-location"),
            ],
            "the safe harbor (secured PHI)",
        )  # fmt: skip
        if a.powered not in POWERED:
            raise InvalidInput("the safe harbor needs --powered off, locked, on or unknown")
        if a.powered in ("on", "unknown"):
            raise InvalidInput(
                f"--powered {a.powered}: a device that may have been on and unlocked holds its "
                "key in memory, so the encryption protected nothing: no safe harbor; assess the "
                "four factors instead"
            )
        return Conclusion(
            False,
            "Not a breach of unsecured PHI (164.402, safe harbor): "
            f"{a.device}, encrypted with {a.encryption} as HHS guidance describes; the device "
            f"was {'powered off' if a.powered == 'off' else 'locked'} and the key was "
            f"{a.key_location}, not compromised. No notice is required.",
        )
    if a.exception is not Exception_.NONE:
        needed = _EXCEPTION_FACTS[a.exception.value]
        _facts(
            [(getattr(a, attr), what, flag) for attr, what, flag in needed],
            f"the exception {a.exception.value} (164.402(1))",
        )
        facts = "; ".join(f"{flag.lstrip('-')}: {getattr(a, attr)}" for attr, _, flag in needed)
        return Conclusion(
            False,
            f"Excluded from the definition of breach (164.402(1)): "
            f"{a.exception.value.replace('-', ' ')}; {facts}.",
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
        _facts(
            [
                (a.nature, "the nature and extent of the PHI", "--nature"),
                (a.recipient, "who used or received it", "--recipient"),
                (a.mitigated, "how far the risk was mitigated", "--mitigated"),
            ],
            "a low probability of compromise (164.402(2))",
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
    details: Details = field(default_factory=Details)

    @property
    def open(self) -> bool:
        return self.closed_on is None

    def deadlines(self, given: Mapping[str, date] | None = None) -> list[Deadline]:
        if not self.breach:
            return []
        return deadlines(
            self.discovered, self.affected or 0, self.state_counts, self.details, given
        )
