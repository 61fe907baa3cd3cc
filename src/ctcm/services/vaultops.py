"""Vault-level use cases: unlock/lock sessions, backups, the audit trail."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ctcm.environment import Environment
from ctcm.errors import InvalidInput, VaultError
from ctcm.services.practice import Practice, open_practice, session_limits
from ctcm.storage.db import Database
from ctcm.storage.repo import GENESIS, AuditEntry, Repository, audit_hash
from ctcm.vault import format as fmt
from ctcm.vault.journal import Journal, JournalRead
from ctcm.vault.store import PENDING_FILE, Backup, Retention, VaultDir, write_private
from ctcm.vault.unlock import end_session, start_session


@dataclass(frozen=True, slots=True)
class SessionStarted:
    token: str | None
    in_keyring: bool
    slot_id: str
    idle_minutes: int
    max_hours: float


def unlock_session(env: Environment, idle: int | None, maximum: int | None) -> SessionStarted:
    """Open the vault once with a real key, then start a session for the following commands.

    A read, unless the key's slot has a fresher seal to store (then it saves once)."""
    from ctcm.services.practice import unlock_once

    unlocked = unlock_once(env)
    with open_practice(env, "unlock", unlocked, write=unlocked.seal is not None) as p:
        idle_td, max_td = session_limits(p.settings, idle, maximum)
        parsed = p.vault.read_parsed()
        token, in_keyring = start_session(env, parsed, p.unlocked, idle_td, max_td)
        p.touch(p.actor)
        return SessionStarted(
            token,
            in_keyring,
            p.actor,
            int(idle_td.total_seconds() // 60),
            max_td.total_seconds() / 3600,
        )


def lock_session(env: Environment, everyone: bool = False) -> bool:
    vault = VaultDir(env.vault)
    return end_session(env, vault.read_parsed(), everyone)


# ----------------------------------------------------------------------------- backups


@dataclass(frozen=True, slots=True)
class BackupInfo:
    generation: int
    saved_at: datetime
    size: int
    path: Path
    command: str | None  # the command that wrote it; None: written under an earlier data key
    removed_slots: tuple[str, ...]  # slots that open it but no longer open the live vault


def list_backups(p: Practice) -> list[BackupInfo]:
    p.touch("backups")
    live = {s["id"] for s in p.header["slots"]}
    return [
        BackupInfo(
            b.generation,
            b.saved_at,
            b.path.stat().st_size,
            b.path,
            fmt.open_note(p.unlocked.dek, b.header),
            tuple(s["id"] for s in b.header["slots"] if s["id"] not in live),
        )
        for b in p.vault.list_backups()
    ]


def _open_backup(p: Practice, backup: Backup) -> Database:
    try:
        parsed = fmt.parse(backup.path.read_bytes())
    except FileNotFoundError:
        raise VaultError(f"backup {backup.path} disappeared") from None
    dek = p.unlocked.dek
    if parsed.header.get("dek_id") != p.header.get("dek_id"):
        raise VaultError(
            f"backup generation {backup.generation} was written under an earlier data key; "
            "open it with a key that was valid then"
        )
    return Database.from_image(fmt.decrypt(parsed, dek))


@dataclass(frozen=True, slots=True)
class Verified:
    generation: int
    saved_at: datetime
    integrity: list[str]
    audit_entries: int
    audit_broken_at: int | None
    attachments: int  # encrypted files the generation names
    missing_attachments: tuple[str, ...]  # ... of which these are not in blobs/

    @property
    def ok(self) -> bool:
        return not self.integrity and self.audit_broken_at is None and not self.missing_attachments


def verify_backup(p: Practice, generation: int | None) -> Verified:
    """Decrypt a backup (the newest by default), run the integrity check and audit chain check,
    and check that every encrypted file it names is still in the vault's blobs/ (a restore
    without them would bring back documents whose scans are gone)."""
    backups = p.vault.list_backups()
    if not backups:
        raise VaultError("there are no backups yet (one is kept at every save)")
    backup = p.vault.find_backup(generation) if generation is not None else backups[0]
    db = _open_backup(p, backup)
    repo = Repository(db)
    entries = repo.audit_entries()
    named = repo.blob_ids()
    p.touch(f"backup:g{backup.generation}")
    return Verified(
        backup.generation,
        backup.saved_at,
        db.integrity_errors(),
        len(entries),
        first_bad_entry(entries),
        len(named),
        tuple(sorted(b for b in named if not p.vault.blob_path(b).is_file())),
    )


def restore_backup(p: Practice, generation: int) -> int:
    """Bring back a backup's data as a new generation; the current one is kept as a backup
    first (every save does). The live audit trail is carried forward whole: entries are never
    deleted (164.316(b)(2)), and the restore's own entry names the head it continued from.
    Returns the generation restored."""
    from ctcm.storage.migrations import migrate

    backup = p.vault.find_backup(generation)
    restored = _open_backup(p, backup)
    if restored.integrity_errors():
        raise VaultError(f"backup generation {generation} fails its integrity check")
    migrate(restored, p.now_iso)
    from ctcm.storage.chainrepo import copy_chain

    live_trail = p.repo.audit_rows()
    live_head = p.repo.audit_head()
    restored_repo = Repository(restored)
    restored_repo.replace_audit(live_trail)
    # never the backup's roles or signed history: the live ones go on (services/writers.py)
    copy_chain(p.db.conn, restored.conn)
    p.write_kind = "restore"
    # Swap the connection; the save writes it under the live header (current slots and key)
    # as the next generation, so nothing looks like a rollback.
    p.db.conn.close()
    p.db.conn = restored.conn
    p.repo = restored_repo
    p._settings = None
    p.touch(f"backup:g{generation}", f"replaced-head:{live_head}")
    return generation


def export_backup(
    p: Practice, dest: Path, generation: int | None, content: bytes | None = None
) -> Path:
    """Copy one generation (still encrypted) and the encrypted attachments to ``dest``;
    ``content``, when given, is written as the vault file instead (a rehearsal copy's marked
    generation: never an unmarked copy first)."""
    if generation is None:
        source = p.vault.file
    else:
        source = p.vault.find_backup(generation).path
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise InvalidInput(f"{dest} exists and is not an empty directory")
    try:
        dest.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = dest / "vault.ctcm"
        if content is None:
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
        else:
            write_private(target, [content])
        if p.vault.blobs.is_dir():
            shutil.copytree(
                p.vault.blobs, dest / "blobs", ignore=shutil.ignore_patterns(".tmp-*", PENDING_FILE)
            )
    except OSError as err:
        raise InvalidInput(f"cannot export to {dest}: {err.strerror}") from None
    p.touch(f"export:{dest}")
    return target


# ----------------------------------------------------------------------------- audit


def first_bad_entry(entries: list[AuditEntry]) -> int | None:
    """The sequence number of the first entry whose chain link or hash is wrong, else None."""
    prev = GENESIS
    expected_seq = entries[0].seq if entries else 1
    for e in entries:
        if (
            e.seq != expected_seq
            or e.prev_hash != prev
            or e.hash != audit_hash(prev, e.seq, e.ts, e.actor, e.command, e.targets)
        ):
            return e.seq
        prev = e.hash
        expected_seq += 1
    return None


def _journal_entries(p: Practice) -> tuple[list[AuditEntry], JournalRead]:
    """The read journal's records not yet folded, numbered on after the trail (their hash is
    the journal line's; they join the chain when the next write folds them in)."""
    done = p.settings.get("journal_folded")
    read = Journal(p.vault.root, p.header["vault_id"]).read(p.unlocked.dek, folded=done)
    records = read.records
    hashes = [r.hash for r in records]
    if done in hashes:
        records = records[hashes.index(done) + 1 :]
    start = p.repo.audit_count()
    entries = [
        AuditEntry(start + i, r.ts, r.actor, r.command, r.targets, "journal", r.hash)
        for i, r in enumerate(records, start=1)
    ]
    return entries, read


def audit_list(p: Practice, since: date | None) -> list[AuditEntry]:
    """The audit trail inside the vault, then the read journal's records."""
    entries = p.repo.audit_entries(since.isoformat() if since else None)
    pending, _ = _journal_entries(p)
    if since:
        pending = [e for e in pending if e.ts >= since.isoformat()]
    p.touch("audit")
    return entries + pending


@dataclass(frozen=True, slots=True)
class AuditCheck:
    entries: int
    broken_at: int | None  # sequence number of the first bad trail entry
    journal_records: int
    journal_broken_at: int | None  # line of the first journal record that fails
    journal_incomplete: bool
    writes: int = 0  # signed write records checked from the first (services/writers.py)
    writes_error: str | None = None
    unregistered: tuple[str, ...] = ()  # slots whose signing key is not on record yet

    @property
    def ok(self) -> bool:
        return (
            self.broken_at is None and self.journal_broken_at is None and self.writes_error is None
        )


def audit_verify(p: Practice) -> AuditCheck:
    """The audit trail's hash chain, the read journal, and the chain of signed writes walked
    from its first record (not from what this machine verified before)."""
    from ctcm.services import writers
    from ctcm.services.journaltail import missing_head

    entries = p.repo.audit_entries()
    pending, read = _journal_entries(p)
    lost = missing_head(p, [e.hash for e in pending], p.settings.get("journal_folded"))
    writes, error = 0, None
    try:
        last = writers.verify(p.header, p.db.conn)
        writes = last.seq if last else 0
    except writers.Refused as err:
        error = str(err)
    table = writers.role_table(p.header, p.db.conn)
    p.touch("audit")
    return AuditCheck(
        len(entries),
        first_bad_entry(entries),
        len(pending),
        read.broken_at if read.broken_at is not None else (len(pending) + 1 if lost else None),
        read.incomplete_tail,
        writes,
        error,
        tuple(sorted(sid for sid, entry in table.items() if not entry[1])),
    )


@dataclass(frozen=True, slots=True)
class AuditHead:
    vault_id: str
    generation: int
    saved_at: str
    entries: int
    head: str
    journal_records: int
    journal_head: str | None


def audit_head(p: Practice) -> AuditHead:
    """Evidence to keep outside the vault: which generation holds which audit head."""
    pending, _ = _journal_entries(p)
    p.touch("audit head")
    return AuditHead(
        p.header["vault_id"],
        p.generation,
        p.header["saved_at"],
        p.repo.audit_count(),
        p.repo.audit_head(),
        len(pending),
        pending[-1].hash if pending else None,
    )


def retention_of(p: Practice) -> Retention:
    return Retention.from_settings(p.settings)


_RETENTION_LIMITS = {"last": (1, 1000), "daily": (0, 3650), "weekly": (0, 520)}


def set_retention(p: Practice, changes: dict[str, int | None]) -> Retention:
    """Change how many backups are kept (``None``: unchanged); months below six years are
    refused, since what HIPAA keeps six years may live only in a backup."""
    values = {}
    for key, value in changes.items():
        if value is None:
            continue
        if key == "monthly":
            if not Retention.SIX_YEARS <= value <= 1200:
                raise InvalidInput(
                    f"--months must be at least {Retention.SIX_YEARS}: documentation is kept "
                    "six years (45 CFR 164.316(b)(2)(i)), and a backup may hold its only copy"
                )
        else:
            low, high = _RETENTION_LIMITS[key]
            if not low <= value <= high:
                raise InvalidInput(f"--{_OPTION[key]} must be between {low} and {high}")
        values[f"backup.{key}"] = str(value)
    if not values:
        raise InvalidInput("nothing to change: give --last, --days, --weeks or --months")
    p.set_settings(values)
    p.touch("backup-retention")
    return retention_of(p)


_OPTION = {"last": "last", "daily": "days", "weekly": "weeks", "monthly": "months"}


def accept_generation(p: Practice, generation: int, legacy: bool = False) -> int:
    """Record that an admin accepted the older generation on disk (``legacy``: a file in the
    older format without data-key authentication); return the generation this machine had
    seen (the save goes past it, see open_practice)."""
    if p.generation != generation:
        raise InvalidInput(
            f"the vault file is generation {p.generation}, not {generation}: "
            "accept the generation on disk, by its number"
        )
    seen = p.state.load() if p.state else None
    if legacy:
        if isinstance(p.header.get("auth"), dict):
            raise InvalidInput("this vault file is authenticated: --legacy is not needed")
        p.touch(f"accepted-legacy:g{generation}")
        return seen.generation if seen else generation
    if seen is None or seen.generation <= generation:
        raise InvalidInput(
            f"generation {generation} is the newest this machine has seen: nothing to accept"
        )
    p.touch(f"accepted:g{generation}", f"seen:g{seen.generation}")
    return seen.generation
