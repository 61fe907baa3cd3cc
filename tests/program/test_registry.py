"""The one registry of program areas: every entry names a function that exists, each area's
key once, and reading it imports no area until asked."""

from __future__ import annotations

import subprocess
import sys

from ctcm.registry import AREAS, PACKET_FIRST, PACKET_LAST, load


def test_every_entry_names_a_function_and_keys_are_unique() -> None:
    refs = [r for a in AREAS for r in (a.due, *a.sections, *a.packet)] + [
        *PACKET_FIRST,
        *PACKET_LAST,
    ]
    assert all(callable(load(ref)) for ref in refs)
    keys = [a.key for a in AREAS]
    assert len(keys) == len(set(keys))


def test_importing_the_registry_imports_no_area() -> None:
    code = (
        "import sys, ctcm.registry; "
        "print(sorted(m for m in sys.modules if m.startswith('ctcm.services')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
