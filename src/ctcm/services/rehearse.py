"""Rehearsal copies (``ctcm rehearse DIR``): the vault as it is now, marked inside its
authenticated header as a rehearsal, so that nothing done to it reaches real people or the real
vault. Its mail goes to files (``DIR/rehearsal-mail``) even with ``--send``; every message says
REHEARSAL; this machine keeps a separate record of it (a copy run ahead with ``CTCM_TODAY``
never makes the real vault look rolled back)."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from ctcm.errors import InvalidInput
from ctcm.services.practice import Practice
from ctcm.services.vaultops import export_backup
from ctcm.vault import format as fmt


@dataclass(frozen=True, slots=True)
class RehearsalCopy:
    path: Path
    generation: int
    mail: Path


def make_rehearsal(p: Practice, dest: Path) -> RehearsalCopy:
    """Copy the current generation, its scans and template overrides to ``dest`` (new or
    empty) and mark the copy's header as a rehearsal; the real vault is only read."""
    if p.rehearsal_copy:
        raise InvalidInput("this vault is a rehearsal copy already: rehearse on it as it is")
    parsed = fmt.parse(p.vault.file.read_bytes())
    image = fmt.decrypt(parsed, p.unlocked.dek)
    header = dict(parsed.header)
    header["rehearsal"] = {"id": secrets.token_hex(8), "made": p.now_iso}
    marked = b"".join(fmt.encrypt(header, p.unlocked.dek, image))
    target = export_backup(p, dest, None, content=marked)
    overrides = p.vault.root / "templates"
    if overrides.is_dir() and not overrides.is_symlink():
        shutil.copytree(overrides, dest / "templates", symlinks=False)
    p.touch(f"rehearsal:{dest}")
    return RehearsalCopy(target.parent, parsed.generation, dest / "rehearsal-mail")
