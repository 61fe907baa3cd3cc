"""Security activities (the compliance calendar): the area's files in the audit packet (its as-of date, period and redaction respected)."""

from __future__ import annotations

from ctcm.services.packetparts import PacketFile, PacketSpec, iso, table
from ctcm.services.practice import Practice


def activities_part(p: Practice, spec: PacketSpec) -> list[PacketFile]:
    from ctcm.areas.activities.service import all_occurrences, kind_of, list_training

    entries = [e for e in p.repo.log_entries() if spec.in_period(e.on)]
    logs = table(
        ("id", "kind", "date", "for_occurrence", "by", "fields", "note", "corrects",
         "attachments", "recorded_at"),
        (
            (e.id, e.kind, iso(e.on), iso(e.for_date), e.by,
             ";".join(f"{k}={v}" for k, v in e.fields), "" if spec.redact else (e.note or ""),
             e.corrects or "", e.attachments, e.created_at)
            for e in entries
        ),
    )  # fmt: skip
    # every scheduled occurrence due in the period, with its state: late work and gaps shown
    occurrences = table(
        ("kind", "due", "state", "done_on", "evidence"),
        (
            (kind_of(o), iso(o.due), o.state.value, iso(o.closed_on), o.evidence or "")
            for o in all_occurrences(p, min(spec.end, spec.as_of), spec.start)
        ),
    )
    training = table(
        ("entry", "date", "topic", "attendees", "recorded_at"),
        (
            (t.entry.id, iso(t.entry.on), t.topic, ";".join(t.attendees), t.entry.created_at)
            for t in list_training(p, None)
            if spec.in_period(t.entry.on)
        ),
    )
    files = [
        PacketFile("activities/logs.csv", logs, "Forms and logs in the period"),
        PacketFile(
            "activities/occurrences.csv",
            occurrences,
            "The calendar's occurrences in the period: done, done late, missed",
        ),
        PacketFile("activities/training.csv", training, "Training records in the period"),
    ]
    if spec.with_attachments:
        from ctcm.domain.files import packet_name

        shown = {e.id for e in entries}
        files += [
            PacketFile(
                f"activities/evidence/{packet_name(f'{entry}-{n}-evidence', name)}",
                p.vault.get_blob(key, blob_id),
                f"Evidence kept with log entry {entry} (a sign-in sheet, a report)",
            )
            for n, (entry, name, blob_id, key) in enumerate(p.repo.evidence_files(), start=1)
            if entry in shown
        ]
    return files
