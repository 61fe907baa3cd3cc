"""Locating the top-level templates/ and examples/ directories: inside the installed wheel
(``ctcm/_shipped/``), or at the top of a source checkout (editable installs)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ctcm.errors import NotFound


def shipped_dir(name: str) -> Path:
    installed = Path(str(resources.files("ctcm"))) / "_shipped" / name
    if installed.is_dir():
        return installed
    source = Path(__file__).resolve().parents[2] / name
    if source.is_dir():
        return source
    raise NotFound(f"ctcm's {name}/ directory is not installed")
