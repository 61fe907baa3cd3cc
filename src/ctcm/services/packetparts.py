"""What each area puts in the audit packet (services/packet.py reads them through ctcm.registry:
the areas declare their parts in their packages, and the packet code
stays as it is).

A part returns files (path inside the packet, bytes, title, whether it is a draft). Every part
respects the packet's as-of date and period, and ``redact`` (no document numbers, notes or
email addresses).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ctcm.services.practice import Practice


@dataclass(frozen=True, slots=True)
class PacketSpec:
    as_of: date
    start: date
    end: date
    redact: bool
    with_attachments: bool

    def in_period(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class PacketFile:
    path: str
    data: bytes
    title: str
    draft: bool = False


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A packet CSV: every text cell formula-safe (the one rule of status.csv and exports)."""
    from ctcm.render.formats import neutralise

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            ["" if v is None else neutralise(v) if isinstance(v, str) else v for v in row]
        )
    return out.getvalue().encode()


def iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def status_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.areas.credentials import service as cred
    from ctcm.areas.risk.program import program_status
    from ctcm.render.formats import OutputFormat, Style, render
    from ctcm.render.views import dashboard_view
    from ctcm.services.dashboard import render_html
    from ctcm.services.program import program_sections

    board = cred.dashboard(p)
    program, sections = program_status(p), program_sections(p)
    view = dashboard_view(board, program, sections)
    page = render_html(p, board.people, board, program, sections, generated="")
    return [
        PacketFile("status/status.html", page.encode(), "Compliance status (page)"),
        PacketFile(
            "status/status.json",
            render(view, OutputFormat.JSON, Style(color=False, width=100)).encode(),
            "Compliance status (JSON)",
        ),
        PacketFile(
            "status/status.csv",
            render(view, OutputFormat.CSV, Style(color=False, width=100)).encode(),
            "Status (CSV)",
        ),
    ]


def reminders_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    rows = [
        (e.kind, e.status, e.at, e.person_id, e.doctype, e.threshold, e.escalation, e.channel)
        for e in p.repo.deliveries()
        if spec.in_period(p.local_date(e.at))
    ]
    return [
        PacketFile(
            "reminders/ledger.csv",
            table(
                ("kind", "status", "at", "person", "about", "threshold", "escalation", "channel"),
                rows,
            ),
            "Reminder ledger (who was reminded of what, when)",
        )
    ]


def audit_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    import re

    from ctcm.services.vaultops import audit_verify

    email = re.compile(r"[^\s@;,<>]+@[^\s@;,<>]+")

    def targets(values: Sequence[str]) -> str:
        text = ";".join(values)
        return email.sub("[email redacted]", text) if spec.redact else text

    check = audit_verify(p)
    rows = [
        (e.seq, e.ts, e.actor, e.command, targets(e.targets), e.hash)
        for e in p.repo.audit_entries()
        if spec.in_period(p.local_date(e.ts))
    ]
    verdict = (
        f"The audit trail's hash chain verifies: {check.entries} entries.\n"
        if check.ok
        else f"The audit trail's hash chain is BROKEN at entry {check.broken_at}.\n"
    )
    return [
        PacketFile(
            "audit/trail.csv",
            table(("seq", "ts", "actor", "command", "targets", "hash"), rows),
            "Audit trail in the period",
        ),
        PacketFile("audit/verification.txt", verdict.encode(), "Audit trail verification"),
    ]
