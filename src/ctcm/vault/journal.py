"""The read journal: where read-only commands leave their audit entry without touching the vault.

``journal`` beside ``vault.ctcm`` is append-only: one line per command, each an AES-256-GCM
record under a key derived from the data key, holding the hash of the line before it (a chain
that starts afresh after each fold). Appends take a short ``flock`` on the journal itself; the
next write folds the journal into the audit trail inside the vault and empties it. A line cut
short by a killed reader is ignored and trimmed by the next append.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ctcm.errors import VaultError
from ctcm.vault import format as fmt

JOURNAL_FILE = "journal"
GENESIS = "0" * 64
TAIL = 1 << 16  # enough to find the last whole line (records are a few hundred bytes)


def journal_key(dek: bytes) -> bytes:
    return fmt._hkdf(dek, "ctcm/v2 journal")


@dataclass(frozen=True, slots=True)
class JournalRecord:
    ts: str
    actor: str
    command: str
    targets: tuple[str, ...]
    generation: int
    hash: str


@dataclass(frozen=True, slots=True)
class JournalRead:
    records: list[JournalRecord]  # the verified prefix
    broken_at: int | None  # 1-based line of the first record that fails, else None
    incomplete_tail: bool  # a last line cut short (a reader killed mid-append)
    folded_lines: int = 0  # lines a save folded already, left by a kill before it emptied them


def _line_hash(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


class Journal:
    def __init__(self, root: Path, vault_id: str) -> None:
        self.path = root / JOURNAL_FILE
        self.vault_id = vault_id

    @contextlib.contextmanager
    def locked(self) -> Iterator[int]:
        """Hold the journal's lock (short: one append, or one fold and save)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
        except OSError as err:
            raise VaultError(f"cannot open {self.path}: {err.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield fd
        finally:
            os.close(fd)

    def append(
        self,
        dek: bytes,
        ts: str,
        actor: str,
        command: str,
        targets: Iterable[str],
        generation: int,
        expect: str = "",
    ) -> tuple[str, bool]:
        """Append one sealed record chained to the last whole line; return its hash (this
        machine keeps it, so a journal cut short after it is noticed) and whether ``expect``
        (the record this machine appended before) is gone from the journal."""
        with self.locked() as fd:
            prev = self._trim_and_last_hash(fd)
            lost = (
                bool(expect)
                and prev != expect
                and expect not in {r.hash for r in self.read(dek, fd).records}
            )
            body = fmt.canonical_json(
                {
                    "prev": prev,
                    "ts": ts,
                    "actor": actor,
                    "command": command,
                    "targets": list(targets),
                    "generation": generation,
                }
            )
            nonce = os.urandom(12)
            sealed = AESGCM(journal_key(dek)).encrypt(nonce, body, self.vault_id.encode())
            line = base64.b64encode(nonce + sealed) + b"\n"
            os.write(fd, line)
            os.fsync(fd)
            return _line_hash(line[:-1]), lost

    def _trim_and_last_hash(self, fd: int) -> str:
        """Cut a last line left unfinished by a killed reader; return the last line's hash."""
        size = os.fstat(fd).st_size
        offset = max(0, size - TAIL)
        data = os.pread(fd, size - offset, offset)
        if offset > 0:  # drop the first, possibly partial, line of the tail
            first = data.find(b"\n")
            if first < 0 or data.count(b"\n") < 2:
                offset, data = 0, os.pread(fd, size, 0)
            else:
                offset, data = offset + first + 1, data[first + 1 :]
        if data and not data.endswith(b"\n"):
            cut = data.rfind(b"\n") + 1
            os.ftruncate(fd, offset + cut)
            data = data[:cut]
            if not data and offset > 0:
                offset, data = 0, os.pread(fd, offset, 0)
        lines = data.split(b"\n")[:-1]
        return _line_hash(lines[-1]) if lines else GENESIS

    def read(self, dek: bytes, fd: int | None = None, folded: str | None = None) -> JournalRead:
        """Decrypt and check every record; stop at the first that fails. ``folded`` (the
        vault's ``journal_folded``: the hash of the last line the last save folded in) marks
        the lines a save that was killed before emptying the journal left behind: they are
        in the trail already and are skipped unread (after a key rotation their old key is
        gone)."""
        try:
            if fd is None:
                data = self.path.read_bytes()
            else:
                data = os.pread(fd, os.fstat(fd).st_size, 0)
        except FileNotFoundError:
            return JournalRead([], None, False)
        incomplete = bool(data) and not data.endswith(b"\n")
        lines = data.split(b"\n")[:-1] if data else []
        aead = AESGCM(journal_key(dek))
        prev = GENESIS
        skipped = 0
        if folded:
            hashes = [_line_hash(line) for line in lines]
            if folded in hashes:
                skipped = hashes.index(folded) + 1
                prev = folded
        records: list[JournalRecord] = []
        for number, line in enumerate(lines[skipped:], start=skipped + 1):
            try:
                raw = base64.b64decode(line, validate=True)
                body = json.loads(aead.decrypt(raw[:12], raw[12:], self.vault_id.encode()))
                if body["prev"] != prev:
                    raise ValueError
                record = JournalRecord(
                    str(body["ts"]),
                    str(body["actor"]),
                    str(body["command"]),
                    tuple(str(t) for t in body["targets"]),
                    int(body["generation"]),
                    _line_hash(line),
                )
            except (InvalidTag, ValueError, KeyError, TypeError):
                return JournalRead(records, number, incomplete, skipped)
            records.append(record)
            prev = record.hash
        return JournalRead(records, None, incomplete, skipped)

    def clear(self, fd: int) -> None:
        """Empty the journal (the caller holds its lock and has saved what it held)."""
        os.ftruncate(fd, 0)
        os.fsync(fd)

    def set_aside(self, fd: int, stamp: str) -> Path:
        """Keep a journal that failed verification as evidence, and start a new one."""
        data = os.pread(fd, os.fstat(fd).st_size, 0)
        kept = self.path.with_name(f"{JOURNAL_FILE}.damaged-{stamp}")
        fd2 = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd2, "wb") as fh:
            fh.write(data)
        self.clear(fd)
        return kept
