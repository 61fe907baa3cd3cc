"""The vault directory: atomic saves, the writer lock, backups and attachment blobs.

A vault is a directory holding ``vault.ctcm`` (the encrypted database), ``blobs/``
(encrypted attachments), ``backups/`` (earlier generations, still encrypted) and ``lock``
(the writers' lock file; ``vault.ctcm`` itself is swapped by ``os.replace`` and so cannot be
locked). Directories are 0700 and files 0600.

A blob is written before the generation that names it is saved, so a writer killed between
the two leaves a blob no generation names (encrypted under a key that died with the process).
Each new blob's id is first written to ``blobs/.pending``; the next writer, under the lock,
deletes the pending blobs the live generation does not name and empties the list
(``settle_pending``). Blobs named only by backups are never listed there, so never touched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ctcm.errors import NotFound, VaultBusy, VaultError
from ctcm.vault import format as fmt

VAULT_FILE = "vault.ctcm"
LOCK_FILE = "lock"
PENDING_FILE = ".pending"  # in blobs/: ids of blobs written by a writer not yet committed
BLOB_ID_RE = re.compile(r"[0-9a-f]{32}")
BACKUP_RE = re.compile(r"^g(\d{8})-(\d{8}T\d{6}Z)\.ctcm$")


@dataclass(frozen=True, slots=True)
class Backup:
    generation: int  # from the backup's own header, never from its file name
    saved_at: datetime
    path: Path
    header: dict[str, Any]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_private(path: Path, pieces: Iterator[bytes] | list[bytes]) -> None:
    """Write a new 0600 file (refusing to follow or reuse an existing name) and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb", closefd=False) as fh:
            for piece in pieces:
                fh.write(piece)
            fh.flush()
            os.fsync(fd)
    finally:
        os.close(fd)


class VaultDir:
    """Paths and file operations of one vault directory; knows bytes, not SQL."""

    def __init__(self, root: Path, lock_timeout: float = 30.0) -> None:
        self.root = root
        self.file = root / VAULT_FILE
        self.blobs = root / "blobs"
        self.backups_dir = root / "backups"
        self.lock_path = root / LOCK_FILE
        self.lock_timeout = lock_timeout
        self.pending = self.blobs / PENDING_FILE
        self.lock_waited = 0.0  # seconds the last ``locked()`` waited for another writer
        self._put: list[str] = []  # blobs this process wrote and has not yet seen committed

    # ------------------------------------------------------------------ checks

    def exists(self) -> bool:
        return self.file.exists()

    def loose_permissions(self) -> list[str]:
        """Return the vault paths readable or writable by group or others."""
        loose = []
        for path in (self.root, self.blobs, self.backups_dir, self.file, self.lock_path):
            try:
                mode = path.stat().st_mode
            except FileNotFoundError:
                continue
            if stat.S_IMODE(mode) & 0o077:
                loose.append(str(path))
        return loose

    def read(self) -> bytes:
        """Return the raw vault file; raise NotFound / VaultError with one clear line."""
        try:
            return self.file.read_bytes()
        except FileNotFoundError:
            raise NotFound(
                f"no vault at {self.root} (create one with 'ctcm init', or pass --vault)"
            ) from None
        except IsADirectoryError:
            raise VaultError(f"{self.file} is not a vault file") from None
        except PermissionError:
            raise VaultError(f"permission denied reading {self.file}") from None

    def read_parsed(self) -> fmt.Parsed:
        return fmt.parse(self.read())

    # ------------------------------------------------------------------ lock

    @contextlib.contextmanager
    def locked(self, command: str = "ctcm") -> Iterator[None]:
        """Hold the exclusive writer lock, or raise VaultBusy (naming the holder) after the
        timeout. The holder writes its pid and command into the lock file."""
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except PermissionError:
            raise VaultError(f"permission denied on {self.lock_path}") from None
        except FileNotFoundError:
            raise NotFound(f"no vault at {self.root}") from None
        try:
            started = time.monotonic()
            if not _try_lock(fd):
                self._wait_for_lock(fd, started)
            self.lock_waited = time.monotonic() - started
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()} {command}\n".encode()[:200], 0)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _wait_for_lock(self, fd: int, started: float) -> None:
        """Wait for the writer lock until the timeout, then raise VaultBusy. In the main thread
        the wait is in the kernel's queue, first come first served, ended by a timer: polling
        let a waiter lose to others again and again (20 s waits among 8 writers, where the
        queue gives each its turn). Signals need the main thread: other threads poll."""
        if self.lock_timeout > 0 and threading.current_thread() is threading.main_thread():

            def expired(signum: int, frame: Any) -> None:
                raise _LockTimeout

            previous = signal.signal(signal.SIGALRM, expired)
            try:
                signal.setitimer(signal.ITIMER_REAL, self.lock_timeout)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                return
            except _LockTimeout:
                raise self._busy(fd) from None
            finally:
                signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
        deadline = started + self.lock_timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise self._busy(fd)
            time.sleep(0.05)

    def _busy(self, fd: int) -> VaultBusy:
        return VaultBusy(
            f"the vault is busy: {self._holder(fd)} has held the writer lock for more than "
            f"{self.lock_timeout:g}s; try again"
        )

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            pid, _, command = os.pread(fd, 256, 0).decode().strip().partition(" ")
        except (OSError, UnicodeDecodeError):
            return "another ctcm"
        if not pid.isdigit():
            return "another ctcm"
        return f"'ctcm {command}' (process {pid})" if command else f"process {pid}"

    # ------------------------------------------------------------------ create / save

    def create(self, pieces: Iterator[bytes]) -> None:
        """Create the directory layout and the first generation; refuse an existing vault."""
        if self.file.exists():
            raise VaultError(f"a vault already exists at {self.root}; refusing to overwrite it")
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        for sub in (self.blobs, self.backups_dir):
            sub.mkdir(mode=0o700, exist_ok=True)
        with self.locked():
            if self.file.exists():
                raise VaultError(f"a vault already exists at {self.root}; refusing to overwrite it")
            self._replace(pieces, keep_backup=False)

    def _replace(
        self,
        pieces: Iterator[bytes],
        keep_backup: bool,
        saved_at: datetime | None = None,
        generation: int = 0,
    ) -> None:
        tmp = self.root / f".{VAULT_FILE}.tmp-{secrets.token_hex(8)}"
        try:
            write_private(tmp, pieces)
            if keep_backup and self.file.exists():
                self._keep_backup(generation, saved_at or datetime.now(UTC))
            os.replace(tmp, self.file)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        _fsync_dir(self.root)

    def save(
        self,
        header: dict[str, Any],
        dek: bytes,
        image: bytes | memoryview,
        expected_generation: int,
        now: datetime,
        keep_backup: bool = True,
        retention: Retention | None = None,
        at_least: int = 0,
    ) -> dict[str, Any]:
        """Write a new generation; the caller holds the lock. Return the new header.
        ``keep_backup=False``: the generation replaced is not kept (an intermediate step).

        Raises VaultError if the file's generation is no longer ``expected_generation`` (another
        writer saved in between), so no update is ever silently lost.
        """
        current = self.read_parsed()
        if current.generation != expected_generation:
            raise VaultError(
                "the vault changed while this command ran (another ctcm saved); run it again"
            )
        new = dict(current.header) | {k: v for k, v in header.items() if k != "payload_salt"}
        new["generation"] = max(expected_generation + 1, at_least)
        new["saved_at"] = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._replace(
            fmt.encrypt(new, dek, image),
            keep_backup=keep_backup,
            saved_at=_parse_saved(current.header),
            generation=current.generation,
        )
        self.prune_backups(now, retention)
        return new

    def remove_stale_temps(self) -> int:
        """Delete the temp files a killed writer left (a half-written generation, blob or
        rewritten backup); return how many. The caller holds the lock: no live writer owns
        one then, and none of them is ever the live vault."""
        stale = [
            *self.root.glob(f".{VAULT_FILE}.tmp-*"),
            *self.blobs.glob(".tmp-*"),
            *self.backups_dir.glob(".*.tmp-*"),
        ]
        for path in stale:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return len(stale)

    # ------------------------------------------------------------------ pending blobs

    def pending_blobs(self) -> list[str]:
        """The blob ids listed by writers that have not (yet) seen their save through."""
        try:
            text = self.pending.read_text(errors="replace")
        except FileNotFoundError:
            return []
        # a line torn by a kill was never followed by its blob (the list is fsynced first)
        return [line for line in text.split("\n") if BLOB_ID_RE.fullmatch(line)]

    def settle_pending(self, named: Callable[[], set[str]]) -> int:
        """Under the lock, before this writer writes: delete each pending blob that ``named()``
        (the blob ids the live generation names) leaves out, then empty the list. Return how
        many were deleted. ``named`` is only called when there is a list."""
        pending = self.pending_blobs()
        if not pending and not self.pending.exists():
            return 0
        keep = named()
        orphans = [b for b in pending if b not in keep]
        for blob_id in orphans:
            with contextlib.suppress(FileNotFoundError):
                (self.blobs / blob_id).unlink()
        self.pending.unlink(missing_ok=True)
        if orphans:
            _fsync_dir(self.blobs)
        return len(orphans)

    def committed(self) -> None:
        """The save that names this process's new blobs is on disk: they are no longer
        pending."""
        if self._put:
            self.pending.unlink(missing_ok=True)
            self._put.clear()

    def discard_uncommitted(self, opened_generation: int) -> None:
        """The command failed: unless its save reached the disk after all, delete the blobs it
        wrote (no generation names them) and their pending entries. When the file cannot be
        read now, the list stays for the next writer to settle."""
        if not self._put:
            return
        try:
            live = self.read_parsed().generation
        except VaultError:
            return
        if live != opened_generation:
            self.committed()
            return
        for blob_id in self._put:
            with contextlib.suppress(FileNotFoundError):
                (self.blobs / blob_id).unlink()
        self.pending.unlink(missing_ok=True)
        self._put.clear()

    def _note_pending(self, blob_id: str) -> None:
        fd = os.open(self.pending, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, f"{blob_id}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    # ------------------------------------------------------------------ backups

    def _keep_backup(self, generation: int, saved_at: datetime) -> None:
        self.backups_dir.mkdir(mode=0o700, exist_ok=True)
        name = f"g{generation:08d}-{saved_at.astimezone(UTC):%Y%m%dT%H%M%SZ}.ctcm"
        target = self.backups_dir / name
        claimed = [b for b in self.list_backups() if b.generation == generation]
        if claimed:
            if any(os.path.samefile(b.path, self.file) for b in claimed):
                return
            live = self.file.read_bytes()
            if any(b.path.read_bytes() == live for b in claimed):
                return  # an older file put back in place: its backup is kept already
            raise VaultError(
                f"{claimed[0].path} already claims generation {generation}, which the live "
                "vault holds: a file was copied in by hand; move it out of backups/ and retry"
            )
        try:
            os.link(self.file, target)
        except OSError:
            write_private(target, [self.file.read_bytes()])
        _fsync_dir(self.backups_dir)

    def list_backups(self) -> list[Backup]:
        """Return the kept generations, newest first, each identified by its own header (a file
        that is not a vault, or whose name disagrees with its header, is left out)."""
        found = []
        if self.backups_dir.is_dir():
            for path in self.backups_dir.iterdir():
                match = BACKUP_RE.match(path.name)
                if not match:
                    continue
                try:
                    header = fmt.read_header(path)
                except (VaultError, OSError):
                    continue
                if int(header["generation"]) != int(match[1]):
                    continue
                found.append(Backup(int(header["generation"]), _parse_saved(header), path, header))
        return sorted(found, key=lambda b: b.generation, reverse=True)

    def prune_backups(self, now: datetime, retention: Retention | None = None) -> None:
        backups = self.list_backups()
        keep = backups_to_keep(backups, now, retention)
        for backup in backups:
            if backup.generation not in keep:
                with contextlib.suppress(FileNotFoundError):
                    backup.path.unlink()

    def rewrite_backup(self, backup: Backup, pieces: Iterator[bytes]) -> None:
        """Replace one backup file with new contents (a new file renamed over it)."""
        tmp = backup.path.with_name(f".{backup.path.name}.tmp-{secrets.token_hex(4)}")
        try:
            write_private(tmp, pieces)
            os.replace(tmp, backup.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            raise
        _fsync_dir(self.backups_dir)

    def find_backup(self, generation: int) -> Backup:
        matches = [b for b in self.list_backups() if b.generation == generation]
        if len(matches) > 1:
            names = ", ".join(b.path.name for b in matches)
            raise VaultError(f"more than one backup claims generation {generation} ({names})")
        if not matches:
            raise NotFound(f"no backup of generation {generation} (see 'ctcm backup list')")
        return matches[0]

    # ------------------------------------------------------------------ blobs

    def blob_path(self, blob_id: str) -> Path:
        if not BLOB_ID_RE.fullmatch(blob_id):
            raise VaultError(f"bad attachment id {blob_id!r}")
        return self.blobs / blob_id

    def put_blob(self, key: bytes, data: bytes) -> str:
        blob_id = secrets.token_hex(16)
        self.blobs.mkdir(mode=0o700, exist_ok=True)
        path = self.blob_path(blob_id)
        tmp = self.blobs / f".tmp-{blob_id}"
        self._note_pending(blob_id)  # before the blob: a kill can never leave it unlisted
        self._put.append(blob_id)
        write_private(tmp, [fmt.blob_encrypt(key, blob_id, data)])
        os.replace(tmp, path)
        _fsync_dir(self.blobs)
        return blob_id

    def get_blob(self, key: bytes, blob_id: str) -> bytes:
        try:
            data = self.blob_path(blob_id).read_bytes()
        except FileNotFoundError:
            raise VaultError(f"attachment {blob_id} is missing from {self.blobs}") from None
        return fmt.blob_decrypt(key, blob_id, data)


class _LockTimeout(Exception):
    """The timer that ends a wait for the writer lock went off."""


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno not in (errno.EAGAIN, errno.EACCES):
            raise
        return False
    return True


def _parse_saved(header: dict[str, Any]) -> datetime:
    try:
        return datetime.strptime(header["saved_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Retention:
    """How many backups are kept: the newest ``last`` generations, plus the newest of each of
    the last ``daily`` days, ``weekly`` ISO weeks and ``monthly`` months. ``monthly`` is never
    under 72: HIPAA documentation is kept six years (164.316(b)(2)(i)), and a backup may hold
    the only copy of a record a later restore replaced."""

    last: int = 10
    daily: int = 14
    weekly: int = 8
    monthly: int = 72

    SIX_YEARS = 72
    KEYS = ("last", "daily", "weekly", "monthly")

    @classmethod
    def from_settings(cls, settings: dict[str, str]) -> Retention:
        """The practice's retention (settings ``backup.last`` ...), defaults where unset."""
        raw = {key: settings.get(f"backup.{key}", "") for key in cls.KEYS}
        return cls(**{key: int(value) for key, value in raw.items() if value.isdigit()})


def backups_to_keep(
    backups: list[Backup], now: datetime, retention: Retention | None = None
) -> set[int]:
    """The generations a rotation keeps (see ``Retention``)."""
    r = retention or Retention()
    ordered = sorted(backups, key=lambda b: b.generation, reverse=True)
    keep = {b.generation for b in ordered[: r.last]}
    today = now.astimezone(UTC).date()

    def newest_per(
        key: Callable[[date], object], window: int, within: Callable[[date], bool]
    ) -> None:
        seen: set[object] = set()
        for b in ordered:
            day = b.saved_at.date()
            bucket = key(day)
            if within(day) and bucket not in seen and len(seen) < window:
                seen.add(bucket)
                keep.add(b.generation)

    months = max(r.monthly, Retention.SIX_YEARS)
    newest_per(lambda d: d, r.daily, lambda d: (today - d).days < r.daily)
    newest_per(lambda d: d.isocalendar()[:2], r.weekly, lambda d: (today - d).days < r.weekly * 7)
    newest_per(
        lambda d: (d.year, d.month),
        months,
        lambda d: (today.year - d.year) * 12 + today.month - d.month < months,
    )
    return keep
