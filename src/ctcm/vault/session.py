"""Unlock sessions (HIPAA automatic logoff): a wrapped data key with idle and absolute expiry.

The session file lives in the user's runtime directory (0700 dir, 0600 file) and holds the data
key encrypted under a random 32-byte session key S. S itself is kept apart from the file: in the
OS keyring when a secure backend exists, otherwise printed once for the user to
``export CTCM_SESSION=...`` (both pieces are then needed, and both end with the login). Every use
slides the idle deadline; the absolute deadline never moves. Expiry is checked against an
injected clock.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ctcm.clock import Clock

SESSION_MAGIC = b"CTCMSES1"
# version 2 carries its deadlines in clear (authenticated), so any later command can delete an
# expired session file without its key
SESSION_MAGIC2 = b"CTCMSES2"
KEYRING_SERVICE = "ctcm"


def runtime_dir(env: dict[str, str]) -> Path:
    """The per-user directory for session files (created 0700).

    Checked with ``lstat`` and opened with ``O_NOFOLLOW``: in the shared temp dir (the fallback
    without XDG_RUNTIME_DIR) another user could have planted a symlink or a directory of theirs
    under the expected name.
    """
    import stat

    base = env.get("CTCM_RUNTIME_DIR") or env.get("XDG_RUNTIME_DIR")
    path = Path(base) / "ctcm" if base else Path(tempfile.gettempdir()) / f"ctcm-{os.getuid()}"
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise PermissionError(f"{path} is not a directory (a symlink?)")
    if info.st_uid != os.getuid():
        raise PermissionError(f"{path} belongs to another user")
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        os.fchmod(fd, 0o700)
    finally:
        os.close(fd)
    return path


def encode_token(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def decode_tokens(value: str) -> list[bytes]:
    """``CTCM_SESSION`` may carry the tokens of several vaults' sessions, comma-separated."""
    return [key for part in value.split(",") if (key := decode_token(part)) is not None]


def live_session_keys(directory: Path, keys: list[bytes]) -> list[bytes]:
    """The keys that still open a session file in ``directory`` (of any vault)."""
    live = []
    for path in directory.glob("session-*"):
        if ".tmp-" in path.name:
            continue
        data = path.read_bytes()
        if data[:8] == SESSION_MAGIC2:
            size = int.from_bytes(data[8:10], "big")
            clear, rest = data[10 : 10 + size], data[10 + size :]
        elif data[:8] == SESSION_MAGIC:
            clear, rest = b"", data[8:]
        else:
            continue
        for key in keys:
            if key in live:
                continue
            try:
                AESGCM(key).decrypt(rest[:12], rest[12:], _vault_aad(path) + clear)
            except InvalidTag:
                continue
            live.append(key)
    return live


def _vault_aad(path: Path) -> bytes:
    """The vault id a session file belongs to (its name is the id made path-safe, then the
    user's slot after a dot)."""
    safe = path.name.removeprefix("session-").split(".", 1)[0].replace("_", "/").replace("-", "+")
    return (safe + "=" * (-len(safe) % 4)).encode()


def decode_token(token: str) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(token.strip() + "=" * (-len(token.strip()) % 4))
    except (ValueError, TypeError):
        return None
    return raw if len(raw) == 32 else None


@dataclass(frozen=True, slots=True)
class SessionState:
    dek: bytes
    slot_id: str
    created: datetime
    last_used: datetime
    idle: timedelta
    maximum: timedelta
    signing: bytes = b""  # the slot's signing seed, so the session's writes are signed
    os_user: int = -1  # the OS account that opened it (-1: a session of an older ctcm)
    private: bytes = b""  # the slot's X25519 key (opens secrets sealed to the slot)

    def expired(self, now: datetime) -> bool:
        return now - self.last_used > self.idle or now - self.created > self.maximum


class SessionStore:
    """Reads and writes one user's session file of one vault for the current OS user (each
    ctcm user who unlocks in the same OS account has their own; ``slot_id`` None is the single
    session file of ctcm before sessions were per user)."""

    def __init__(
        self, directory: Path, vault_id: str, clock: Clock, slot_id: str | None = None
    ) -> None:
        safe = vault_id.replace("/", "_").replace("+", "-").rstrip("=")
        suffix = f".{slot_id.replace(':', '~')}" if slot_id else ""
        self.path = directory / f"session-{safe}{suffix}"
        self.vault_id = vault_id
        self.clock = clock
        self.slot_id = slot_id

    @property
    def account(self) -> str:
        """Its name in the OS keyring."""
        return f"session:{self.vault_id}" + (f":{self.slot_id}" if self.slot_id else "")

    @classmethod
    def all_of(cls, directory: Path, vault_id: str, clock: Clock) -> list[SessionStore]:
        """Every session file of this vault in ``directory`` (legacy first)."""
        base = cls(directory, vault_id, clock)
        out = [base] if base.path.exists() else []
        for path in sorted(directory.glob(f"{base.path.name}.*")):
            if ".tmp-" not in path.name:
                slot = path.name[len(base.path.name) + 1 :].replace("~", ":")
                out.append(cls(directory, vault_id, clock, slot))
        return out

    def create(
        self,
        dek: bytes,
        slot_id: str,
        idle: timedelta,
        maximum: timedelta,
        signing: bytes = b"",
        private: bytes = b"",
    ) -> bytes:
        """Start a session; return the session key S (to keep in the keyring or the env)."""
        key = secrets.token_bytes(32)
        now = self.clock.now()
        state = SessionState(dek, slot_id, now, now, idle, maximum, signing, os.getuid(), private)
        self._write(key, state)
        return key

    def use(self, key: bytes) -> SessionState | None:
        """Return the live session and slide its idle deadline; None if absent or expired."""
        state = self._read(key)
        if state is None:
            return None
        now = self.clock.now()
        if state.expired(now):
            self.end()
            return None
        state = replace(state, last_used=now)
        self._write(key, state)
        return state

    def opens(self, key: bytes) -> bool:
        """Whether ``key`` opens this vault's session file (expired or not)."""
        return self._read(key) is not None

    def end(self) -> bool:
        """Delete the session file; return whether there was one."""
        try:
            self.path.unlink()
            return True
        except FileNotFoundError:
            return False

    def _read(self, key: bytes) -> SessionState | None:
        try:
            data = self.path.read_bytes()
        except (FileNotFoundError, PermissionError):
            return None
        if data[:8] == SESSION_MAGIC2:
            size = int.from_bytes(data[8:10], "big")
            clear = data[10 : 10 + size]
            rest = data[10 + size :]
            aad = self.vault_id.encode() + clear
        elif data[:8] == SESSION_MAGIC:
            rest, aad = data[8:], self.vault_id.encode()
        else:
            return None
        try:
            plain = AESGCM(key).decrypt(rest[:12], rest[12:], aad)
        except InvalidTag:
            return None
        raw: dict[str, Any] = json.loads(plain)
        return SessionState(
            dek=base64.b64decode(raw["dek"]),
            slot_id=raw["slot"],
            created=datetime.fromisoformat(raw["created"]),
            last_used=datetime.fromisoformat(raw["last_used"]),
            idle=timedelta(seconds=raw["idle"]),
            maximum=timedelta(seconds=raw["max"]),
            signing=base64.b64decode(raw.get("sign", "")),
            os_user=int(raw.get("uid", -1)),
            private=base64.b64decode(raw.get("priv", "")),
        )

    def _write(self, key: bytes, state: SessionState) -> None:
        plain = json.dumps(
            {
                "dek": base64.b64encode(state.dek).decode(),
                "slot": state.slot_id,
                "created": state.created.isoformat(),
                "last_used": state.last_used.isoformat(),
                "idle": state.idle.total_seconds(),
                "max": state.maximum.total_seconds(),
                "sign": base64.b64encode(state.signing).decode(),
                "uid": state.os_user,
                "priv": base64.b64encode(state.private).decode(),
            }
        ).encode()
        clear = json.dumps(
            {
                "idle": state.idle.total_seconds(),
                "until": (state.created + state.maximum).isoformat(),
            }
        ).encode()
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key).encrypt(nonce, plain, self.vault_id.encode() + clear)
        blob = SESSION_MAGIC2 + len(clear).to_bytes(2, "big") + clear + nonce + sealed
        tmp = self.path.with_name(self.path.name + f".tmp-{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, blob)
        finally:
            os.close(fd)
        try:
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise


def remove_expired(directory: Path, now: datetime) -> int:
    """Delete the session files in ``directory`` that have expired (past their maximum, or idle
    longer than their idle limit since last used) and temp files a killed run left; return
    how many. Runs before every unlock, so an expired session's file never stays on disk."""
    removed = 0
    try:
        paths = list(directory.glob("session-*"))
    except OSError:
        return 0
    for path in paths:
        try:
            info = path.lstat()
            if ".tmp-" in path.name:
                gone = now.timestamp() - info.st_mtime > 60
            else:
                with path.open("rb") as fh:
                    head = fh.read(10 + 4096)
                if head[:8] != SESSION_MAGIC2:
                    continue
                size = int.from_bytes(head[8:10], "big")
                clear = json.loads(head[10 : 10 + size])
                until = datetime.fromisoformat(clear["until"])
                idle = float(clear["idle"])
                gone = now > until or now.timestamp() - info.st_mtime > idle
            if gone:
                path.unlink()
                removed += 1
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return removed


# --------------------------------------------------------------------------- keyring

_SECURE_MODULES = (
    "keyring.backends.macOS",
    "keyring.backends.Windows",
    "keyring.backends.SecretService",
    "keyring.backends.libsecret",
    "keyring.backends.kwallet",
)


def backend_is_secure(backend: object, trusted: frozenset[str] = frozenset()) -> bool:
    """Whether a keyring backend may hold a session key.

    fail/null backends and every ``keyrings.alt`` backend (one of which stores secrets as
    base64 in a plain file) count as no keyring; a chainer stores in its highest-priority
    member, so it is as secure as that member. ``trusted`` names extra ``module.Class``
    backends to accept (CTCM_KEYRING_TRUST).
    """
    return usable_backend(backend, trusted) is not None


def usable_backend(backend: Any, trusted: frozenset[str] = frozenset()) -> Any:
    """The backend to keep a session key in, or None. A chainer is used only through its
    highest-priority member (where it would store), and only if that member is secure."""
    if type(backend).__module__ == "keyring.backends.chainer":
        members = list(getattr(backend, "backends", []))
        return usable_backend(members[0], trusted) if members else None
    return backend if _secure_itself(backend, trusted) else None


def _secure_itself(backend: object, trusted: frozenset[str]) -> bool:
    cls = type(backend)
    qualified = f"{cls.__module__}.{cls.__qualname__}"
    if qualified in trusted:
        return True
    module = cls.__module__
    if module.startswith("keyrings.alt") or module in (
        "keyring.backends.fail",
        "keyring.backends.null",
    ):
        return False
    return module.startswith(_SECURE_MODULES)
