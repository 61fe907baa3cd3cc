"""The exit-code table (docs/reference.md) is the code's: every ExitCode is documented with its number,
nothing else is, and the cases the README names end with the code it gives."""

from __future__ import annotations

import re

from ctcm.errors import CtcmError, ExitCode
from tests.conftest import ROOT, Cli, run_ctcm


def _table() -> dict[int, str]:
    text = (ROOT / "docs" / "reference.md").read_text()
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m[1]): m[2] for m in re.finditer(r"^\| (\d+) \| (.+) \|$", section, re.M)}


def _subclasses(cls: type) -> list[type]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_subclasses(sub)]
    return out


def test_the_exit_code_table_matches_the_code() -> None:
    import ctcm.areas.risk.service  # noqa: F401
    import ctcm.services.roles  # noqa: F401  (its error class)

    table = _table()
    assert set(table) == {int(code) for code in ExitCode}
    for sub in _subclasses(CtcmError):
        assert int(sub.exit_code) in table, sub


def test_the_cases_the_readme_names_exit_as_it_says(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    table = _table()
    vault = {"CTCM_VAULT": str(cli.vault)}
    r = run_ctcm("status", env=vault | {"CTCM_IDENTITY_FILE": str(tmp_path / "nope")})
    assert r.returncode == 1 and "missing or unreadable identity file" in table[1]
    r = run_ctcm("status", env=vault)  # no key at all, no terminal
    assert r.returncode == 5 and "no key is available" in table[5]
    r = run_ctcm("status", "--no-such-option", env=vault)
    assert r.returncode == 2 and "usage error" in table[2]
