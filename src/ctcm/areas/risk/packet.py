"""Risk analysis and mitigation plan: the area's files in the audit packet (its as-of date, period and redaction respected)."""

from __future__ import annotations

from ctcm.services.packetparts import PacketFile, PacketSpec, table
from ctcm.services.practice import Practice


def risk_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.areas.risk.report import render_report, task_json

    full = [a for a in p.repo.assessments() if a.kind == "full"]
    files = []
    if full:
        latest = max(full, key=lambda a: a.id)
        signed = p.repo.signoffs().get(latest.id)
        files.append(
            PacketFile(
                f"risk/risk-analysis-{latest.id}.html",
                render_report(p, latest.id, "html", spec.redact).encode(),
                f"Risk analysis #{latest.id}" + ("" if signed else " (DRAFT)"),
                draft=signed is None,
            )
        )
    else:  # absent is said, never left for the reader to notice
        files.append(
            PacketFile(
                "risk/NOT-ON-RECORD.txt",
                f"No risk analysis is on record on {spec.as_of}.\n".encode(),
                "Risk analysis: none on record",
                draft=True,
            )
        )
    tasks = [task_json(t) for t in p.repo.tasks()]
    entered = p.repo.recorded_at("risk_tasks")
    files.append(
        PacketFile(
            "risk/mitigation-plan.csv",
            table(
                (
                    "id",
                    "scenario_or_safeguard",
                    "action",
                    "owner",
                    "due",
                    "status",
                    "closed_on",
                    "recorded_at",
                ),
                (
                    (
                        t["id"],
                        t.get("scenario"),
                        t.get("action"),
                        t.get("owner"),
                        t.get("due"),
                        t.get("status"),
                        t.get("closed_on") or "",
                        entered.get(str(t["id"]), ""),
                    )
                    for t in tasks
                ),
            ),  # fmt: skip
            "Mitigation plan",
        )
    )
    return files
