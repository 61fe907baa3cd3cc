"""docs/commands.md is the CLI's own help, regenerated: every command is in it, as it is."""

from __future__ import annotations

from tests.conftest import ROOT


def test_the_command_reference_is_the_cli_help() -> None:
    from ctcm.cli.reference import reference
    from ctcm.services.roles import COMMANDS

    text = reference()
    assert (ROOT / "docs" / "commands.md").read_text() == text, (
        "docs/commands.md is out of date: run make docs"
    )
    for command in COMMANDS:
        assert f"## `ctcm {command}`" in text, command
