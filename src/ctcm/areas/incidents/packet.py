"""Incidents and breach notices: the area's files in the audit packet (its as-of date, period and redaction respected)."""

from __future__ import annotations

from ctcm.services.packetparts import PacketFile, PacketSpec, iso, table
from ctcm.services.practice import Practice


def incidents_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    rows = [
        (
            i.id, iso(i.discovered), "" if spec.redact else i.summary,
            "not assessed" if i.breach is None else ("breach" if i.breach else "not a breach"),
            "" if spec.redact else (i.reasoning or ""), i.affected or "", iso(i.closed_on),
        )
        for i in p.repo.incidents()
        if i.discovered <= spec.as_of
    ]  # fmt: skip
    return [
        PacketFile(
            "incidents/incidents.csv",
            table(
                ("id", "discovered", "summary", "conclusion", "reasoning", "affected", "closed"),
                rows,
            ),
            "Incidents and their assessments",
        )
    ]
