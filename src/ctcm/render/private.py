"""Files ctcm writes for the user outside the vault (exports, pages, reports): private from
the first byte and never through a link planted at the name."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from ctcm.errors import InvalidInput


def replace_private(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out`` as a new 0600 file: a temp file beside it, fsynced and renamed
    over it, so a symlink at ``out`` is replaced, never followed, and an existing file's looser
    mode is not kept. One line (InvalidInput) when it cannot."""
    if out.is_dir() and not out.is_symlink():
        raise InvalidInput(f"cannot write {out}: it is a directory")
    tmp = out.with_name(f".{out.name}.tmp-{secrets.token_hex(4)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as err:
        raise InvalidInput(f"cannot write {out}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except OSError as err:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise InvalidInput(f"cannot write {out}: {err.strerror}") from None
