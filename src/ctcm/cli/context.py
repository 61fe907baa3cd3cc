"""AppContext: the Environment plus the terminal facts the CLI needs (in ``ctx.obj``)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer

from ctcm.environment import Environment
from ctcm.render.formats import OutputFormat, Style, View, render


@dataclass
class AppContext:
    environment: Environment = field(default_factory=Environment)
    stdout_isatty: bool = False
    width: int = 100

    @classmethod
    def from_process(cls) -> AppContext:
        interactive = sys.stdin is not None and sys.stdin.isatty()
        env = Environment(
            env=dict(os.environ),
            interactive=interactive,
            prompt_secret=lambda text: typer.prompt(text.rstrip(": "), hide_input=True, err=True),
        )
        env.warn = lambda line: typer.echo(line, err=True)
        width = 100
        if sys.stdout.isatty():
            width = os.get_terminal_size().columns if hasattr(os, "get_terminal_size") else 100
        return cls(env, sys.stdout.isatty(), width)

    @property
    def style(self) -> Style:
        env = self.environment.env
        color = self.stdout_isatty and not env.get("NO_COLOR") and env.get("TERM") != "dumb"
        return Style(color=color, width=self.width)

    def show(self, view: View, fmt: OutputFormat = OutputFormat.TABLE) -> None:
        """Render data to stdout."""
        typer.echo(render(view, fmt, self.style), nl=False)

    def say(self, message: str) -> None:
        """A message for the person (stderr), never data."""
        typer.echo(message, err=True)


def app_context(ctx: typer.Context) -> AppContext:
    """The process's AppContext; called from a command, it also records which command runs
    ("person add"), for the permission table."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    if ctx.parent is not None and " " in ctx.command_path:
        obj.environment.command = ctx.command_path.split(" ", 1)[1]
    return obj


def opened(ctx: typer.Context, command: str, write: bool = True, **options):  # type: ignore[no-untyped-def]
    """Open the practice for one command (services imported here, not at start-up).

    ``write=False`` for commands that only read: no lock, no save, audit entry in the journal.
    """
    from ctcm.services.practice import open_practice

    return open_practice(app_context(ctx).environment, command, write=write, **options)


def write_output(actx: AppContext, text: str, out: Path | None) -> None:
    """Print ``text``, or write it to ``out`` as a new 0600 file: written to a temp file beside
    it and renamed over it, so a symlink at ``out`` is replaced, never followed, and an
    existing file's looser mode is not kept (an export may hold PHI)."""
    if out is None:
        typer.echo(text, nl=False)
        return
    write_private(out, text.encode("utf-8"))
    actx.say(f"Wrote {out}.")


def write_private(out: Path, data: bytes) -> None:
    """A new 0600 file at ``out`` (render/private.py)."""
    from ctcm.render.private import replace_private

    replace_private(out, data)
