"""Bad input never hurts (issue 28): no traceback for non-UTF-8 argv or environment and
out-of-range dates (one line, exit 2); packet CSVs are formula-safe like every CSV ctcm writes;
the practice list is private from its first byte."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from tests.conftest import Cli, run_ctcm


def _env(cli: Cli, **extra: str) -> dict[str, str]:
    return {"CTCM_VAULT": str(cli.vault), "CTCM_IDENTITY_FILE": str(cli.identity), **extra}


def test_non_utf8_and_out_of_range_dates_are_one_line_exit_2(cli: Cli) -> None:
    cases = [
        (("status",), {"CTCM_TODAY": "9999-12-31"}),
        (("status",), {"CTCM_TODAY": "0001-01-02"}),
        (("--as-of", "9999-12-01", "status"), {}),
        (("--as-of", "0001-01-01", "due"), {}),
        (("doc", "add", "x", "npi", "--expires", "9999-01-01"), {}),
    ]
    for args, extra in cases:
        r = run_ctcm(*args, env=_env(cli, **extra))
        assert r.returncode == 2, (args, extra, r.stderr)
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert "1900 to 2199" in r.stderr
    latin1 = os.fsdecode(b"Jos\xe9")  # what Python makes of a Latin-1 terminal's bytes
    for args, extra in [
        (("person", "add", "jose", "--name", latin1, "--email", "j@example.org"), {}),
        (("status",), {"CTCM_USER": latin1}),
    ]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CTCM_")}
        env.update(_env(cli, **extra))
        import subprocess

        from tests.conftest import CTCM_BIN

        r = subprocess.run([str(CTCM_BIN), *args], env=env, capture_output=True)
        err = r.stderr.decode()
        assert r.returncode == 2 and "not valid UTF-8" in err and "Traceback" not in err, err


def test_packet_csvs_are_formula_safe(cli: Cli, tmp_path: Path) -> None:
    cli.ok("person", "add", "evil", "--name", "=HYPERLINK(\"http://x\",\"y\")", "--email",
           "e@example.org", "--title", "@SUM(A1)")  # fmt: skip
    cli.ok("incident", "add", "--discovered", "2026-03-01", "--summary", "-2+3 restored")
    out = tmp_path / "p"
    cli.ok("packet", "build", "--out", str(out))
    cells = [
        cell
        for f in out.rglob("*.csv")
        for row in csv.reader(io.StringIO(f.read_text()))
        for cell in row
    ]
    assert '\'=HYPERLINK("http://x","y")' in cells and "'@SUM(A1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "@", "+") or c.startswith("-2")]


def test_the_practice_list_is_private_from_its_first_byte(cli: Cli, tmp_path: Path) -> None:
    config = {"CTCM_CONFIG_DIR": str(tmp_path / "config")}
    old = os.umask(0o022)
    try:
        cli.ok("practice", "register", "lakeside", str(cli.vault), env=config)
    finally:
        os.umask(old)
    path = tmp_path / "config" / "practices.toml"
    assert (path.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["practices.toml"]
