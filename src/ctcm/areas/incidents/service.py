"""Incident records: the breach risk assessment, notification deadlines and notices, the notice
letter draft and the HHS portal summary. An incident's description never leaves the vault in
an email: the digest and reminders name incidents by number only."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from ctcm.areas.credentials import service as cred
from ctcm.domain.credentials import Light, check_text
from ctcm.domain.incidents import (
    NOTICE_DAYS,
    SUBSTITUTE_DAYS,
    Assessment,
    Conclusion,
    Deadline,
    Delay,
    Details,
    Exception_,
    Incident,
    Recipient,
    check_counts,
    check_state_counts,
    clock_start,
    conclude,
)
from ctcm.domain.program import DueItem
from ctcm.errors import InvalidInput, NotFound
from ctcm.services.practice import Practice


def add(
    p: Practice,
    discovered: date,
    summary: str,
    reported_by: str | None,
    details: Details | None = None,
) -> int:
    if discovered > p.today:
        raise InvalidInput(f"--discovered {discovered} is in the future")
    if reported_by is not None:
        cred.get_person(p, reported_by)
    facts = check_details(p, details or Details(), discovered)
    incident = Incident(
        0, discovered, check_text(summary, "--summary", 2000), reported_by, details=facts
    )
    incident_id = p.repo.add_incident(incident, p.now_iso, p.actor)
    p.touch(f"incident:{incident_id}")
    return incident_id


def check_details(p: Practice, d: Details, discovered: date) -> Details:
    """Who knew first, a vendor's discovery, a business associate's covered entity."""
    if d.known_by is not None:
        check_text(d.known_by, "--known-by", 200)
    if d.vendor is not None:
        from ctcm.areas.assets.service import get_vendor

        get_vendor(p, d.vendor)
        if d.vendor_knew is None or d.vendor_agent is None:
            raise InvalidInput(
                "a vendor's discovery needs --vendor-knew DATE and --agent yes|no (an agent's "
                "knowledge starts the practice's clock, 164.404(a)(2))"
            )
    if d.vendor_knew is not None and d.vendor_knew > p.today:
        raise InvalidInput(f"--vendor-knew {d.vendor_knew} is in the future")
    if d.covered_entity is not None:
        check_text(d.covered_entity, "--covered-entity", 200)
    return d


def set_details(p: Practice, incident_id: int, **changes: Any) -> Incident:
    incident = get(p, incident_id)
    facts = check_details(p, replace(incident.details, **changes), incident.discovered)
    updated = replace(incident, details=facts)
    p.repo.update_incident(updated)
    return updated


def get(p: Practice, incident_id: int) -> Incident:
    for i in p.repo.incidents():
        if i.id == incident_id:
            return i
    raise NotFound(f"unknown incident {incident_id} (see 'ctcm incident list')")


def parse_yes_no(value: str | None, what: str) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v in ("yes", "y", "true"):
        return True
    if v in ("no", "n", "false"):
        return False
    raise InvalidInput(f"{what} must be yes or no")


def assess(
    p: Practice,
    incident_id: int,
    assessment: Assessment,
    counsel: bool | None,
    affected: int | None,
    state_counts: dict[str, int],
    residence_unknown: int | None = None,
    unreachable: int | None = None,
) -> tuple[Incident, Conclusion]:
    """Record the breach risk assessment (or a conclusion reached with counsel) and, for a
    breach, who is affected; the deadlines follow from the discovery date."""
    incident = get(p, incident_id)
    if not incident.open:
        raise InvalidInput(f"incident {incident_id} is closed")
    conclusion = conclude(assessment, counsel)
    counts = check_state_counts(state_counts) if state_counts else incident.state_counts
    people = affected if affected is not None else incident.affected
    unknown = (
        residence_unknown if residence_unknown is not None else incident.details.residence_unknown
    )
    if unreachable is not None and unreachable < 0:
        raise InvalidInput("--unreachable cannot be negative")
    if conclusion.breach and people is None:
        raise InvalidInput(
            "a breach needs --affected N (and --state-counts ST=N ... for the media rule)"
        )
    if conclusion.breach and people is not None:
        check_counts(people, counts, unknown)
    details = replace(
        incident.details,
        residence_unknown=unknown,
        unreachable=unreachable if unreachable is not None else incident.details.unreachable,
    )
    updated = replace(
        incident,
        breach=conclusion.breach,
        reasoning=conclusion.reasoning,
        assessment=replace(assessment, counsel=counsel is not None),
        affected=people,
        state_counts=counts,
        details=details,
    )
    updated.deadlines()  # validates the counts against the number affected
    p.repo.update_incident(updated)
    p.touch(f"incident:{incident_id}", "assessed")
    return updated, conclusion


def _recipient_key(to: Recipient, state: str | None) -> str:
    return f"{to.value}:{state.upper()}" if state else to.value


@dataclass(frozen=True, slots=True)
class Manner:
    """How the individuals were told (164.404(d)): first-class mail, or email to those who
    agreed; next of kin or a personal representative for people who died; telephone too when
    urgent."""

    how: str | None = None  # mail | email; None: not stated, and recorded so
    email_agreed: bool = False
    next_of_kin: int = 0
    telephone: bool = False

    def check(self) -> dict[str, object]:
        if self.how not in (None, "mail", "email"):
            raise InvalidInput("--manner must be mail (first-class) or email")
        if self.how == "email" and not self.email_agreed:
            raise InvalidInput(
                "email notice only to people who agreed to electronic notice (164.404(d)(1)(i)): "
                "give --email-agreed, or send first-class mail"
            )
        if self.next_of_kin < 0:
            raise InvalidInput("--next-of-kin cannot be negative")
        return {
            "manner": {None: "not stated", "mail": "first-class mail"}.get(
                self.how, "email (agreed)"
            ),
            "next_of_kin": self.next_of_kin,
            "telephone": self.telephone,
        }


def notify(
    p: Practice,
    incident_id: int,
    to: str,
    given: date,
    state: str | None,
    manner: Manner | None = None,
) -> Deadline | None:
    """Record a notice given; return the deadline it met (None if none was due)."""
    incident = get(p, incident_id)
    choices = ", ".join(r.value for r in Recipient if r is not Recipient.MEDIA_DECISION)
    try:
        recipient = Recipient(to)
    except ValueError:
        raise InvalidInput(f"--to must be one of {choices}") from None
    if recipient is Recipient.MEDIA_DECISION:
        raise InvalidInput(
            "record a decision that no media notice is needed with "
            f"'ctcm incident media-decision {incident_id} --reason ...'"
        )
    details = (manner or Manner()).check() if recipient is Recipient.INDIVIDUALS else None
    if recipient is Recipient.MEDIA and not state:
        raise InvalidInput("a media notice names the state: --state NY")
    if given > p.today:
        raise InvalidInput(f"--date {given} is in the future: record notices once given")
    if given < incident.discovered:
        raise InvalidInput(
            f"--date {given} is before the incident was discovered ({incident.discovered})"
        )
    key = _recipient_key(recipient, state)
    p.repo.add_incident_notice(incident_id, key, given, p.now_iso, p.actor, details)
    p.touch(f"incident:{incident_id}", f"notice:{key}")
    told = p.repo.incident_notices().get(incident_id, {})
    return next((d for d in incident.deadlines(told) if d.key == key), None)


def media_decision(p: Practice, incident_id: int, reason: str, on: date) -> Incident:
    """Record why no media notice is needed for the people whose state is unknown (164.406)."""
    incident = get(p, incident_id)
    if not any(d.to is Recipient.MEDIA_DECISION for d in incident.deadlines()):
        raise InvalidInput(
            f"incident {incident_id} has no media decision to make (no affected people of "
            "unknown state among more than 500)"
        )
    why = check_text(reason, "--reason", 2000)
    if len(why.split()) < 4:
        raise InvalidInput("--reason must say why no state has more than 500 affected residents")
    if on > p.today:
        raise InvalidInput(f"--date {on} is in the future")
    p.repo.add_incident_notice(
        incident_id, Recipient.MEDIA_DECISION.value, on, p.now_iso, p.actor, {"reason": why}
    )
    updated = replace(incident, details=replace(incident.details, media_decision=why))
    p.repo.update_incident(updated)
    p.touch(f"incident:{incident_id}", "media-decision")
    return updated


def delay(
    p: Practice,
    incident_id: int,
    kind: str,
    official: str,
    stated_on: date,
    until: date | None,
) -> Incident:
    """Record a law-enforcement delay (164.412): written (for the period it names) or oral (at
    most 30 days unless a written statement follows within them)."""
    incident = get(p, incident_id)
    who = check_text(official, "--official", 300)
    if len(who.split()) < 2:
        raise InvalidInput("--official names the official and the agency, e.g. 'Det. Ruiz, NYPD'")
    if stated_on > p.today or stated_on < incident.discovered:
        raise InvalidInput("--date is the day of the statement: after discovery, not in the future")
    current = incident.details.delay
    if kind == "written":
        if until is None or until <= stated_on:
            raise InvalidInput("a written statement names its period: --until DATE after --date")
        if current is not None and current.kind == "oral":
            late = stated_on > current.stated_on + timedelta(days=30)
            new = (
                Delay("written", who, stated_on, until)
                if late
                else replace(current, written_on=stated_on, until=until)
            )
        else:
            new = Delay("written", who, stated_on, until)
    elif kind == "oral":
        if until is not None:
            raise InvalidInput("an oral statement delays 30 days at most: no --until")
        new = Delay("oral", who, stated_on)
    else:
        raise InvalidInput("give --written or --oral")
    updated = replace(incident, details=replace(incident.details, delay=new))
    p.repo.update_incident(updated)
    p.touch(f"incident:{incident_id}", f"delay:{new.kind}")
    return updated


def close(p: Practice, incident_id: int) -> Incident:
    incident = get(p, incident_id)
    if not incident.open:
        raise InvalidInput(f"incident {incident_id} is closed already")
    if incident.breach is None:
        raise InvalidInput(
            f"incident {incident_id} has no breach assessment yet: 'ctcm incident assess' "
            "first (the practice must be able to show it was not a breach, 164.414)"
        )
    given = p.repo.incident_notices().get(incident_id, {})
    pending = [d for d in incident.deadlines(given) if not _met(d, given)]
    if pending:
        raise InvalidInput(
            f"incident {incident_id} still has notices to record: "
            + ", ".join(f"{d.key} (due {d.due})" for d in pending)
        )
    for key in (Recipient.SUBSTITUTE.value, Recipient.TOLL_FREE.value):
        start = given.get(key)
        if (incident.details.unreachable or 0) >= 10 and start is not None:
            ends = start + timedelta(days=SUBSTITUTE_DAYS)
            if p.today < ends:
                raise InvalidInput(
                    f"incident {incident_id}: the {key} notice runs 90 days, until {ends} "
                    "(164.404(d)(2)(ii)); close it after that"
                )
    closed = replace(incident, closed_on=p.today)
    p.repo.update_incident(closed)
    p.touch(f"incident:{incident_id}", "closed")
    return closed


@dataclass(frozen=True, slots=True)
class DeadlineState:
    deadline: Deadline
    given: date | None

    def light(self, today: date, warn_days: int) -> Light:
        """Given: green. Past its deadline: red. Otherwise yellow, however far off: the rule
        asks for notice without unreasonable delay, 60 days being the outer limit."""
        if self.given is not None:
            return Light.GREEN
        return Light.RED if self.deadline.due < today else Light.YELLOW


def _met(d: Deadline, given: dict[str, date]) -> bool:
    if d.to is Recipient.MEDIA_DECISION:  # a decision, or a media notice in any state
        return d.key in given or any(k.startswith("media:") for k in given)
    return d.key in given


def _given_on(d: Deadline, given: dict[str, date]) -> date | None:
    if d.to is Recipient.MEDIA_DECISION and d.key not in given:
        media = [v for k, v in given.items() if k.startswith("media:")]
        return min(media) if media else None
    return given.get(d.key)


def deadline_states(p: Practice, incident: Incident) -> list[DeadlineState]:
    given = p.repo.incident_notices().get(incident.id, {})
    return [DeadlineState(d, _given_on(d, given)) for d in incident.deadlines(given)]


@dataclass(frozen=True, slots=True)
class IncidentsStatus:
    open: int
    unassessed: tuple[int, ...]
    deadlines: tuple[tuple[int, DeadlineState], ...]  # open deadlines (notice not given)
    light: Light
    lines: tuple[str, ...]


def status(p: Practice) -> IncidentsStatus:
    """The incidents area at a glance: an overdue notice is red; any other notice still due,
    or an incident not yet assessed, is yellow."""
    today, warn = p.today, p.warn_days
    incidents = [i for i in p.repo.incidents() if i.open]
    notices = p.repo.incident_notices()
    pending: list[tuple[int, DeadlineState]] = []
    for i in incidents:
        given = notices.get(i.id, {})
        for d in i.deadlines(given):
            if not _met(d, given):
                pending.append((i.id, DeadlineState(d, None)))
    unassessed = tuple(i.id for i in incidents if i.breach is None)
    light = Light.GREEN
    lines = []
    for incident_id, s in pending:
        lit = s.light(today, warn)
        if lit.severity > light.severity:
            light = lit
        late = "overdue since" if lit is Light.RED else "due by"
        lines.append(
            f"Incident {incident_id}: notice to {s.deadline.label} {late} {s.deadline.due}"
        )
    for i in incidents:
        if i.breach is not None:
            continue
        # until assessed, an incident is presumed a breach (164.402(2)): its notice clock runs
        lit = _unassessed_light(i, today)
        if lit.severity > light.severity:
            light = lit
        lines.append(
            f"Incident {i.id} has no breach risk assessment yet (if it is a breach, "
            f"individuals must be told by {_latest_notice(i)})"
        )
    return IncidentsStatus(len(incidents), unassessed, tuple(pending), light, tuple(lines))


def _latest_notice(incident: Incident) -> date:
    return clock_start(incident.discovered, incident.details) + timedelta(days=NOTICE_DAYS)


def _unassessed_light(incident: Incident, today: date) -> Light:
    return Light.RED if _latest_notice(incident) < today else Light.YELLOW


def incidents_due(p: Practice, until: date) -> Iterable[DueItem]:
    today = p.today
    for i in p.repo.incidents():
        if i.open and i.breach is None:
            yield DueItem(
                today,
                "incidents",
                f"Incident {i.id}: assess it (a breach needs notices by {_latest_notice(i)})",
                None,
                _unassessed_light(i, today),
                f"incident:{i.id}:assess",
            )
    for incident_id, s in status(p).deadlines:
        if s.deadline.due <= until:
            yield DueItem(
                s.deadline.due,
                "incidents",
                f"Incident {incident_id}: notice to {s.deadline.label}"
                + (" (overdue)" if s.deadline.due < today else ""),
                None,
                s.light(today, p.warn_days),
                f"incident:{incident_id}:{s.deadline.key}",
            )


def parse_exception(value: str | None) -> Exception_:
    try:
        return Exception_(value or "none")
    except ValueError:
        choices = ", ".join(e.value for e in Exception_)
        raise InvalidInput(f"--exception must be one of {choices}") from None
