"""Encrypted files a key rotation replaced (``slot remove``, ``user remove``): the old copies
stay while a kept backup under the old data key still names them, and go once none does.

Before the rotating save, their ids are listed in ``blobs/.retired`` (with the old data key's
id), fsynced. The rotation deletes them after its save; a run killed before that leaves the
list, and the next writer, under the lock, deletes each listed file that the live generation
does not name and that no kept backup under its data key can need (so a kill at any point
leaves no file that nothing names past the next write)."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterable

from ctcm.vault.store import BLOB_ID_RE, VaultDir

RETIRED_FILE = ".retired"


def retire(vault: VaultDir, dek_id: str, blob_ids: Iterable[str]) -> None:
    """List ``blob_ids`` (written under the data key ``dek_id``) as replaced; fsynced before
    the rotating save is written."""
    lines = "".join(f"{dek_id} {b}\n" for b in blob_ids)
    if not lines:
        return
    path = vault.blobs / RETIRED_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, lines.encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def settle(vault: VaultDir, named: Callable[[], set[str]]) -> int:
    """Under the lock, before this writer writes: delete each retired file that neither the
    live generation (``named()``) nor a kept backup under its old data key may need; keep the
    rest listed. Return how many were deleted."""
    path = vault.blobs / RETIRED_FILE
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return 0
    entries = [tuple(line.split(" ", 1)) for line in text.split("\n") if " " in line]
    entries = [(d, b) for d, b in entries if BLOB_ID_RE.fullmatch(b)]  # a torn line: skipped
    held = {str(b.header.get("dek_id")) for b in vault.list_backups()}
    live = named()
    keep, gone = [], 0
    for dek_id, blob_id in entries:
        if dek_id in held or blob_id in live:
            keep.append(f"{dek_id} {blob_id}\n")
            continue
        with contextlib.suppress(FileNotFoundError):
            (vault.blobs / blob_id).unlink()
            gone += 1
    if keep:  # a temp a kill leaves is removed with the others (VaultDir.remove_stale_temps)
        tmp = vault.blobs / f".tmp-retired-{secrets.token_hex(6)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("".join(keep))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    else:
        path.unlink(missing_ok=True)
    return gone
