"""Privacy Rule records in the audit packet: patients' requests with their clocks and outcomes,
complaints with their dispositions, sanctions (admins and officers only), NPP versions with
their postings and acknowledgment counts; with ``--with-attachments``, each NPP version and
request letter. ``--redact`` leaves out patient references and notes."""

from __future__ import annotations

import base64

from ctcm.services.packetparts import PacketFile, PacketSpec, table
from ctcm.services.practice import Practice


def privacy_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.areas.privacy.service import clock, may_see_sanctions

    requests = [r for r in p.repo.privacy_requests() if r.received <= spec.as_of]
    files = [
        PacketFile(
            "privacy/requests.csv",
            table(
                (
                    "request",
                    "kind",
                    "received",
                    "patient_ref",
                    "deadline",
                    "extended",
                    "extension_reason",
                    "extension_notified",
                    "closed",
                    "outcome",
                    "on_time",
                    "denial_basis",
                    "reviewable",
                    "review_by",
                    "review_date",
                    "review_outcome",
                    "fee_allowed",
                    "restriction_kind",
                    "letter",
                ),
                (
                    (
                        r.id,
                        r.kind,
                        r.received.isoformat(),
                        "(redacted)" if spec.redact else r.patient_ref,
                        clock(p, r).due.isoformat(),
                        "yes" if r.extended_to else "no",
                        _text(r.extension_reason, spec),
                        r.extension_notified,
                        r.closed if r.closed and r.closed <= spec.as_of else None,
                        r.outcome if r.closed and r.closed <= spec.as_of else "OPEN",
                        _on_time(p, r, spec),
                        _text(r.denial_basis, spec),
                        "yes" if r.reviewable else "no",
                        r.review_by,
                        r.review_date,
                        r.review_outcome,
                        "yes" if r.fee_allowed else "no",
                        r.restriction_kind,
                        "yes" if r.letter_file else "no",
                    )
                    for r in requests
                ),
            ),  # fmt: skip
            "Patients' requests (access, amendment, accounting, restrictions, confidential "
            "communications) with their deadlines",
        ),
        PacketFile(
            "privacy/complaints.csv",
            table(
                ("complaint", "received", "about", "disposition", "closed"),
                (
                    (
                        c.id,
                        c.received.isoformat(),
                        _text(c.about, spec),
                        _text(c.disposition, spec) if c.closed and c.closed <= spec.as_of else None,
                        c.closed if c.closed and c.closed <= spec.as_of else "OPEN",
                    )
                    for c in p.repo.complaints()
                    if c.received <= spec.as_of
                ),
            ),  # fmt: skip
            "Privacy complaints and their dispositions",
        ),
    ]
    if may_see_sanctions(p):
        files.append(
            PacketFile(
                "privacy/sanctions.csv",
                table(
                    ("sanction", "person", "date", "reason", "action", "incident"),
                    (
                        (
                            s.id,
                            s.person_id,
                            s.on.isoformat(),
                            _text(s.reason, spec),
                            _text(s.action, spec),
                            s.incident_id,
                        )
                        for s in p.repo.sanctions()
                        if s.on <= spec.as_of
                    ),
                ),  # fmt: skip
                "Sanctions applied to workforce members",
            )
        )
    postings = p.repo.npp_postings()
    versions = p.repo.npp_versions()  # as of the packet's date: the repository's cutoff
    files.append(
        PacketFile(
            "privacy/npp-versions.csv",
            table(
                ("version", "effective", "file", "sha256", "adopted_at", "posted"),
                (
                    (
                        v.id,
                        v.effective.isoformat(),
                        v.filename,
                        v.sha256,
                        v.adopted_at,
                        "; ".join(
                            f"{x.place} {x.on}"
                            for x in postings
                            if x.version_id == v.id and x.on <= spec.as_of
                        )
                        or "not recorded",
                    )
                    for v in versions
                ),
            ),  # fmt: skip
            "Notice of privacy practices: every version (kept six years) and its postings",
        )
    )
    files.append(
        PacketFile(
            "privacy/npp-acknowledgments.csv",
            table(
                ("month", "notices_given", "acknowledged", "rate"),
                (
                    (
                        a.month,
                        a.given,
                        a.acknowledged,
                        f"{a.acknowledged / a.given:.0%}" if a.given else "",
                    )
                    for a in p.repo.npp_acks()
                    if a.month <= spec.as_of.strftime("%Y-%m")
                ),
            ),  # fmt: skip
            "NPP acknowledgments of receipt, counted per month",
        )
    )
    if spec.with_attachments:
        files += _files(p, versions, requests)
    return files


def _text(value: str | None, spec: PacketSpec) -> str | None:
    """Free text may describe a patient or a person: ``--redact`` leaves it out."""
    return "(redacted)" if spec.redact and value else value


def _on_time(p: Practice, r, spec: PacketSpec) -> str:  # type: ignore[no-untyped-def]
    from ctcm.areas.privacy.service import clock

    due = clock(p, r).due
    if r.closed is None or r.closed > spec.as_of:
        return "overdue" if due < spec.as_of else "open"
    return "yes" if r.closed <= due else f"late ({(r.closed - due).days} days)"


def _files(p: Practice, versions, requests) -> list[PacketFile]:  # type: ignore[no-untyped-def]
    from ctcm.domain.files import packet_name

    out = []
    wanted = [(f"privacy/npp/{packet_name(f'{v.id}-npp', v.filename)}", v.file_id,
               f"Notice of privacy practices {v.id}") for v in versions]  # fmt: skip
    wanted += [(f"privacy/letters/request-{r.id}", r.letter_file, f"Letter closing request {r.id}")
               for r in requests if r.letter_file]  # fmt: skip
    for path, file_id, title in wanted:
        found = p.repo.privacy_file(int(file_id))
        if found is None:
            continue
        blob_id, key, filename, _ = found
        if path.startswith("privacy/letters/"):
            path = packet_name(path + "-letter", filename)
        out.append(PacketFile(path, p.vault.get_blob(base64.b64decode(key), blob_id), title))
    return out
