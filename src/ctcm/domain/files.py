"""Naming files ctcm writes for a person to open (exports, packets, .eml files)."""

from __future__ import annotations

import os
from collections.abc import Callable


def numbered(name: str, taken: Callable[[str], bool]) -> str:
    """``name``, or the first of ``stem-1.ext``, ``stem-2.ext``, ... that is not ``taken``."""
    stem, suffix = os.path.splitext(name)
    candidate, n = name, 0
    while taken(candidate):
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    return candidate


def packet_name(stem: str, original: str) -> str:
    """A stored file's name in a packet: ``stem`` (what the index needs: a document number and
    type, a vendor key) and the original's extension only. The name a person gave the file
    (often their name, a license number, a date of birth) never leaves the vault this way."""
    ext = os.path.splitext(original)[1].lower()
    return stem + (ext if ext[1:].isalnum() and ext[1:].isascii() and len(ext) <= 9 else "")


# what a scan or photo of a document may be, known by its first bytes (never its name)
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


def document_kind(content: bytes) -> str | None:
    """ "PDF", "PNG image", "JPEG image" or "HEIC image" by content; None for anything else."""
    if content.startswith(b"%PDF-"):
        return "PDF"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG image"
    if content.startswith(b"\xff\xd8\xff"):
        return "JPEG image"
    if content[4:8] == b"ftyp" and content[8:12] in _HEIF_BRANDS:
        return "HEIC image"
    return None
