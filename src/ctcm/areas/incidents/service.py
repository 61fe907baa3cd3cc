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
    Assessment,
    Conclusion,
    Deadline,
    Exception_,
    Incident,
    Recipient,
    check_state_counts,
    conclude,
)
from ctcm.domain.program import DueItem
from ctcm.errors import InvalidInput, NotFound
from ctcm.services.practice import Practice


def add(p: Practice, discovered: date, summary: str, reported_by: str | None) -> int:
    if discovered > p.today:
        raise InvalidInput(f"--discovered {discovered} is in the future")
    if reported_by is not None:
        cred.get_person(p, reported_by)
    incident = Incident(0, discovered, check_text(summary, "--summary", 2000), reported_by)
    incident_id = p.repo.add_incident(incident, p.now_iso, p.actor)
    p.touch(f"incident:{incident_id}")
    return incident_id


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
) -> tuple[Incident, Conclusion]:
    """Record the breach risk assessment (or a conclusion reached with counsel) and, for a
    breach, who is affected; the deadlines follow from the discovery date."""
    incident = get(p, incident_id)
    if not incident.open:
        raise InvalidInput(f"incident {incident_id} is closed")
    conclusion = conclude(assessment, counsel)
    counts = check_state_counts(state_counts) if state_counts else incident.state_counts
    people = affected if affected is not None else incident.affected
    if conclusion.breach and people is None:
        raise InvalidInput(
            "a breach needs --affected N (and --state-counts ST=N ... for the media rule)"
        )
    updated = replace(
        incident,
        breach=conclusion.breach,
        reasoning=conclusion.reasoning,
        assessment=replace(assessment, counsel=counsel is not None),
        affected=people,
        state_counts=counts,
    )
    updated.deadlines()  # validates the counts against the number affected
    p.repo.update_incident(updated)
    p.touch(f"incident:{incident_id}", "assessed")
    return updated, conclusion


def _recipient_key(to: Recipient, state: str | None) -> str:
    return f"{to.value}:{state.upper()}" if state else to.value


def notify(
    p: Practice, incident_id: int, to: str, given: date, state: str | None
) -> Deadline | None:
    """Record a notice given; return the deadline it met (None if none was due)."""
    incident = get(p, incident_id)
    try:
        recipient = Recipient(to)
    except ValueError:
        raise InvalidInput("--to must be individuals, hhs or media") from None
    if recipient is Recipient.MEDIA and not state:
        raise InvalidInput("a media notice names the state: --state NY")
    if given > p.today:
        raise InvalidInput(f"--date {given} is in the future: record notices once given")
    if given < incident.discovered:
        raise InvalidInput(
            f"--date {given} is before the incident was discovered ({incident.discovered})"
        )
    key = _recipient_key(recipient, state)
    p.repo.add_incident_notice(incident_id, key, given, p.now_iso, p.actor)
    p.touch(f"incident:{incident_id}", f"notice:{key}")
    return next((d for d in incident.deadlines() if d.key == key), None)


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
    pending = [d for d in incident.deadlines() if d.key not in given]
    if pending:
        raise InvalidInput(
            f"incident {incident_id} still has notices to record: "
            + ", ".join(f"{d.key} (due {d.due})" for d in pending)
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


def deadline_states(p: Practice, incident: Incident) -> list[DeadlineState]:
    given = p.repo.incident_notices().get(incident.id, {})
    return [DeadlineState(d, given.get(d.key)) for d in incident.deadlines()]


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
        for d in i.deadlines():
            if d.key not in given:
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
    return incident.discovered + timedelta(days=NOTICE_DAYS)


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


def letter_context(p: Practice, incident_id: int) -> dict[str, Any]:
    """The notice to individuals (164.404(c)) and the HHS portal fields: what ctcm knows,
    and clearly marked blanks for what only the practice can write."""
    incident = get(p, incident_id)
    if incident.breach is not True:
        raise InvalidInput(
            f"incident {incident_id} is not assessed as a breach; no notice letter is needed"
        )
    s = p.settings
    blank = "[[TO BE COMPLETED BY THE PRACTICE: {}]]"
    contact = {
        "phone": s.get("contact.phone") or blank.format("toll-free telephone number"),
        "email": s.get("contact.email") or blank.format("email address"),
        "website": s.get("contact.website") or blank.format("website"),
        "address": s.get("contact.address") or blank.format("postal address"),
    }
    given = p.repo.incident_notices().get(incident.id, {})
    return {
        "practice": s.get("practice_name", ""),
        "incident": incident.id,
        "discovered": f"{incident.discovered.day} {incident.discovered:%B %Y}",
        "breach_date": blank.format("the date or dates of the breach"),
        "what_happened": blank.format(
            "what happened, in plain language (the incident record holds the practice's notes)"
        ),
        "kinds_of_phi": blank.format(
            "the kinds of information involved (names, dates of birth, diagnoses, insurance "
            "numbers, ...)"
        ),
        "steps": blank.format(
            "what individuals should do to protect themselves (watch statements, ...)"
        ),
        "doing": blank.format("what the practice is doing to investigate, mitigate and prevent"),
        "contact": contact,
        "affected": incident.affected,
        "deadlines": [
            {"to": d.key, "due": d.due.isoformat(), "why": d.why, "given": given.get(d.key)}
            for d in incident.deadlines()
        ],
        "reasoning": incident.reasoning,
        "blank": blank.format(""),
    }


def render_letter(p: Practice, incident_id: int, fmt: str) -> str:
    from ctcm.render.templates import make_environment, render

    if fmt not in ("md", "html"):
        raise InvalidInput("--format for a letter is md or html")
    context = letter_context(p, incident_id)
    p.touch(f"incident:{incident_id}", "letter")
    return render(
        make_environment(p.vault.root / "templates"), f"incident/letter.{fmt}.j2", context
    )


def parse_exception(value: str | None) -> Exception_:
    try:
        return Exception_(value or "none")
    except ValueError:
        choices = ", ".join(e.value for e in Exception_)
        raise InvalidInput(f"--exception must be one of {choices}") from None
