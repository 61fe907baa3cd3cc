"""Opening a practice: unlock, lock, decrypt, migrate, run one command, audit it, save."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ctcm.environment import Environment
from ctcm.errors import InvalidInput, VaultError, WrongKey
from ctcm.storage.db import Database
from ctcm.storage.repo import Repository
from ctcm.vault import format as fmt
from ctcm.vault.store import VaultDir
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
    _settings: dict[str, str] | None = None

    def checkpoint(self) -> None:
        """Save now, inside the command (the lock is still held): used after each message
        sent, so a crash can repeat at most the one message in flight."""
        saved = self.vault.save(
            self.header, self.unlocked.dek, self.db.image(), self.generation, self.env.clock.now()
        )
        self.generation = int(saved["generation"])

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
        """``--as-of`` if given, else today's date in the practice's time zone."""
        if self.env.as_of is not None:
            return self.env.as_of
        return self.now.astimezone(ZoneInfo(self.timezone)).date()

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


@contextlib.contextmanager
def open_practice(
    env: Environment, command: str, unlocked: Unlocked | None = None
) -> Iterator[Practice]:
    """Yield an open practice; on success append one audit entry and save a new generation.

    The key is found before the writer lock is taken (a passphrase prompt never holds up a
    cron job); the file is then read again under the lock, so the generation saved is always
    the successor of the one read. On any error nothing is written.
    """
    vault = VaultDir(env.vault, env.effective_lock_timeout)
    unlocked = unlocked or unlock(env, vault.read_parsed())
    loose = vault.loose_permissions()
    if loose and env.warn:
        env.warn(
            f"warning: {', '.join(loose)} can be read by others; run 'chmod -R go= {vault.root}'"
        )
    with vault.locked():
        parsed = vault.read_parsed()
        db = _decrypt(parsed, unlocked)
        from ctcm.storage.migrations import migrate

        migrate(db, iso_utc(env.clock.now()))
        practice = Practice(
            env, vault, parsed.header, unlocked, db, Repository(db), parsed.generation
        )
        yield practice
        practice.repo.append_audit(practice.now_iso, practice.actor, command, practice.targets)
        vault.save(
            parsed.header, unlocked.dek, practice.db.image(), practice.generation, env.clock.now()
        )


def unlock_once(env: Environment) -> Unlocked:
    """Find the key now, for a long interactive command that saves many times (``risk walk``):
    it holds the writer lock only while saving, never while waiting for the person."""
    return unlock(env, VaultDir(env.vault, env.effective_lock_timeout).read_parsed())


def check_timezone(tz: str) -> str:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {tz!r} (use a name like America/Chicago)") from None
    return tz


def machine_timezone() -> str:
    """The machine's IANA zone name, or UTC when it cannot be told."""
    with contextlib.suppress(OSError):
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            return link.split("zoneinfo/", 1)[1]
    return "UTC"


@dataclass(frozen=True, slots=True)
class Created:
    vault_id: str
    user: str
    recovery_code: str | None


def create_vault(
    env: Environment,
    practice_name: str,
    user: str,
    passphrase: str,
    timezone: str,
    recovery: bool,
    content: dict[str, Any] | None = None,
) -> Created:
    """Create a new vault with one admin user slot (and a recovery slot if asked)."""
    from ctcm.domain.credentials import check_key, check_text
    from ctcm.storage.migrations import migrate
    from ctcm.vault.unlock import check_new_passphrase, format_recovery_code

    practice_name = check_text(practice_name, "practice name")
    check_key(user, "user name")
    check_timezone(timezone)
    check_new_passphrase(passphrase)
    vault = VaultDir(env.vault, env.effective_lock_timeout)
    if vault.exists():
        raise VaultError(f"a vault already exists at {vault.root}; refusing to overwrite it")
    dek = secrets.token_bytes(32)
    vault_id = fmt.b64e(secrets.token_bytes(16))
    dek_id = fmt.b64e(secrets.token_bytes(8))
    slots = [fmt.make_user_slot(f"user:{user}", user, passphrase, dek, vault_id, dek_id)]
    code = None
    if recovery:
        slot, private = fmt.make_key_slot("recovery", "recovery code", dek, vault_id, dek_id)
        slots.append(slot)
        code = format_recovery_code(private)
    now = env.clock.now()
    db = Database.empty()
    migrate(db, iso_utc(now))
    repo = Repository(db)
    repo.set_settings(
        {
            "practice_name": practice_name,
            "timezone": timezone,
            "warn_days": "30",
            "idle_minutes": str(DEFAULT_IDLE_MINUTES),
            "max_hours": str(DEFAULT_MAX_HOURS),
        }
    )
    repo.add_user(user, f"user:{user}", "admin", iso_utc(now))
    if content is not None:
        from ctcm.services.catalog import apply_content

        apply_content(repo, iso_utc(now), content, f"starter:{content.get('name', '')}")
    repo.append_audit(iso_utc(now), f"user:{user}", "init", [practice_name])
    header = {
        "format": "ctcm-vault",
        "v": 1,
        "vault_id": vault_id,
        "generation": 1,
        "saved_at": iso_utc(now),
        "dek_id": dek_id,
        "aead": "A256GCM-STREAM",
        "chunk": fmt.CHUNK,
        "slots": slots,
    }
    vault.create(fmt.encrypt(header, dek, db.image()))
    return Created(vault_id, user, code)


def init_practice(
    env: Environment,
    practice_name: str,
    user: str,
    timezone: str | None,
    starter: str | None,
    recovery: bool,
) -> Created:
    """``ctcm init``: ask for (or read) the new passphrase, then create the vault."""
    from ctcm.services.catalog import load_starter
    from ctcm.vault.unlock import read_passphrase

    content = load_starter(starter) if starter else None
    if not env.interactive and not (
        env.env.get("CTCM_PASSPHRASE_FILE") or env.env.get("CTCM_PASSPHRASE")
    ):
        raise InvalidInput("no terminal to ask for a passphrase: set CTCM_PASSPHRASE_FILE")
    passphrase, _ = read_passphrase(env, "New passphrase (12+ characters)", confirm=True)
    return create_vault(
        env, practice_name, user, passphrase, timezone or machine_timezone(), recovery, content
    )


def add_service_identity(practice: Practice, name: str) -> tuple[str, str]:
    """Add a service slot (for cron); return (slot id, identity file text). Admin only."""
    from ctcm.domain.credentials import check_key
    from ctcm.errors import AlreadyExists
    from ctcm.vault.unlock import format_identity

    check_key(name, "service name")
    slot_id = f"svc:{name}"
    header = practice.header
    if any(s["id"] == slot_id for s in header["slots"]):
        raise AlreadyExists(f"a slot named {slot_id} exists already")
    slot, private = fmt.make_key_slot(
        slot_id, f"service {name}", practice.unlocked.dek, header["vault_id"], header["dek_id"]
    )
    header["slots"] = [*header["slots"], slot]
    practice.touch(slot_id)
    return slot_id, format_identity(private, header["vault_id"], slot_id)


def session_limits(
    practice_settings: dict[str, str], idle: int | None, maximum: int | None
) -> tuple[timedelta, timedelta]:
    idle_m = idle if idle is not None else int(practice_settings.get("idle_minutes", "30"))
    max_h = maximum if maximum is not None else int(practice_settings.get("max_hours", "8"))
    if idle_m <= 0 or max_h <= 0:
        raise InvalidInput("session times must be positive")
    return timedelta(minutes=idle_m), timedelta(hours=max_h)
