"""What this machine has seen of each vault: the newest generation, its audit head and the
data key's authentication epoch. Kept in the user's state directory (0700 dir, 0600 files), it
lets ctcm notice a vault file that was swapped for an older generation (rollback) or for one
that forks the authentication chain, which nothing inside the file itself can reveal.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from ctcm.errors import VaultError


def rehearsal_id(header: Mapping[str, object]) -> str | None:
    """The id of the rehearsal copy this header is, if it is one (the mark is inside the
    authenticated header, written by ``ctcm rehearse``)."""
    mark = header.get("rehearsal")
    return str(mark["id"]) if isinstance(mark, dict) and "id" in mark else None


def state_dir(env: Mapping[str, str]) -> Path:
    """``CTCM_STATE_DIR``, else the platform's user state dir (XDG_STATE_HOME) + ``ctcm``."""
    if env.get("CTCM_STATE_DIR"):
        return Path(env["CTCM_STATE_DIR"]).expanduser()
    from platformdirs import user_state_dir

    return Path(user_state_dir("ctcm", appauthor=False))


def _name(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Seen:
    generation: int
    audit_head: str
    epoch: int
    fingerprint: str
    authenticated: bool
    # the last signed write record this machine verified (services/writers.py); 0: none yet
    chain_seq: int = 0
    chain_hash: str = ""
    chain_gen: int = 0
    # the read-journal record this machine appended last, and the generation it was read at
    journal_gen: int = 0
    journal_head: str = ""

    @property
    def pin(self) -> tuple[int, str] | None:
        return (self.epoch, self.fingerprint) if self.authenticated else None


class LocalState:
    """The record of one vault on this machine."""

    def __init__(
        self,
        directory: Path,
        vault_id: str,
        rehearsal: str | None = None,
        place: Path | None = None,
    ) -> None:
        # a rehearsal copy shares the vault's id but never its record: what the copy does
        # must not make the real vault look rolled back; nor does a plain copy of the folder
        # opened elsewhere (the record is per vault and place)
        key = vault_id if rehearsal is None else f"{vault_id}|rehearsal|{rehearsal}"
        self.directory = directory
        self.legacy = directory / f"vault-{_name(key)}.json"  # before records had a place
        if place is not None:
            key += f"|at|{os.path.realpath(place)}"
        self.path = directory / f"vault-{_name(key)}.json"

    @classmethod
    def for_header(
        cls, directory: Path, header: Mapping[str, object], place: Path | None = None
    ) -> LocalState:
        """The record of the vault this header belongs to, at ``place`` (a rehearsal copy has
        its own)."""
        return cls(directory, str(header["vault_id"]), rehearsal_id(header), place)

    def load(self) -> Seen | None:
        seen = self._load(self.path)
        if seen is None and self.legacy != self.path:
            seen = self._load(self.legacy)  # recorded by an earlier ctcm, before places
        return seen

    def _load(self, path: Path) -> Seen | None:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            return None
        except OSError as err:
            raise VaultError(f"cannot read {path}: {err.strerror}") from None
        try:
            with os.fdopen(fd, "rb") as fh:
                raw = json.loads(fh.read(1 << 16))
            return Seen(
                int(raw["generation"]),
                str(raw["audit_head"]),
                int(raw["epoch"]),
                str(raw["fingerprint"]),
                bool(raw["authenticated"]),
                int(raw.get("chain_seq", 0)),
                str(raw.get("chain_hash", "")),
                int(raw.get("chain_gen", 0)),
                int(raw.get("journal_gen", 0)),
                str(raw.get("journal_head", "")),
            )
        except (ValueError, KeyError, TypeError):
            raise VaultError(
                f"{path} is damaged; delete it to trust the vault as it is now"
            ) from None

    def record(self, seen: Seen) -> None:
        """Remember ``seen`` unless a newer generation is on record (never goes back, except
        through ``replace``)."""
        self._write(seen, only_forward=True)

    def replace(self, seen: Seen) -> None:
        self._write(seen, only_forward=False)

    def _write(self, seen: Seen, only_forward: bool) -> None:
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            raise VaultError(f"cannot write {self.directory}: {err.strerror}") from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _remove_stale_temps(self.directory)
            if only_forward:
                current = self.load()
                if current is not None and current.generation > seen.generation:
                    return
                if current is not None and current == seen:
                    return
            tmp = self.directory / f".{self.path.name}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                with os.fdopen(fd, "w") as fh:
                    json.dump(asdict(seen), fh)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                raise
        finally:
            os.close(lock)


def _remove_stale_temps(directory: Path) -> None:
    """Temp files a killed ctcm left (``.vault-*.json.<hex>``): under the state lock no other
    writer owns one, so each is removed."""
    for stale in directory.glob(".vault-*.json.*"):
        with contextlib.suppress(OSError):
            stale.unlink()
