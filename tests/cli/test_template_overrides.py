"""Template overrides are read safely (issue 28): a symlinked override (which would mail out
any file the running user can read), one open to others' writes, or an oversized one is
refused with one line; a runaway template is cut off by the sandbox."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Cli


def _override(cli: Cli, name: str) -> Path:
    path = cli.vault / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _digest(cli: Cli, tmp_path: Path) -> object:
    cli.ok("mail", "configure", "--admins", "boss@example.org")
    return cli("digest", "--out", str(tmp_path / "out"), "--force")


def test_a_symlinked_override_is_refused_and_mails_nothing(cli: Cli, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    os.symlink(secret, _override(cli, "email/digest.txt.j2"))
    r = _digest(cli, tmp_path)
    assert r.exit_code == 1 and "is a symlink: refused" in r.stderr  # type: ignore[attr-defined]
    out = tmp_path / "out"
    assert not out.exists() or "TOP-SECRET" not in "".join(
        p.read_text(errors="replace") for p in out.rglob("*") if p.is_file()
    )


@pytest.mark.parametrize("problem", ["group-writable", "oversized", "runaway", "flood"])
def test_unsafe_overrides_are_refused_with_one_line(cli: Cli, tmp_path: Path, problem: str) -> None:
    path = _override(cli, "email/digest.txt.j2")
    if problem == "group-writable":
        path.write_text("hello {{ practice }}")
        path.chmod(0o664)
        words = "can be changed by others"
    elif problem == "oversized":
        path.write_text("x" * (300 << 10))
        words = "larger than 256 KiB"
    elif problem == "runaway":
        path.write_text("{% for i in range(10**9) %}x{% endfor %}")
        words = "Range too big"
    else:  # within the sandbox's ranges, but a flood of output
        loop = "{% for j in range(99999) %}xx{% endfor %}"
        path.write_text("{% for i in range(99999) %}" + loop + "{% endfor %}")
        words = "more than 8 MiB"
    r = _digest(cli, tmp_path)
    assert r.exit_code == 1, r.stderr  # type: ignore[attr-defined]
    assert words in r.stderr and "Traceback" not in r.stderr  # type: ignore[attr-defined]
    assert len(r.stderr.strip().splitlines()) == 1  # type: ignore[attr-defined]
