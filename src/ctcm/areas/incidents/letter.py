"""The notice letter to individuals (164.404(c)) and the HHS portal summary of an incident:
what ctcm knows, and clearly marked blanks for what only the practice can write."""

from __future__ import annotations

from typing import Any

from ctcm.areas.incidents.service import get
from ctcm.domain.incidents import STATE_LAW
from ctcm.errors import InvalidInput
from ctcm.services.practice import Practice


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
    # 164.404(c)(1)(E): a toll-free number, an email address, a website or a postal address;
    # an ordinary number is labelled as what it is
    contact = {
        "toll_free": s.get("contact.toll_free") or "",
        "phone": s.get("contact.phone") or "",
        "email": s.get("contact.email") or blank.format("email address"),
        "website": s.get("contact.website") or blank.format("website"),
        "address": s.get("contact.address") or blank.format("postal address"),
    }
    given = p.repo.incident_notices().get(incident.id, {})
    if not (contact["toll_free"] or contact["phone"]):
        contact["toll_free"] = blank.format("toll-free telephone number")
    a = incident.assessment
    return {
        "practice": s.get("practice_name", ""),
        "incident": incident.id,
        "discovered": f"{incident.discovered.day} {incident.discovered:%B %Y}",
        "breach_date": blank.format("the date or dates of the breach"),
        "what_happened": blank.format(
            "what happened, in plain language (the incident record holds the practice's notes)"
        ),
        "kinds_of_phi": (a.nature if a is not None and a.nature else None)
        or blank.format(
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
            for d in incident.deadlines(given)
        ],
        "state_law": STATE_LAW,
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
