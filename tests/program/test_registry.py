"""The one registry of program areas: every entry names a function that exists, each area's
key once, reading it imports no area until asked, and a new area is its own package plus one
registry line (status, due and the packet then show it with no other change)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ctcm import registry
from ctcm.registry import PACKET_FIRST, PACKET_LAST, areas, load
from tests.conftest import Cli


def test_every_entry_names_a_function_and_keys_are_unique() -> None:
    refs = [
        r for a in areas() for r in (a.obligations, *a.sections, *a.packet, *a.person_requirements)
    ] + [
        *PACKET_FIRST,
        *PACKET_LAST,
    ]
    assert all(callable(load(ref)) for ref in refs)
    keys = [a.key for a in areas()]
    assert len(keys) == len(set(keys))
    assert [f"ctcm.areas.{k}" for k in keys] == list(registry.AREA_PACKAGES)


def test_importing_the_registry_imports_no_area() -> None:
    code = (
        "import sys, ctcm.registry; "
        "print(sorted(m for m in sys.modules if m.startswith(('ctcm.services', 'ctcm.areas'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


AREA = '''
"""A made-up area: fire drills."""
from datetime import timedelta

from ctcm.domain.credentials import Light, Reason, RequirementStatus
from ctcm.domain.program import DueItem
from ctcm.program.area import Area, Section
from ctcm.services.packetparts import PacketFile

AREA = Area("drills", "Fire drills", "drillarea:due", ("drillarea:section",), ("drillarea:part",),
            ("drillarea:wardens",))


def wardens(p, people):
    return {x.id: (RequirementStatus("@drill", "Fire warden course", Light.RED, Reason.MISSING,
                                     None, None, None, None, kind="drill"),)
            for x in people if x.id == "ann"}


def due(p, until):
    yield DueItem(p.today + timedelta(days=3), "drills", "Run the fire drill", None,
                  Light.YELLOW, "drill:1")


def section(p):
    return Section("drills", Light.YELLOW, {"status": "yellow", "next": "drill"},
                   ("Fire drill due in 3 days",), ("Fire drill due in 3 days",))


def part(p, spec):
    return [PacketFile("drills/drills.csv", b"date\\n", "Fire drills")]
'''


def test_a_new_area_is_a_package_and_one_registry_line(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "drillarea.py").write_text(textwrap.dedent(AREA))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "AREA_PACKAGES", (*registry.AREA_PACKAGES, "drillarea"))
    areas.cache_clear()
    try:
        due = json.loads(cli.ok("due", "--format", "json").stdout)
        assert any(i["what"] == "Run the fire drill" for i in due["items"]), due
        status = json.loads(cli.ok("status", "--format", "json").stdout)
        assert status["program"]["drills"]["next"] == "drill"
        assert "Fire drill due in 3 days" in cli.ok("status").stdout
        cli.ok("packet", "build", "--out", str(tmp_path / "p"))
        assert (tmp_path / "p" / "drills" / "drills.csv").exists()
        # what the area adds to a person's own light
        cli.ok("person", "add", "ann", "--name", "Ann Able", "--email", "ann@example.org")
        cli.ok("person", "add", "bob", "--name", "Bob Burns", "--email", "bob@example.org")
        people = {
            x["id"]: x for x in json.loads(cli.ok("status", "--format", "json").stdout)["people"]
        }
        assert people["ann"]["status"] == "red" and people["bob"]["status"] != "red"
        assert "drill: missing" in cli.ok("status").stdout
    finally:
        areas.cache_clear()
