"""Creating a practice's vault: ``ctcm init`` and ``ctcm demo`` (one admin user slot, an
optional recovery slot, the starter content), and the checks of what is typed for it."""

from __future__ import annotations

import contextlib
import os
import secrets
from dataclasses import dataclass
from typing import Any

from ctcm.domain.dates import check_timezone
from ctcm.environment import Environment
from ctcm.errors import InvalidInput, VaultError
from ctcm.services.practice import DEFAULT_IDLE_MINUTES, DEFAULT_MAX_HOURS, iso_utc
from ctcm.storage.db import Database
from ctcm.storage.repo import Repository
from ctcm.vault import format as fmt
from ctcm.vault.localstate import LocalState, Seen, state_dir
from ctcm.vault.store import VaultDir


def check_new_user(user: str) -> str:
    """A new user name as typed (lower case letters, digits, dashes); raise InvalidInput."""
    from ctcm.domain.credentials import check_key

    check_key(user.strip(), "user name")
    return user.strip()


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
    from ctcm.vault.signing import bound_vault_id, signing_seed, slot_signing_public

    dek = secrets.token_bytes(32)
    creator = secrets.token_bytes(32)  # the first admin's X25519 key: the vault id comes from it
    vault_id = bound_vault_id(slot_signing_public(creator))
    dek_id = fmt.b64e(secrets.token_bytes(8))
    slots = [
        fmt.make_user_slot(
            f"user:{user}", user, passphrase, dek, vault_id, dek_id, private_raw=creator
        )
    ]
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
        "auth": fmt.new_auth(),
        "note": fmt.seal_note(dek, "init"),
    }
    from ctcm.services import writers

    writers.sign_write(header, db.conn, f"user:{user}", signing_seed(creator), 1, kind="init")
    genesis = writers.chainrepo.last_chain_row(db.conn)
    assert genesis is not None
    vault.create(fmt.encrypt(header, dek, db.image()))
    LocalState(state_dir(env.env), vault_id, place=env.vault).record(
        Seen(
            1,
            repo.audit_head(),
            0,
            fmt.auth_fingerprint(fmt.auth_key(dek)),
            True,
            genesis.seq,
            genesis.hash,
            1,
        )
    )
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
