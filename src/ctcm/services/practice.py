"""Opening a practice: unlock, lock, decrypt, migrate, run one command, audit it, save."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ctcm.environment import Environment
from ctcm.errors import InvalidInput, UsageError, VaultError, WrongKey
from ctcm.services.journaltail import fold_journal
from ctcm.storage.db import Database
from ctcm.storage.repo import Repository
from ctcm.vault import format as fmt
from ctcm.vault import retired
from ctcm.vault.journal import Journal
from ctcm.vault.localstate import LocalState, Seen, state_dir
from ctcm.vault.store import Retention, VaultDir
from ctcm.vault.unlock import Unlocked, unlock

DEFAULT_IDLE_MINUTES = 30
DEFAULT_MAX_HOURS = 8


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Practice:
    """One open practice for the length of one command."""

    env: Environment
    vault: VaultDir
    header: dict[str, Any]
    unlocked: Unlocked
    db: Database
    repo: Repository
    generation: int = 0
    targets: list[str] = field(default_factory=list)
    read_only: bool = False
    command: str = ""
    state: LocalState | None = None
    after_save: list[Callable[[], None]] = field(default_factory=list)  # run under the lock
    # a write command that found nothing to do ends like a read: no new generation
    unchanged: bool = False
    # False: the generation this save replaces is not kept as a backup (one step of a run
    # whose first save kept the state before it)
    keep_backup: bool = True
    next_generation: int = 0  # at least this generation on save (0: the next one)
    write_kind: str = "write"  # what the signed write record calls this save (restore)
    verified: Any = None  # the last signed write record checked or written (writers.Verified)
    _settings: dict[str, str] | None = None
    _opened_dek: bytes = b""

    def __post_init__(self) -> None:
        if self.rehearsal:
            self.touch(self.rehearsal)
        if self.rehearsal_copy and self.env.warn and "rehearsal" not in self.env.said:
            self.env.said.add("rehearsal")  # once per command, however often it opens
            self.env.warn(
                f"REHEARSAL copy (made {self.header['rehearsal'].get('made', '?')}): "
                "no mail leaves it, and nothing here touches the real vault"
            )

    def end_of(self, day: date) -> str:
        """The last instant of ``day`` in the practice's zone, in UTC (an as-of cutoff)."""
        from datetime import time

        end = datetime.combine(day + timedelta(days=1), time(0), ZoneInfo(self.timezone))
        return iso_utc(end - timedelta(microseconds=1))

    def _save(self, final: bool) -> None:
        from ctcm.services import sealed, writers

        if self.read_only:
            raise VaultError(f"'{self.command}' only reads the vault; it cannot save")
        journal = Journal(self.vault.root, self.header["vault_id"])
        with journal.locked() as fd:
            emptied = fold_journal(self, journal, fd)
            if final:
                self.repo.append_audit(self.now_iso, self.actor, self.command, self.targets)
            header = dict(self.header)
            if self.unlocked.seal is not None:
                header = fmt.with_seal(header, self.actor, self.unlocked.seal)
            header["note"] = fmt.seal_note(self.unlocked.dek, self.command)
            sealed.refresh(self, header)  # secrets follow the slots and roles being saved
            writers.sign_save(self, header)
            saved = self.vault.save(
                header,
                self.unlocked.dek,
                self.db.image(),
                self.generation,
                self.env.clock.now(),
                keep_backup=self.keep_backup,
                retention=Retention.from_settings(self.settings),
                at_least=self.next_generation,
            )
            if emptied:
                journal.clear(fd)
        self.header = saved
        self.generation = int(saved["generation"])
        self._opened_dek = self.unlocked.dek
        if self.unlocked.seal is not None:
            self.unlocked = replace(self.unlocked, seal=None, authenticated=True)
        try:
            self.remember()
        except VaultError as err:
            # the save is on disk: saying "failed" here would have the user record it twice
            if self.env.warn:
                self.env.warn(
                    f"warning: saved, but this machine's record of the vault was not updated "
                    f"({err}); nothing to redo"
                )

    def remember(self, journal_head: str = "") -> None:
        """Record on this machine what it has now seen of the vault (rollback detection), and
        the read-journal record it appended last (``journal_head``)."""
        if self.state is None:
            return
        authenticated = isinstance(self.header.get("auth"), dict) and self.unlocked.authenticated
        chain = self.verified
        self.state.record(
            Seen(
                self.generation,
                self.repo.audit_head(),
                fmt.auth_epoch(self.header),
                fmt.auth_fingerprint(fmt.auth_key(self.unlocked.dek)),
                authenticated,
                chain.seq if chain else 0,
                chain.hash if chain else "",
                chain.generation if chain else 0,
                self.generation if journal_head else 0,
                journal_head,
            )
        )

    @property
    def actor(self) -> str:
        return self.unlocked.slot_id

    @property
    def settings(self) -> dict[str, str]:
        """The practice settings, read once per command."""
        if self._settings is None:
            self._settings = self.repo.settings()
        return self._settings

    def set_settings(self, values: dict[str, str]) -> None:
        self.repo.set_settings(values)
        self._settings = None

    @property
    def timezone(self) -> str:
        return self.settings.get("timezone", "UTC")

    @property
    def now(self) -> datetime:
        return self.env.clock.now()

    @property
    def now_iso(self) -> str:
        return iso_utc(self.now)

    @property
    def today(self) -> date:
        """``--as-of`` if given, else ``CTCM_TODAY``, else today in the practice's time zone."""
        if self.env.as_of is not None:
            return self.env.as_of
        if self.env.rehearsal_day is not None:
            return self.env.rehearsal_day
        return self.now.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def rehearsal_copy(self) -> bool:
        """A copy made by ``ctcm rehearse``: mail goes to files, its state is its own."""
        return isinstance(self.header.get("rehearsal"), dict)

    @property
    def rehearsal(self) -> str | None:
        """What every record made under ``CTCM_TODAY`` or in a rehearsal copy carries, so it can
        never pass for real."""
        day = self.env.rehearsal_day
        parts = ["rehearsal copy"] if self.rehearsal_copy else []
        parts += [f"CTCM_TODAY={day.isoformat()}"] if day else []
        return "rehearsal: " + ", ".join(parts) if parts else None

    @property
    def warn_days(self) -> int:
        return int(self.settings.get("warn_days", "30"))

    def local_date(self, iso_timestamp: str) -> date:
        """The practice-local calendar date of a stored UTC timestamp."""
        moment = datetime.fromisoformat(iso_timestamp.replace("Z", "+00:00"))
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def touch(self, *targets: object) -> None:
        """Name what the command read or changed, for its audit entry."""
        self.targets.extend(str(t) for t in targets)


def _decrypt(parsed: fmt.Parsed, unlocked: Unlocked) -> Database:
    try:
        image = fmt.decrypt(parsed, unlocked.dek)
    except VaultError:
        if parsed.header.get("dek_id") and unlocked.source == "session":
            raise WrongKey("the session no longer opens this vault; run 'ctcm unlock'") from None
        raise
    return Database.from_image(image)


def _check_authenticity(
    env: Environment,
    parsed: fmt.Parsed,
    unlocked: Unlocked,
    seen: Seen | None,
    accept_legacy: bool = False,
) -> None:
    """Refuse an unauthenticated file where this machine saw an authenticated one; otherwise
    say plainly that a vault from an older ctcm is not yet authenticated."""
    from ctcm.vault.signing import is_bound

    header = parsed.header
    if isinstance(header.get("auth"), dict) and unlocked.authenticated:
        return
    refused = (seen is not None and seen.authenticated) or is_bound(header["vault_id"])
    if refused and not accept_legacy:
        raise VaultError(
            "this vault file carries no data-key authentication, but this vault was created "
            "with it (or this machine opened an authenticated generation): the file may "
            "have been replaced; restore a backup you trust ('ctcm backup list'), or if this "
            f"older file is what you want, an admin accepts it: ctcm backup accept "
            f"{parsed.generation} --legacy"
        )
    if env.warn:
        waiting = fmt.unsealed_slots(header)
        env.warn(
            "warning: this vault was written by an older ctcm and its data key is not yet "
            "authenticated; it will be once each key slot has opened it in a command that "
            f"saves (waiting: {', '.join(waiting) or 'the next save'})"
        )


def _expected_head(seen: Seen | None, generation: int) -> str:
    return seen.journal_head if seen is not None and seen.journal_gen == generation else ""


def _writable(root: Path) -> bool:
    import os

    return os.access(root, os.W_OK)


def rollback_message(parsed: fmt.Parsed, seen: Seen) -> str:
    return (
        f"the vault file is generation {parsed.generation}, older than generation "
        f"{seen.generation} that this machine opened here before (the file was saved "
        f"{parsed.header.get('saved_at', '?')}): an older copy was put in its place (a folder "
        "restored or synced back, a copy moved over it)"
    )


def rollback_way_out(parsed: fmt.Parsed) -> str:
    return (
        f"if the file on disk is the state you want, an admin accepts it with 'ctcm backup "
        f"accept {parsed.generation}' (recorded in the audit trail); or bring a newer one back "
        "with 'ctcm backup restore GENERATION' ('ctcm backup list')"
    )


# open_practice(..., accept_older=RESTORE): a restore writes a chosen backup as the next
# generation, so it may start from an older file on disk
RESTORE = -1


@contextlib.contextmanager
def open_practice(
    env: Environment,
    command: str,
    unlocked: Unlocked | None = None,
    write: bool = True,
    keep_backup: bool = True,
    accept_older: int | None = None,
    accept_legacy: bool = False,
) -> Iterator[Practice]:
    """Yield an open practice for one command.

    A write command (``write=True``) takes the writer lock, refuses a vault older than this
    machine has seen, folds the read journal into the audit trail, appends its own audit entry
    and saves a new generation. A read command takes no lock and saves nothing: it reads one
    whole generation (saves are atomic renames) and leaves its audit entry in the journal.
    The key is found before any lock (a passphrase prompt never holds up a cron job). On any
    error nothing is written.
    """
    from ctcm.services.roles import enforce

    if write and env.as_of is not None:
        raise UsageError(
            f"--as-of only previews, and '{command}' records; it has its own date options "
            "(to rehearse a day, writes included, set CTCM_TODAY=YYYY-MM-DD instead)"
        )
    vault = VaultDir(env.vault, env.effective_lock_timeout)
    first = vault.read_parsed()
    state = LocalState.for_header(state_dir(env.env), first.header, env.vault)
    seen = state.load()
    unlocked = unlocked or unlock(env, first, seen.pin if seen else None)
    _check_authenticity(env, first, unlocked, seen, accept_legacy)
    loose = vault.loose_permissions()
    if loose and env.warn:
        env.warn(
            f"warning: {', '.join(loose)} can be read by others; run 'chmod -R go= {vault.root}'"
        )
    from ctcm.services import writers
    from ctcm.storage.migrations import migrate

    if not write:
        if seen is not None and first.generation < seen.generation and env.warn:
            env.warn(f"WARNING: {rollback_message(first, seen)}; what follows may be out of date")
        db = _decrypt(first, unlocked)
        verified = writers.check_opened(first, db, seen, env.env.get("CTCM_ANCHOR", ""))
        migrate(db, iso_utc(env.clock.now()))
        practice = Practice(
            env,
            vault,
            first.header,
            unlocked,
            db,
            Repository(db),
            first.generation,
            read_only=True,
            command=command,
            state=state,
            verified=verified,
        )
        enforce(practice, write=False)
        if env.as_of is not None:  # as of a date: no analysis, vendor, incident... recorded later
            practice.repo.as_of_cutoff = practice.repo.cutoff = practice.end_of(env.as_of)
            practice.repo.in_effect_day = env.as_of.isoformat()
        yield practice
        writers.first_open_notice(env, first, seen)
        if not _writable(vault.root):
            # a backup disk or an auditor's read-only copy: the read works, unrecorded
            if env.warn and "read-only" not in env.said:
                env.said.add("read-only")
                env.warn(
                    f"warning: {vault.root} is read-only: this read is not recorded in the "
                    "vault's audit trail"
                )
            return
        head, lost = Journal(vault.root, first.header["vault_id"]).append(
            unlocked.dek,
            practice.now_iso,
            practice.actor,
            command,
            practice.targets,
            first.generation,
            _expected_head(seen, first.generation),
        )
        if seen is None or first.generation >= seen.generation:
            # a journal that lost this machine's last record keeps that record on file here,
            # for the next save to name in the audit trail
            practice.remember(seen.journal_head if lost and seen else head)
        return

    trace = env.warn if env.env.get("CTCM_TRACE") else None
    with vault.locked(command):
        if trace:
            trace(f"trace: waited {vault.lock_waited:.3f} s for the writer lock")
        parsed = vault.read_parsed()
        older = seen is not None and parsed.generation < seen.generation
        if older and accept_older not in (parsed.generation, RESTORE):
            assert seen is not None
            raise VaultError(
                f"refusing to write: {rollback_message(parsed, seen)}; {rollback_way_out(parsed)}"
            )
        db = _decrypt(parsed, unlocked)
        verified = writers.check_opened(
            parsed, db, None if accept_legacy else seen, env.env.get("CTCM_ANCHOR", "")
        )
        migrated = migrate(db, iso_utc(env.clock.now()))
        practice = Practice(
            env,
            vault,
            parsed.header,
            unlocked,
            db,
            Repository(db),
            parsed.generation,
            command=command,
            state=state,
            keep_backup=keep_backup,
            # accepted: the next generation goes past what this machine saw, so it is current
            next_generation=seen.generation + 1 if older and seen is not None else 0,
            verified=verified,
            _opened_dek=unlocked.dek,
        )
        enforce(practice, write=True)
        # what a killed writer left: temp files, and scans that no generation names
        temps = vault.remove_stale_temps()
        scans = vault.settle_pending(practice.repo.blob_ids)
        scans += retired.settle(vault, practice.repo.blob_ids)
        if trace and (temps or scans):
            trace(f"trace: removed {temps} temp file(s) and {scans} unnamed scan(s) left behind")
        try:
            yield practice
            if practice.unchanged and not migrated:
                head, lost = Journal(vault.root, parsed.header["vault_id"]).append(
                    unlocked.dek,
                    practice.now_iso,
                    practice.actor,
                    command,
                    practice.targets,
                    parsed.generation,
                    _expected_head(seen, parsed.generation),
                )
                practice.remember(seen.journal_head if lost and seen else head)
            else:
                practice._save(final=True)
        except BaseException:
            vault.discard_uncommitted(parsed.generation)
            raise
        vault.committed()
        writers.first_open_notice(env, parsed, seen)
        for step in practice.after_save:
            step()


def unlock_once(env: Environment) -> Unlocked:
    """Find the key now, for a long interactive command that saves many times (``risk walk``):
    it holds the writer lock only while saving, never while waiting for the person."""
    vault = VaultDir(env.vault, env.effective_lock_timeout)
    parsed = vault.read_parsed()
    seen = LocalState.for_header(state_dir(env.env), parsed.header, env.vault).load()
    return unlock(env, parsed, seen.pin if seen else None)


def add_service_identity(practice: Practice, name: str, role: str = "cron") -> tuple[str, str]:
    """Add a service slot with its role (least privilege: ``cron``); return (slot id, identity
    file text). Admin only."""
    from ctcm.domain.credentials import check_key
    from ctcm.errors import AlreadyExists
    from ctcm.services.roles import SERVICE_ROLES
    from ctcm.vault.unlock import format_identity

    check_key(name, "service name")
    if role not in SERVICE_ROLES:
        raise InvalidInput(f"--role must be one of {', '.join(SERVICE_ROLES)}")
    slot_id = f"svc:{name}"
    header = practice.header
    if any(s["id"] == slot_id for s in header["slots"]):
        raise AlreadyExists(f"a slot named {slot_id} exists already")
    slot, private = fmt.make_key_slot(
        slot_id,
        f"service {name}",
        practice.unlocked.dek,
        header["vault_id"],
        header["dek_id"],
        fmt.auth_epoch(header),
    )
    header["slots"] = [*header["slots"], slot]
    practice.repo.add_user(slot_id, slot_id, role, practice.now_iso)
    practice.touch(slot_id, f"role {role}")
    return slot_id, format_identity(private, header["vault_id"], slot_id)


def session_limits(
    practice_settings: dict[str, str], idle: int | None, maximum: int | None
) -> tuple[timedelta, timedelta]:
    """The session's idle and absolute limits: the practice's automatic logoff is a ceiling
    that ``--idle`` / ``--max`` can shorten, never lengthen (164.312(a)(2)(iii))."""
    ceiling_idle = int(practice_settings.get("idle_minutes", str(DEFAULT_IDLE_MINUTES)))
    ceiling_max = int(practice_settings.get("max_hours", str(DEFAULT_MAX_HOURS)))
    idle_m = idle if idle is not None else ceiling_idle
    max_h = maximum if maximum is not None else ceiling_max
    if idle_m <= 0 or max_h <= 0:
        raise InvalidInput("session times must be positive")
    if idle_m > ceiling_idle:
        raise InvalidInput(
            f"the practice logs sessions off after {ceiling_idle} idle minutes; --idle can "
            "only shorten that (an admin changes it with 'ctcm practice set --idle-minutes')"
        )
    if max_h > ceiling_max:
        raise InvalidInput(
            f"the practice ends sessions after {ceiling_max} hours; --max can only shorten "
            "that (an admin changes it with 'ctcm practice set --max-hours')"
        )
    return timedelta(minutes=idle_m), timedelta(hours=max_h)
