"""The command reference (docs/commands.md) written from the CLI's own help, so it cannot drift
from it: ``python -m ctcm.cli.reference > docs/commands.md`` (``make docs``); a test compares."""

from __future__ import annotations

from typing import Any


def _walk(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    out = [(path, command)]
    for name in sorted(getattr(command, "commands", {})):
        out += _walk(command.commands[name], [*path, name])
    return out


def reference() -> str:
    import typer.main

    from ctcm.cli.app import app

    root = typer.main.get_command(app)
    lines = [
        "# Command reference",
        "",
        "Written from the CLI's own help by `make docs` (`python -m ctcm.cli.reference`); a test",
        "checks it matches. `ctcm COMMAND --help` shows the same text.",
        "",
    ]
    for path, command in _walk(root, ["ctcm"]):
        ctx = typer.Context(command, info_name=" ".join(path), max_content_width=100)
        ctx.terminal_width = 100
        title = " ".join(path)
        lines += [f"## `{title}`", "", "```text", command.get_help(ctx).rstrip(), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(reference(), end="")
