"""Policies and procedures manual: the area's files in the audit packet (its as-of date, period and redaction respected)."""

from __future__ import annotations

from ctcm.services.packetparts import PacketFile, PacketSpec, iso, table
from ctcm.services.practice import Practice


def manual_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.areas.manual.service import manual_files
    from ctcm.areas.manual.versions import draft, heading
    from ctcm.domain.manual import version_states

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
        titles = {f"{s.slug}.html": f"{what}: {s.title}" for s in sections}
        titles["index.html"] = f"{what}: contents and adoption page (version {v.number})"
        head = heading(p, v)
        for name, text in manual_files(p, sections, head, "html"):
            files.append(PacketFile(f"manual/v{v.number}/{name}", text.encode(),
                                    titles.get(name, what)))  # fmt: skip
        for name, text in manual_files(p, sections, head, "html", single=True):
            files.append(PacketFile(f"manual/v{v.number}/{name}", text.encode(),
                                    f"{what}: the whole manual, printable, with its signature "
                                    "block"))  # fmt: skip
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
                        iso(s.version.effective),
                        iso(s.retired_on),
                        iso(s.keep_until),
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
    entered = p.repo.recorded_at("manual_acks")
    files.append(
        PacketFile(
            "manual/acknowledgments.csv",
            table(
                ("person", "version", "acknowledged_on", "recorded_at"),
                ((a, n, iso(o), entered.get(f"{a}/{n}", "")) for a, n, o in acks),
            ),  # fmt: skip
            "Acknowledgment register",
        )
    )
    return files
