"""Exclusion screening in the audit packet: every run with the list versions it used (their
SHA-256), whom it screened, and each candidate with its disposition."""

from __future__ import annotations

from ctcm.services.packetparts import PacketFile, PacketSpec, table
from ctcm.services.practice import Practice


def screening_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    lists = p.repo.screening_lists()
    runs = [r for r in p.repo.screening_runs() if r.on <= spec.as_of]
    candidates = [c for c in p.repo.screening_candidates() if c.run_id in {r.id for r in runs}]
    owner = {d.id: (d.person_id, d.doctype) for d in p.repo.documents()}
    return [
        PacketFile(
            "screening/lists.csv",
            table(
                ("id", "source", "kind", "file", "published", "rows", "sha256", "imported_at"),
                (
                    (
                        sl.id,
                        sl.source,
                        sl.kind,
                        sl.filename,
                        sl.published,
                        sl.rows,
                        sl.sha256,
                        sl.imported_at,
                    )
                    for sl in lists
                    if sl.imported_at[:10] <= spec.as_of.isoformat()
                ),
            ),  # fmt: skip
            "Exclusion lists imported",
        ),
        PacketFile(
            "screening/runs.csv",
            table(
                ("run", "date", "by", "people", "lists"),
                (
                    (
                        r.id,
                        r.on.isoformat(),
                        r.ran_by,
                        len(r.people),
                        ";".join(
                            f"{x['source']}:{x['kind']}:{x['published']}:{str(x['sha256'])[:16]}"
                            for x in r.lists
                        ),
                    )
                    for r in runs
                ),
            ),  # fmt: skip
            "Exclusion screening runs",
        ),
        PacketFile(
            "screening/candidates.csv",
            table(
                (
                    "candidate",
                    "run",
                    "person",
                    "basis",
                    "list_row",
                    "disposition",
                    "note",
                    "resolved_at",
                ),
                (
                    (
                        c.id,
                        c.run_id,
                        c.person_id,
                        c.basis,
                        c.row,
                        c.resolution or "UNRESOLVED",
                        "" if spec.redact else c.note,
                        c.resolved_at,
                    )
                    for c in candidates
                ),
            ),  # fmt: skip
            "Exclusion screening candidates and dispositions",
        ),
        PacketFile(
            "screening/verifications.csv",
            table(
                (
                    "id",
                    "document",
                    "person",
                    "doctype",
                    "source",
                    "result",
                    "date",
                    "file_sha256",
                    "recorded_at",
                    "by",
                ),
                (
                    (
                        v.id,
                        v.document_id,
                        owner.get(v.document_id, ("", ""))[0],
                        owner.get(v.document_id, ("", ""))[1],
                        v.source,
                        v.result,
                        v.on.isoformat(),
                        v.sha256 or "",
                        v.recorded_at,
                        v.recorded_by,
                    )
                    for v in p.repo.verifications()
                    if v.on <= spec.as_of
                ),
            ),  # fmt: skip
            "Primary-source verifications of credentials",
        ),
    ]
