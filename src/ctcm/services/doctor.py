"""``ctcm doctor``: what is wrong with this installation and vault, and how to fix it.

File-level checks run without the key; the rest open the vault read-only (no lock, no save).
Each check is ``ok``, ``info`` (worth knowing, not wrong), ``warn`` or ``fail``; the command
exits 1 when any is ``warn`` or ``fail``.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ctcm.environment import Environment
from ctcm.errors import CtcmError
from ctcm.vault.store import VaultDir

NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "9p",
    "afs",
    "davfs",
    "fuse.rclone",
}
VERIFY_WITHIN = timedelta(days=35)  # a monthly restore test, with slack


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    level: str  # ok | info | warn | fail
    detail: str
    fix: str = ""

    @property
    def wrong(self) -> bool:
        return self.level in ("warn", "fail")


def _mount_of(path: Path, mounts_text: str) -> tuple[str, str]:
    """(mount point, file system type) holding ``path``, from /proc/mounts text."""
    best = ("/", "")
    target = str(path.resolve())
    for line in mounts_text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best[0]):
            best = (point, parts[2])
    return best


def installation_checks(env: Environment) -> tuple[list[Check], bool]:
    """The checks that need no key, and whether a vault exists to open."""
    mounts = Path("/proc/mounts")
    vault = VaultDir(env.vault, env.effective_lock_timeout)
    text = mounts.read_text() if mounts.exists() else None
    return file_checks(env, vault, text), vault.exists()


def file_checks(env: Environment, vault: VaultDir, mounts_text: str | None) -> list[Check]:
    out: list[Check] = []
    if not vault.exists():
        return [Check("vault", "fail", f"no vault at {vault.root}", "ctcm init, or pass --vault")]
    loose = vault.loose_permissions()
    out.append(
        Check(
            "file modes",
            "warn",
            f"readable by others: {', '.join(loose)}",
            f"chmod -R go= {vault.root}",
        )
        if loose
        else Check("file modes", "ok", "vault directory and files are private to their owner")
    )
    if mounts_text is not None:
        point, fs = _mount_of(vault.root, mounts_text)
        out.append(
            Check(
                "file system",
                "warn",
                f"the vault is on a network share ({fs} at {point}): its lock is not reliable "
                "across machines",
                "one writer at a time: run ctcm from a single machine, or move the vault to a "
                "local disk and back it up to the share (ctcm backup export)",
            )
            if fs in NETWORK_FS
            else Check("file system", "ok", f"local ({fs or 'unknown'} at {point})")
        )
    import fcntl
    import os

    try:
        fd = os.open(vault.lock_path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        out.append(Check("writer lock", "ok", "free"))
    except OSError as err:
        out.append(Check("writer lock", "fail", f"cannot open {vault.lock_path}: {err.strerror}"))
    else:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            out.append(Check("writer lock", "ok", "free"))
        except OSError:
            out.append(
                Check(
                    "writer lock",
                    "info",
                    f"held now by {VaultDir._holder(fd)}",
                    "if no ctcm is running, the holder died: the lock frees itself",
                )
            )
        finally:
            os.close(fd)
    out.append(_rollback_check(env, vault))
    out.extend(_session_checks(env, vault))
    return out


def _rollback_check(env: Environment, vault: VaultDir) -> Check:
    """Whether the vault file is older than what this machine saw here (writes are refused)."""
    from ctcm.services.practice import rollback_message, rollback_way_out
    from ctcm.vault.localstate import LocalState, state_dir

    try:
        parsed = vault.read_parsed()
        seen = LocalState.for_header(state_dir(env.env), parsed.header, env.vault).load()
    except CtcmError as err:
        return Check("generation", "fail", str(err))
    if seen is None:
        return Check("generation", "info", f"generation {parsed.generation}, first seen here")
    if parsed.generation < seen.generation:
        return Check("generation", "fail", rollback_message(parsed, seen), rollback_way_out(parsed))
    return Check("generation", "ok", f"generation {parsed.generation}, the newest seen here")


def _session_checks(env: Environment, vault: VaultDir) -> list[Check]:
    from ctcm.vault.session import runtime_dir
    from ctcm.vault.unlock import _secure_keyring

    out = []
    try:
        directory = runtime_dir(dict(env.env))
        mode = stat.S_IMODE(directory.stat().st_mode)
        out.append(
            Check(
                "session directory",
                "warn",
                f"{directory} has mode {mode:o}",
                f"chmod 700 {directory}",
            )
            if mode & 0o077
            else Check("session directory", "ok", f"{directory} (private)")
        )
        sessions = sorted(directory.glob("session-*"))
        out.append(
            Check(
                "sessions",
                "info" if sessions else "ok",
                f"{len(sessions)} session file(s) of this OS user (they end on idle or maximum "
                "time)"
                if sessions
                else "no open session",
                "ctcm lock ends this vault's session now" if sessions else "",
            )
        )
    except Exception as err:  # noqa: BLE001 - a session directory we cannot use is the finding
        out.append(Check("session directory", "warn", str(err)))
    backend = _secure_keyring(env)
    out.append(
        Check("keyring", "ok", f"sessions kept in {type(backend).__name__}")
        if backend is not None
        else Check(
            "keyring",
            "info",
            "no secure keyring: ctcm unlock prints a session token to export instead",
            "normal on a server; on a desktop, unlock the login keyring",
        )
    )
    return out


def vault_checks(p: object) -> list[Check]:
    """Checks that need the key (a read-only open)."""
    from ctcm.services.practice import Practice
    from ctcm.services.vaultops import audit_verify
    from ctcm.storage.db import Database
    from ctcm.storage.migrations import LATEST, current_version
    from ctcm.vault import format as fmt

    assert isinstance(p, Practice)
    out: list[Check] = []
    parsed = p.vault.read_parsed()
    stored = current_version(Database.from_image(fmt.decrypt(parsed, p.unlocked.dek)).conn)
    out.append(
        Check("schema", "ok", f"version {stored} (current)")
        if stored == LATEST
        else Check(
            "schema",
            "info",
            f"version {stored}; this ctcm brings it to {LATEST} at the next command that saves",
            "any change (for example ctcm practice set) saves it migrated",
        )
    )
    audit = audit_verify(p)
    out.append(
        Check(
            "audit trail",
            "ok",
            f"{audit.entries} entries and {audit.journal_records} read records, hash chain intact",
        )  # fmt: skip
        if audit.ok
        else Check(
            "audit trail",
            "fail",
            f"entry {audit.broken_at} or journal record {audit.journal_broken_at} fails "
            "verification",
            "ctcm audit verify names it; restore a backup whose trail verifies",
        )
    )
    unsealed = fmt.unsealed_slots(p.header)
    if unsealed:
        out.append(
            Check(
                "key slots",
                "warn",
                f"not yet sealed: {', '.join(unsealed)} (each seals at its next write)",
                "have each of them run one command that saves",
            )
        )
    ids = [s["id"] for s in p.header["slots"]]
    out.append(
        Check("recovery code", "ok", "present")
        if "recovery" in ids
        else Check(
            "recovery code",
            "warn",
            "none: a forgotten passphrase loses the vault",
            "ctcm slot add-recovery",
        )
    )
    pending = [u.name for u in p.repo.user_infos() if u.must_change]
    if pending:
        out.append(
            Check("users", "info", f"enrolment passphrase not yet changed: {', '.join(pending)}")
        )
    backups = p.vault.list_backups()
    if not backups:
        out.append(Check("backups", "warn", "no backup kept yet", "any saving command keeps one"))
    else:
        from ctcm.services.vaultops import _journal_entries

        trail = [*p.repo.audit_entries(), *_journal_entries(p)[0]]
        verified = [e for e in trail if e.command.startswith("backup verify")]
        last = max(
            (datetime.fromisoformat(e.ts.replace("Z", "+00:00")) for e in verified), default=None
        )
        if last is None or p.now - last > VERIFY_WITHIN:
            when = f"last on {last.date()}" if last else "never yet"
            out.append(
                Check(
                    "backups",
                    "warn",
                    f"{len(backups)} kept; a restore verified: {when}",
                    "ctcm backup verify (monthly from cron: see docs/areas/reminders.md, Running from cron)",
                )
            )
        else:
            out.append(
                Check("backups", "ok", f"{len(backups)} kept; restore verified on {last.date()}")
            )
    p.touch("doctor")
    return out
