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
