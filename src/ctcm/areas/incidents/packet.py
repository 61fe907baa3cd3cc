"""Incidents and breach notices: the area's files in the audit packet (its as-of date, period and redaction respected)."""

from __future__ import annotations

from ctcm.services.packetparts import PacketFile, PacketSpec, iso, table
from ctcm.services.practice import Practice


def incidents_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.areas.incidents.breachfile import breach_file
    from ctcm.areas.incidents.service import deadline_states

    shown = [i for i in p.repo.incidents() if i.discovered <= spec.as_of]
    entered = p.repo.recorded_at("incidents")
    rows = []
    for i in shown:
        states = deadline_states(p, i)
        rows.append((
            i.id, iso(i.discovered), "" if spec.redact else (i.reported_by or ""),
            "" if spec.redact else i.summary,
            "not assessed" if i.breach is None else ("breach" if i.breach else "not a breach"),
            "" if spec.redact else (i.reasoning or ""), i.affected or "",
            ";".join(f"{k} {v}" for k, v in sorted(i.state_counts.items())),
            ";".join(f"{s.deadline.key} {s.deadline.due.isoformat()}" for s in states),
            ";".join(f"{s.deadline.key} {s.given.isoformat()}" for s in states
                     if s.given and s.given <= spec.as_of),
            iso(i.closed_on) if i.closed_on and i.closed_on <= spec.as_of else "",
            entered.get(str(i.id), ""),
        ))  # fmt: skip
    files = [
        PacketFile(
            "incidents/incidents.csv",
            table(
                (
                    "id",
                    "discovered",
                    "reported_by",
                    "summary",
                    "conclusion",
                    "reasoning",
                    "affected",
                    "by_state",
                    "deadlines",
                    "notices_given",
                    "closed",
                    "recorded_at",
                ),
                rows,
            ),  # fmt: skip
            "Incidents and their assessments",
        )
    ]
    files += [
        PacketFile(
            f"incidents/breach-file-{i.id}.txt",
            breach_file(p, i, spec.redact).encode(),
            f"Breach file of incident {i.id} (timeline, four factors, deadlines, notices)",
        )
        for i in shown
    ]
    return files
