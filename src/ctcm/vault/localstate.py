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
from collections.abc import Callable, Mapping
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
        self.claims_path = directory / f"claims-{_name(key)}.json"

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
        def wanted() -> bool:  # under the state lock
            current = self.load() if only_forward else None
            return current is None or (current.generation <= seen.generation and current != seen)

        self._write_json(self.path, asdict(seen), wanted)

    def claim_sightings(self, claims: Mapping[str, str], now: str) -> dict[str, str]:
        """When this machine first saw each delivery claim in its current state (``claims``:
        claim key -> its heartbeat stamp), by this machine's own clock: a lease measured at
        both ends by one clock, so another machine's skewed clock never makes a live claim look
        stale. Claims no longer in the ledger are forgotten. A state folder that cannot be
        written remembers nothing (every claim is seen for the first time now)."""
        try:
            fd = os.open(self.claims_path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as fh:
                known = json.loads(fh.read(1 << 22))
            known = known if isinstance(known, dict) else {}
        except (OSError, ValueError):
            known = {}
        seen = {f"{k}|{at}": str(known.get(f"{k}|{at}", now)) for k, at in claims.items()}
        if seen != known:
            with contextlib.suppress(OSError, VaultError):
                self._write_json(self.claims_path, seen)
        return {k: seen[f"{k}|{at}"] for k, at in claims.items()}

    def _write_json(
        self, path: Path, data: object, wanted: Callable[[], bool] | None = None
    ) -> None:
        """Write ``data`` to ``path`` under the state lock (0600 from the first byte, renamed
        into place), unless ``wanted`` says no once the lock is held."""
        try:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            raise VaultError(f"cannot write {self.directory}: {err.strerror}") from None
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _remove_stale_temps(self.directory)
            if wanted is not None and not wanted():
                return
            tmp = self.directory / f".{path.name}.{secrets.token_hex(4)}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            try:
                with os.fdopen(fd, "w") as fh:
                    json.dump(data, fh)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                raise
        finally:
            os.close(lock)


def _remove_stale_temps(directory: Path) -> None:
    """Temp files a killed ctcm left (``.vault-*.json.<hex>``, ``.claims-*.json.<hex>``): under
    the state lock no other writer owns one, so each is removed."""
    for pattern in (".vault-*.json.*", ".claims-*.json.*"):
        for stale in directory.glob(pattern):
            with contextlib.suppress(OSError):
                stale.unlink()
