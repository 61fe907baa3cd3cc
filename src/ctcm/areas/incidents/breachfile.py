"""The breach file of one incident: what 164.414(b) asks the practice to be able to show. The
timeline, the four factors of 164.402(2) with the conclusion, the safe harbor's or exception's
facts, the linked vendor, the state counts, every deadline with its rule, and the notices given
with their dates and manner. Read by ``incident show`` and the audit packet."""

from __future__ import annotations

from typing import Any

from ctcm.domain.incidents import Exception_, Incident
from ctcm.services.practice import Practice

FACTORS = (
    ("nature", "(i) nature and extent of the PHI involved, identifiers, re-identification"),
    ("recipient", "(ii) the unauthorized person who used it or to whom it was disclosed"),
    ("acquired", "(iii) whether the PHI was actually acquired or viewed"),
    ("mitigated", "(iv) the extent to which the risk has been mitigated"),
)


def assessment_data(i: Incident) -> dict[str, Any] | None:
    a = i.assessment
    if a is None:
        return None
    return {
        "factors": {key: getattr(a, key) for key, _ in FACTORS},
        "exception": None if a.exception is Exception_.NONE else a.exception.value,
        "exception_facts": {
            k: getattr(a, k) for k in ("who", "good_faith", "further_use", "retention")
            if getattr(a, k)
        },
        "secured": a.secured,
        "safe_harbor_facts": {
            k: getattr(a, k) for k in ("device", "encryption", "powered", "key_location")
            if getattr(a, k)
        },
        "low_probability": a.low_probability,
        "with_counsel": a.counsel,
        "reason": a.reason,
    }  # fmt: skip


def breach_file(p: Practice, i: Incident, redact: bool = False) -> str:
    """The breach file as plain text (the packet's incidents/breach-file-N.txt)."""
    from ctcm.areas.incidents.service import deadline_states

    def text(value: object) -> str:
        if value in (None, ""):
            return "not recorded"
        return "(redacted)" if redact else str(value)

    conclusion = {None: "not assessed yet", True: "breach", False: "not a breach"}[i.breach]
    lines = [
        f"Breach file: incident {i.id}",
        "",
        "Timeline",
        f"  discovered: {i.discovered.isoformat()}",
        f"  reported by: {text(i.reported_by)}",
        f"  first known by: {text(i.details.known_by)}",
        f"  closed: {i.closed_on.isoformat() if i.closed_on else 'open'}",
        "",
        "What happened",
        f"  {text(i.summary)}",
        "",
        "Risk assessment (45 CFR 164.402(2))",
    ]
    a = assessment_data(i)
    if a is None:
        lines.append("  not assessed yet")
    else:
        lines += [f"  {label}: {text(a['factors'][key])}" for key, label in FACTORS]
        if a["exception"]:
            lines.append(f"  exception (164.402(1)): {a['exception']}")
            lines += [f"    {k}: {text(v)}" for k, v in a["exception_facts"].items()]
        if a["secured"]:
            lines.append("  secured PHI (safe harbor): yes")
            lines += [f"    {k}: {text(v)}" for k, v in a["safe_harbor_facts"].items()]
        lines.append(
            f"  low probability of compromise documented: {'yes' if a['low_probability'] else 'no'}"
        )
        if a["with_counsel"]:
            lines.append("  concluded with counsel")
    lines += [
        f"  conclusion: {conclusion}",
        f"  reasoning: {text(i.reasoning)}",
        "",
        "Who was affected",
        f"  individuals: {i.affected if i.affected is not None else 'not recorded'}",
        "  by state: "
        + (", ".join(f"{k} {v}" for k, v in sorted(i.state_counts.items())) or "not recorded"),
        f"  residence unknown: {i.details.residence_unknown or 0}",
        f"  vendor involved: {text(i.details.vendor)}"
        + (f" (knew {i.details.vendor_knew.isoformat()})" if i.details.vendor_knew else ""),
        "",
        "Deadlines and notices",
    ]
    notices = p.repo.incident_notice_details().get(i.id, {})
    states = deadline_states(p, i)
    if not states:
        lines.append("  none (not a breach, or not assessed)")
    for s in states:
        given = s.given.isoformat() if s.given else "NOT GIVEN"
        manner = notices.get(s.deadline.key, {}).get("manner") if notices else None
        lines.append(
            f"  {s.deadline.key}: due {s.deadline.due.isoformat()} ({s.deadline.why}); given "
            f"{given}" + (f", {manner}" if manner else "")
        )
    if i.details.delay:
        lines.append(f"  law enforcement delay: {i.details.delay.explain()}")
    if i.details.media_decision:
        lines.append(f"  media notice decision: {text(i.details.media_decision)}")
    return "\n".join(lines) + "\n"
