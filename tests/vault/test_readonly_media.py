"""Readers work on read-only media (a backup disk, an auditor's copy): every read command gives
its normal output with one warning that the read is not recorded."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Cli, run_ctcm


@pytest.fixture
def read_only_copy(cli: Cli, tmp_path: Path):  # type: ignore[no-untyped-def]
    source = tmp_path / "copy"
    shutil.copytree(cli.vault, source)
    mount = tmp_path / "ro"
    mount.mkdir()
    ok = subprocess.run(["mount", "--bind", str(source), str(mount)], capture_output=True)
    if ok.returncode != 0:
        pytest.skip("needs root to make a read-only bind mount")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_every_reader_works_on_a_read_only_vault(cli: Cli, read_only_copy: Path) -> None:
    env = {
        "CTCM_VAULT": str(read_only_copy),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_STATE_DIR": str(cli.tmp / "state-ro"),
    }
    out = cli.tmp / "out"
    for args in (
        ("status",),
        ("due",),
        ("audit", "verify"),
        ("backup", "verify"),
        ("backup", "export", str(out / "export")),
        ("packet", "build", "--out", str(out / "packet")),
    ):
        r = run_ctcm(*args, env=env)
        assert r.returncode == 0, (args, r.stderr)
        assert "Traceback" not in r.stderr
        assert r.stderr.count("is read-only") <= 1, (args, r.stderr)
    r = run_ctcm("person", "add", "x", "--name", "X", "--email", "x@example.org", env=env)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_read_only_state_folder_never_makes_a_saved_write_look_failed(
    cli: Cli, tmp_path: Path
) -> None:
    import json

    state = tmp_path / "state"
    env = {
        "CTCM_VAULT": str(cli.vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_STATE_DIR": str(state),
    }
    assert run_ctcm("status", env=env).returncode == 0  # the state folder exists now
    mount = tmp_path / "state-ro"
    mount.mkdir()
    if subprocess.run(["mount", "--bind", str(state), str(mount)], capture_output=True).returncode:
        pytest.skip("needs root to make a read-only bind mount")
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(mount)], check=True)
        env["CTCM_STATE_DIR"] = str(mount)
        r = run_ctcm("person", "add", "ro", "--name", "R O", "--email", "ro@example.org", env=env)
        assert r.returncode == 0 and "nothing to redo" in r.stderr, r.stderr
    finally:
        subprocess.run(["umount", str(mount)], check=False)
    env["CTCM_STATE_DIR"] = str(state)
    people = json.loads(run_ctcm("person", "list", "--format", "json", env=env).stdout)
    assert [p["id"] for p in people].count("ro") == 1
