"""Folding the read journal into the audit trail at a save, and noticing a journal that lost
records (cut short, deleted, or an older one put back)."""

from __future__ import annotations

import json
from typing import Any

from ctcm.vault.journal import Journal


def fold_journal(p: Any, journal: Journal, fd: int) -> bool:
    """Move the read journal's records into the audit trail; return whether the journal
    is to be emptied after the save."""
    done = p.settings.get("journal_folded")
    read = journal.read(p._opened_dek or p.unlocked.dek, fd, done)
    records = read.records
    hashes = [r.hash for r in records]
    if done in hashes:  # folded by a save that crashed before emptying the journal
        records = records[hashes.index(done) + 1 :]
    # records an earlier save folded already (an older journal put back: a replay) are never
    # folded twice; the vault keeps short ids of the records it folded last
    recent = _recent(p)
    folded = set(recent)
    replayed = [r for r in records if r.hash[:16] in folded]
    records = [r for r in records if r.hash[:16] not in folded]
    p.repo.append_audit_many([(r.ts, r.actor, r.command, r.targets) for r in records])
    lost = missing_head(p, hashes, done)
    if lost or replayed:
        what = []
        if lost:
            what.append(f"a record this machine appended ({lost[:12]}) is missing: cut short")
        if replayed:
            what.append(f"{len(replayed)} record(s) of generations folded before: replayed")
        p.repo.append_audit(p.now_iso, p.actor, "journal damaged", what)
        if p.env.warn:
            p.env.warn(f"warning: the read journal was altered ({'; '.join(what)})")
    if read.broken_at is not None:
        kept = journal.set_aside(fd, p.now.strftime("%Y%m%dT%H%M%SZ"))
        p.repo.append_audit(
            p.now_iso,
            p.actor,
            "journal damaged",
            [f"record {read.broken_at} failed verification", f"kept as {kept.name}"],
        )
        if p.env.warn:
            p.env.warn(
                f"warning: read journal record {read.broken_at} failed verification; "
                f"the journal was kept as {kept} and a new one started"
            )
    if hashes:
        kept = [*recent, *(r.hash[:16] for r in records)][-KEEP_RECENT:]
        p.set_settings({"journal_folded": hashes[-1], "journal_seen": json.dumps(kept)})
    return bool(hashes) or read.incomplete_tail or read.folded_lines > 0


KEEP_RECENT = 1000  # short ids of folded journal records kept to refuse a replay


def _recent(p: Any) -> list[str]:
    try:
        value = json.loads(p.settings.get("journal_seen", "[]"))
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def missing_head(p: Any, hashes: list[str], folded: str | None) -> str | None:
    """The hash of the journal record this machine appended last for the generation now open,
    when the journal no longer holds it (and no save folded it); else None."""
    if p.state is None:
        return None
    try:
        seen = p.state.load()
    except Exception:  # noqa: BLE001 - a damaged local record is reported where it is read
        return None
    if seen is None or not seen.journal_head or seen.journal_gen != p.generation:
        return None
    if seen.journal_head in hashes or seen.journal_head == folded:
        return None
    return str(seen.journal_head)
