"""Every option and argument of every command, given each class of hostile value the
reliability run found (issue 28): NUL, a surrogate (a non-UTF-8 byte on a Latin-1 terminal),
a huge number, years 1 and 9999, an empty string. Each answer is a documented exit code with
at most one error line on stderr, never an exception. In-process (the real CLI tree, a real vault)
so that a thousand invocations take seconds."""

from __future__ import annotations

from typing import Any

import click
import pytest
from typer.main import get_command

from ctcm.cli.app import app
from ctcm.errors import ExitCode
from tests.conftest import Cli

CODES = {int(c) for c in ExitCode}  # the documented exit codes (docs/reference.md)
HOSTILE = ("a\x00b", "\udcff", "9" * 40, "0001-01-01", "9999-12-31", "")


def _leaves() -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []

    def walk(prefix: str, cmd: Any) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(f"{prefix} {name}".strip(), sub)
        elif prefix:
            out.append((prefix, cmd))

    walk("", get_command(app))
    return out


def _argv(path: str, cmd: Any, shift: int) -> list[str]:
    """The command with every parameter given a hostile value (parameter i gets class
    i + shift), flags left off."""
    argv = path.split()
    args: list[str] = []
    for i, param in enumerate(cmd.params):
        value = HOSTILE[(i + shift) % len(HOSTILE)]
        if isinstance(param, click.Argument):
            args.append(value)
        elif isinstance(param, click.Option) and not param.is_flag and param.name != "help":
            args += [param.opts[0], value]
    return [*argv, *args]


LEAVES = _leaves()


@pytest.mark.parametrize(("path", "cmd"), LEAVES, ids=[p for p, _ in LEAVES])
def test_every_option_takes_every_hostile_value(
    cli: Cli, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, path: str, cmd: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # a relative path ("" or a date) lands here, never in the tree
    env = {"CTCM_CONFIG_DIR": str(tmp_path / "config")}
    for shift in range(len(HOSTILE)):
        argv = _argv(path, cmd, shift)
        r = cli(*argv, env=env)  # an exception (a traceback at the terminal) fails here
        assert r.exit_code in CODES, (argv, r.exit_code, r.stderr)
        lines = [x for x in r.stderr.splitlines() if x.startswith("ctcm: ")]
        assert len(lines) <= 1, (argv, r.stderr)
