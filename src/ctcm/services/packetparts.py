"""What each area puts in the audit packet (services/packet.py reads them from the registry in
services/program.py: a new area adds its part function there, one line, and the packet code
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
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue().encode()


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def status_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.render.formats import OutputFormat, Style, render
    from ctcm.render.views import dashboard_view
    from ctcm.services import credentials as cred
    from ctcm.services.dashboard import render_html
    from ctcm.services.program import program_sections
    from ctcm.services.riskprogram import program_status

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


def personnel_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    people = p.repo.people()
    roster = table(
        ("id", "name", "title", "start", "active", "deactivated_on", "policies"),
        (
            (x.id, x.name, x.title, _iso(x.start), "yes" if x.active else "no",
             _iso(x.deactivated_on), ";".join(x.policies))
            for x in people
        ),
    )  # fmt: skip
    from ctcm.domain.credentials import requirement_status

    doctypes = p.repo.doctypes()
    current = p.repo.current_documents()
    waivers = p.repo.waivers()
    rows = []
    for d in p.repo.documents():
        in_force = current.get((d.person_id, d.doctype))
        light = ""
        if in_force is not None and in_force.id == d.id and d.doctype in doctypes:
            light = requirement_status(
                doctypes[d.doctype], d, waivers.get((d.person_id, d.doctype)), p.today, p.warn_days
            ).status.value
        elif d.void_reason:
            light = "voided"
        else:
            light = "superseded"
        rows.append(
            (
                d.id, d.person_id, d.doctype, _iso(d.issued), _iso(d.expires), light,
                "" if spec.redact else (d.number or ""), d.attachments,
            )
        )  # fmt: skip
    register = table(
        ("id", "person", "type", "issued", "expires", "status", "number", "attachments"), rows
    )
    files = [
        PacketFile("personnel/roster.csv", roster, "Personnel roster"),
        PacketFile("personnel/documents.csv", register, "Document register"),
    ]
    if spec.with_attachments:
        files += _attachments(p)
    return files


def _attachments(p: Practice) -> list[PacketFile]:
    """Each scan of the documents shown, as ``<document>-<file name>``; a document's second
    scan of the same name is numbered (``-1``), as ``doc export`` does."""
    from ctcm.domain.files import numbered
    from ctcm.services.credentials import safe_filename

    shown = {d.id for d in p.repo.documents()}  # as of the packet's date
    files, used = [], set()
    for a in p.repo.attachments(None):
        if a.document_id not in shown:
            continue
        name = numbered(f"{a.document_id}-{safe_filename(a.filename, 'scan')}", used.__contains__)
        used.add(name)
        files.append(
            PacketFile(
                f"personnel/scans/{name}",
                p.vault.get_blob(a.key, a.id),
                f"Scan of document {a.document_id}",
            )
        )
    return files


def risk_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.services.riskreport import render_report, task_json

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
                f"No risk analysis is on record on {spec.as_of} (ctcm risk new).\n".encode(),
                "Risk analysis: none on record",
                draft=True,
            )
        )
    tasks = [task_json(t) for t in p.repo.tasks()]
    files.append(
        PacketFile(
            "risk/mitigation-plan.csv",
            table(
                ("id", "scenario", "action", "owner", "due", "status"),
                (
                    (
                        t["id"],
                        t.get("scenario"),
                        t.get("action"),
                        t.get("owner"),
                        t.get("due"),
                        t.get("status"),
                    )
                    for t in tasks
                ),
            ),  # fmt: skip
            "Mitigation plan",
        )
    )
    return files


def manual_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.domain.manual import version_states
    from ctcm.services.manual import manual_files
    from ctcm.services.manualversions import draft, heading

    versions = [v for v in p.repo.manual_versions() if v.adopted_on <= spec.as_of]
    states = version_states(versions, p.today)
    files = []
    current = next((s.version for s in states if s.state == "in force"), None)
    scheduled = [s.version for s in states if s.state == "scheduled"]
    # in force, then one adopted to take effect later (labelled so on every page, not DRAFT)
    shown = [(current, "Manual in force")] if current is not None else []
    shown += [(x, "Manual adopted, in force later") for x in scheduled]
    for v, what in shown:
        sections = p.repo.manual_sections(v.number)
        for name, text in manual_files(p, sections, heading(p, v), "html"):
            files.append(PacketFile(f"manual/v{v.number}/{name}", text.encode(), what))
    if current is None and not scheduled:
        from ctcm.errors import CtcmError

        try:
            sections, head = draft(p)
            for name, text in manual_files(p, sections, head, "html"):
                files.append(
                    PacketFile(f"manual/draft/{name}", text.encode(), "Manual (DRAFT)", True)
                )
        except CtcmError as err:  # unanswered questions, a broken override: say so
            note = f"No policies and procedures manual is in force on {spec.as_of}.\n"
            note += f"No draft could be rendered either: {err}\n"
            files.append(
                PacketFile("manual/NOT-IN-FORCE.txt", note.encode(), "Manual: none in force", True)
            )
    files.append(
        PacketFile(
            "manual/versions.csv",
            table(
                (
                    "version",
                    "state",
                    "effective",
                    "retired_on",
                    "keep_until",
                    "adopted_by",
                    "sha256",
                ),
                (
                    (
                        s.version.number,
                        s.state,
                        _iso(s.version.effective),
                        _iso(s.retired_on),
                        _iso(s.keep_until),
                        s.version.adopted_by,
                        s.version.content_hash,
                    )
                    for s in states
                ),
            ),  # fmt: skip
            "Manual versions",
        )
    )
    acks = sorted((pid, n, on) for (pid, n), on in p.repo.manual_acks().items() if on <= spec.as_of)
    files.append(
        PacketFile(
            "manual/acknowledgments.csv",
            table(("person", "version", "acknowledged_on"), ((a, n, _iso(o)) for a, n, o in acks)),
            "Acknowledgment register",
        )
    )
    return files


def activities_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.services.activities import all_occurrences, kind_of, list_training

    entries = [e for e in p.repo.log_entries() if spec.in_period(e.on)]
    logs = table(
        ("id", "kind", "date", "for_occurrence", "by", "fields", "note", "corrects",
         "attachments", "recorded_at"),
        (
            (e.id, e.kind, _iso(e.on), _iso(e.for_date), e.by,
             ";".join(f"{k}={v}" for k, v in e.fields), "" if spec.redact else (e.note or ""),
             e.corrects or "", e.attachments, e.created_at)
            for e in entries
        ),
    )  # fmt: skip
    # every scheduled occurrence due in the period, with its state: late work and gaps shown
    occurrences = table(
        ("kind", "due", "state", "done_on", "evidence"),
        (
            (kind_of(o), _iso(o.due), o.state.value, _iso(o.closed_on), o.evidence or "")
            for o in all_occurrences(p, min(spec.end, spec.as_of), spec.start)
        ),
    )
    training = table(
        ("entry", "date", "topic", "attendees"),
        (
            (t.entry.id, _iso(t.entry.on), t.topic, ";".join(t.attendees))
            for t in list_training(p, None)
            if spec.in_period(t.entry.on)
        ),
    )
    return [
        PacketFile("activities/logs.csv", logs, "Forms and logs in the period"),
        PacketFile(
            "activities/occurrences.csv",
            occurrences,
            "The calendar's occurrences in the period: done, done late, missed",
        ),
        PacketFile("activities/training.csv", training, "Training records in the period"),
    ]


def incidents_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    rows = [
        (
            i.id, _iso(i.discovered), "" if spec.redact else i.summary,
            "not assessed" if i.breach is None else ("breach" if i.breach else "not a breach"),
            "" if spec.redact else (i.reasoning or ""), i.affected or "", _iso(i.closed_on),
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


def assets_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    vendors = table(
        ("key", "name", "service", "phi", "baa_signed", "review_due", "status"),
        (
            (v.key, v.name, v.service, "yes" if v.phi else "no", _iso(v.baa_signed),
             _iso(v.review_due()), v.light(p.today, p.warn_days)[0].value)
            for v in p.repo.vendors().values()
        ),
    )  # fmt: skip
    devices = table(
        ("key", "type", "owner", "encrypted", "screen_lock", "phi", "last_audit", "retired_on"),
        (
            (d.key, d.type.value, d.owner, d.encrypted.value, d.screen_lock.value,
             "yes" if d.phi else "no", _iso(d.last_audit), _iso(d.retired_on))
            for d in p.repo.devices().values()
        ),
    )  # fmt: skip
    return [
        PacketFile("assets/vendors.csv", vendors, "Vendors and BAAs"),
        PacketFile("assets/devices.csv", devices, "Devices"),
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
