"""Every command has help text with an example, and the README documents every command."""

from __future__ import annotations

from typing import Any

import pytest
from typer.main import get_command

from ctcm.cli.app import app
from tests.conftest import ROOT


def _commands() -> list[tuple[str, Any]]:
    root = get_command(app)
    out = []

    def walk(prefix: str, cmd: Any) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            path = f"{prefix} {name}".strip()
            out.append((path, sub))
            walk(path, sub)

    walk("", root)
    return out


COMMANDS = _commands()


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_has_help(path: str, cmd: Any) -> None:
    assert cmd.help and cmd.help.strip(), path
    if not hasattr(cmd, "commands"):
        assert "Example: ctcm" in cmd.help or "Example: eval" in cmd.help, path


def test_the_written_docs_mention_every_command() -> None:
    """README and docs/ (the guides and area pages; not the generated reference) name every
    command somewhere a reader would look for it."""
    pages = [ROOT / "README.md"] + [
        f for f in (ROOT / "docs").rglob("*.md") if f.name != "commands.md"
    ]
    text = "\n".join(f.read_text() for f in pages)
    missing = [p for p, _ in COMMANDS if f"ctcm {p}" not in text]
    assert not missing, f"README and docs/ do not document: {missing}"


def test_every_link_of_the_readme_and_docs_leads_somewhere() -> None:
    import re

    broken = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", page.read_text())
        if not (page.parent / target).exists()
    ]
    assert not broken, broken


def test_help_via_runner(cli: Any) -> None:
    for path, _ in COMMANDS:
        r = cli(*path.split(), "--help")
        assert r.exit_code == 0 and "Usage:" in r.stdout, path
