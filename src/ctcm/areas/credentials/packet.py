"""Credentials: the area's files in the audit packet (its as-of date, period and redaction respected)."""

from __future__ import annotations

from ctcm.services.packetparts import PacketFile, PacketSpec, iso, table
from ctcm.services.practice import Practice


def personnel_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    people = p.repo.people()
    entered = p.repo.recorded_at("people")
    roster = table(
        ("id", "name", "title", "start", "active", "deactivated_on", "policies", "recorded_at"),
        (
            (x.id, x.name, x.title, iso(x.start), "yes" if x.active else "no",
             iso(x.deactivated_on), ";".join(x.policies), entered.get(x.id, ""))
            for x in people
        ),
    )  # fmt: skip
    from ctcm.domain.credentials import requirement_status

    doctypes = p.repo.doctypes()
    current = p.repo.current_documents()
    waivers = p.repo.waivers()
    rows = []
    entered_docs = p.repo.recorded_at("documents")
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
                d.id, d.person_id, d.doctype, iso(d.issued), iso(d.expires), light,
                "" if spec.redact else (d.number or ""), d.attachments,
                entered_docs.get(str(d.id), ""),
            )
        )  # fmt: skip
    register = table(
        ("id", "person", "type", "issued", "expires", "status", "number", "attachments",
         "recorded_at"), rows,
    )  # fmt: skip
    files = [
        PacketFile("personnel/roster.csv", roster, "Personnel roster"),
        PacketFile("personnel/documents.csv", register, "Document register"),
    ]
    if spec.with_attachments:
        files += _attachments(p)
    return files


def _attachments(p: Practice) -> list[PacketFile]:
    """Each scan of the documents shown, as ``<document>-<type>.<ext>`` (never the name the
    file came with: it may carry a name or a date of birth); a document's second scan is
    numbered (``-1``)."""
    from ctcm.domain.files import numbered, packet_name

    shown = {d.id: d.doctype for d in p.repo.documents()}  # as of the packet's date
    files, used = [], set()
    for a in p.repo.attachments(None):
        if a.document_id not in shown:
            continue
        stem = f"{a.document_id}-{shown[a.document_id]}"
        name = numbered(packet_name(stem, a.filename), used.__contains__)
        used.add(name)
        files.append(
            PacketFile(
                f"personnel/scans/{name}",
                p.vault.get_blob(a.key, a.id),
                f"Scan of document {a.document_id}",
            )
        )
    return files
