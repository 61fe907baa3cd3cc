"""`make install` puts a `ctcm` that cron finds by its absolute path, with a minimal PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE, ROOT, Template


@pytest.mark.slow
def test_make_install_gives_a_ctcm_that_cron_can_run(tmp_path: Path, template: Template) -> None:
    if shutil.which("make") is None:  # pragma: no cover - make is part of the toolchain
        pytest.skip("make is not installed")
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CTCM_", "VIRTUAL_ENV"))}
    env |= {"HOME": str(home), "XDG_DATA_HOME": ""}
    r = subprocess.run(
        ["make", "-C", str(ROOT), "install", "PYTHON=python3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    ctcm = home / ".local" / "bin" / "ctcm"
    assert ctcm.is_symlink() and "ctcm --version" in r.stdout
    vault = tmp_path / "vault"
    shutil.copytree(template.vault, vault)
    passfile = tmp_path / "pass"
    passfile.write_text(PASSPHRASE + "\n")
    passfile.chmod(0o600)
    # what cron gives a job: almost no environment, /usr/bin:/bin only
    cron_env = {
        "HOME": str(home),
        "PATH": "/usr/bin:/bin",
        "CTCM_VAULT": str(vault),
        "CTCM_PASSPHRASE_FILE": str(passfile),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    r = subprocess.run(
        ["sh", "-c", f"{ctcm} --version && {ctcm} status --format json"],
        env=cron_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ctcm ") and '"practice": "Test Practice"' in r.stdout
    r = subprocess.run(["sh", "-c", "ctcm --version"], env=cron_env, capture_output=True)
    assert r.returncode == 127  # the bare name is not on cron's PATH: recipes use the full path
