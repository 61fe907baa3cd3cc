"""Unlock sessions (idle and absolute expiry on an injected clock), key sources, keyring."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from keyring.backend import KeyringBackend

from ctcm.clock import FixedClock
from ctcm.errors import ExitCode
from ctcm.vault.session import SessionStore, backend_is_secure, runtime_dir, usable_backend
from tests.conftest import PASSPHRASE, Cli


def test_session_idle_expiry_slides_with_use(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    store = SessionStore(tmp_path, "vid", clock)
    key = store.create(b"k" * 32, "user:alice", timedelta(minutes=30), timedelta(hours=8))
    clock.advance(minutes=29)
    assert store.use(key) is not None  # used at 29 min: idle deadline slides
    clock.advance(minutes=29)
    assert store.use(key) is not None  # 58 min after start, 29 after last use
    clock.advance(minutes=31)
    assert store.use(key) is None  # 31 idle minutes: expired and deleted
    assert not store.path.exists()


def test_session_absolute_maximum(tmp_path: Path) -> None:
    clock = FixedClock(datetime(2026, 5, 1, 9, 0, tzinfo=UTC))
    store = SessionStore(tmp_path, "vid", clock)
    key = store.create(b"k" * 32, "user:alice", timedelta(minutes=30), timedelta(hours=8))
    for _ in range(16):
        clock.advance(minutes=29)
        assert store.use(key) is not None
    clock.advance(minutes=29)  # 8 h 13 min after start, though never idle
    assert store.use(key) is None


def test_session_wrong_key_and_file_mode(tmp_path: Path) -> None:
    store = SessionStore(tmp_path, "vid", FixedClock())
    store.create(b"k" * 32, "user:alice", timedelta(minutes=30), timedelta(hours=8))
    assert store.use(os.urandom(32)) is None
    assert oct(store.path.stat().st_mode & 0o777) == "0o600"
    assert b"kkkk" not in store.path.read_bytes()


# --------------------------------------------------------------------------- keyring


class MemoryKeyring(KeyringBackend):
    """A test backend through keyring's own interface (never the OS keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def _backend(module: str, name: str = "Keyring", **attrs: Any) -> Any:
    cls = type(name, (MemoryKeyring,), {"__module__": module, **attrs})
    return cls()


@pytest.mark.parametrize(
    ("module", "name", "secure"),
    [
        ("keyring.backends.fail", "Keyring", False),
        ("keyring.backends.null", "Keyring", False),
        ("keyrings.alt.file", "PlaintextKeyring", False),
        ("keyrings.alt.file", "EncryptedKeyring", False),
        ("keyring.backends.SecretService", "Keyring", True),
        ("keyring.backends.macOS", "Keyring", True),
        ("keyring.backends.Windows", "WinVaultKeyring", True),
        ("keyring.backends.kwallet", "DBusKeyring", True),
        ("some.thirdparty", "Keyring", False),
    ],
)
def test_keyring_backend_classification(module: str, name: str, secure: bool) -> None:
    assert backend_is_secure(_backend(module, name)) is secure


def test_chainer_is_used_only_through_its_highest_priority_member() -> None:
    weak = _backend("keyrings.alt.file", "PlaintextKeyring")
    strong = _backend("keyring.backends.SecretService")
    assert not backend_is_secure(
        _backend("keyring.backends.chainer", "ChainerBackend", backends=[weak])
    )
    # the chainer stores in its first member: a plain-file keyring first makes it unusable,
    # even with a secure member further down
    assert not backend_is_secure(
        _backend("keyring.backends.chainer", "ChainerBackend", backends=[weak, strong])
    )
    chained = _backend("keyring.backends.chainer", "ChainerBackend", backends=[strong, weak])
    assert backend_is_secure(chained)
    assert usable_backend(chained) is strong


def test_runtime_dir_refuses_a_planted_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "ctcm").symlink_to(target)
    with pytest.raises(PermissionError, match="not a directory"):
        runtime_dir({"CTCM_RUNTIME_DIR": str(tmp_path / "run")})
    fresh = runtime_dir({"CTCM_RUNTIME_DIR": str(tmp_path / "run2")})
    assert stat.S_IMODE(os.lstat(fresh).st_mode) == 0o700


def test_trusted_backend_by_name() -> None:
    backend = _backend("tests.kr", "Vault")
    assert backend_is_secure(backend, frozenset({"tests.kr.Vault"}))


# --------------------------------------------------------------------------- through the CLI


def test_unlock_without_keyring_prints_export_line_and_session_opens(cli: Cli) -> None:
    r = cli.ok("unlock", identity=False, env={"CTCM_PASSPHRASE": PASSPHRASE})
    line = r.stdout.strip()
    assert line.startswith("export CTCM_SESSION=")
    token = line.split("=", 1)[1]
    assert PASSPHRASE not in r.stdout + r.stderr
    # no passphrase, no identity: the session opens the vault
    cli.ok("status", identity=False, env={"CTCM_SESSION": token})
    cli.clock.advance(minutes=31)
    locked = cli("status", identity=False, env={"CTCM_SESSION": token})
    assert locked.exit_code == ExitCode.LOCKED == 5
    assert "locked" in locked.stderr


def test_lock_ends_the_session(cli: Cli) -> None:
    token = (
        cli.ok("unlock", "--idle", "5", identity=False, env={"CTCM_PASSPHRASE": PASSPHRASE})
        .stdout.strip()
        .split("=", 1)[1]
    )
    cli.ok("lock", identity=False, env={"CTCM_SESSION": token})
    assert cli("status", identity=False, env={"CTCM_SESSION": token}).exit_code == 5


def test_unlock_with_secure_keyring_keeps_the_key_there(cli: Cli) -> None:
    cli.keyring = _backend("keyring.backends.SecretService")
    r = cli.ok("unlock", identity=False, env={"CTCM_PASSPHRASE": PASSPHRASE})
    assert r.stdout == "" and "keyring" in r.stderr
    assert len(cli.keyring.store) == 1
    cli.ok("status", identity=False)
    cli.ok("lock", identity=False)
    assert cli.keyring.store == {}
    assert cli("status", identity=False).exit_code == 5


def test_insecure_keyring_is_never_used(cli: Cli) -> None:
    cli.keyring = _backend("keyrings.alt.file", "PlaintextKeyring")
    r = cli.ok("unlock", identity=False, env={"CTCM_PASSPHRASE": PASSPHRASE})
    assert r.stdout.startswith("export CTCM_SESSION=")
    assert cli.keyring.store == {}


def test_locked_non_interactive_never_prompts(cli: Cli) -> None:
    r = cli("status", identity=False)
    assert r.exit_code == 5
    assert "CTCM_IDENTITY_FILE" in r.stderr and "Traceback" not in r.stderr


def test_interactive_prompt_and_wrong_passphrase(cli: Cli) -> None:
    cli.ok("status", identity=False, interactive=True, prompts=[PASSPHRASE])
    r = cli("status", identity=False, interactive=True, prompts=["not the passphrase!"])
    assert r.exit_code == 1
    assert r.stderr.strip() == "ctcm: wrong passphrase for user 'alice'"


def test_passphrase_file_and_unknown_user(cli: Cli, tmp_path: Path) -> None:
    pf = tmp_path / "pass"
    pf.write_text(PASSPHRASE + "\n")
    pf.chmod(0o600)
    cli.ok("status", identity=False, env={"CTCM_PASSPHRASE_FILE": str(pf)})
    r = cli("--user", "mallory", "status", identity=False, env={"CTCM_PASSPHRASE_FILE": str(pf)})
    assert r.exit_code == 1 and "no user 'mallory'" in r.stderr
    pf.chmod(0o640)
    r = cli("status", identity=False, env={"CTCM_PASSPHRASE_FILE": str(pf)})
    assert r.exit_code == 1 and "readable by group or others" in r.stderr


def test_identity_file_with_loose_permissions_is_refused(cli: Cli) -> None:
    cli.identity.chmod(0o644)
    r = cli("status")
    assert r.exit_code == 1
    assert "readable by group or others" in r.stderr and "chmod 600" in r.stderr


def test_identity_symlink_refused(cli: Cli, tmp_path: Path) -> None:
    link = tmp_path / "link.identity"
    link.symlink_to(cli.identity)
    r = cli("status", env={"CTCM_IDENTITY_FILE": str(link)})
    assert r.exit_code == 1 and "symlink" in r.stderr


def test_recovery_code_opens_the_vault(cli: Cli, template: Any, tmp_path: Path) -> None:
    code = tmp_path / "recovery.txt"
    code.write_text(template.recovery_code + "\n")
    code.chmod(0o600)
    cli.ok("status", env={"CTCM_IDENTITY_FILE": str(code)})
    audit = cli.ok("audit", "list", "--format", "json").stdout
    assert '"actor": "recovery"' in audit


def test_an_expired_session_file_is_removed_by_the_next_command(cli: Cli) -> None:
    """Its deadlines are in clear (authenticated): any later command deletes it, with or
    without its key, so an expired session never stays on disk to be copied."""
    cli.ok("unlock", "--max", "1", identity=False, env={"CTCM_PASSPHRASE": PASSPHRASE})
    run = cli.tmp / "run"
    sessions = [p for p in run.rglob("session-*") if ".tmp-" not in p.name]
    assert len(sessions) == 1
    cli.clock.advance(minutes=61)
    cli.ok("status")  # another user's command (the test identity), no session key at all
    assert not list(run.rglob("session-*"))
    # a live session stays
    cli.ok("unlock", identity=False, env={"CTCM_PASSPHRASE": PASSPHRASE})
    cli.ok("status")
    assert len([p for p in run.rglob("session-*") if ".tmp-" not in p.name]) == 1
