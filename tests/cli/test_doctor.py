"""`ctcm doctor` on a healthy vault and on a broken one."""

from __future__ import annotations

import json
from pathlib import Path

from ctcm.environment import Environment
from ctcm.services.doctor import _mount_of, file_checks
from ctcm.vault.store import VaultDir
from tests.conftest import Cli
from tests.storage.test_audit_and_migrations import _rewrite_vault


def _levels(cli: Cli, *extra: str) -> tuple[int, dict[str, str]]:
    r = cli("doctor", "--format", "json", *extra)
    return r.exit_code, {c["check"]: c["level"] for c in json.loads(r.stdout)}


def test_a_healthy_vault(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("backup", "verify")
    code, levels = _levels(cli)
    assert code == 0, levels
    assert levels["audit trail"] == "ok" and levels["schema"] == "ok"
    assert levels["recovery code"] == "ok" and levels["backups"] == "ok"
    assert "Nothing wrong found." in cli("doctor").stdout


def test_a_broken_vault_says_what_and_how_to_fix(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    for f in cli.vault.iterdir():
        if f.is_file():
            f.chmod(0o644)
    _rewrite_vault(
        cli, "UPDATE audit_log SET actor = 'user:mallory' WHERE command = ?", ("person add",)
    )
    r = cli("doctor")
    assert r.exit_code == 1
    code, levels = _levels(cli)
    assert levels["file modes"] == "warn" and levels["audit trail"] == "fail"
    assert levels["backups"] == "warn"  # no restore verified yet
    assert "chmod -R go=" in r.stdout and "problem(s)" in r.stdout


def test_without_the_key_the_file_checks_still_run(cli: Cli, tmp_path: Path) -> None:
    r = cli("doctor", identity=False)
    assert r.exit_code == 1 and "cannot open it" in r.stdout
    code, levels = _levels(cli, "--no-key")
    assert code == 0 and "audit trail" not in levels and levels["file modes"] == "ok"


def test_a_network_share_is_flagged(tmp_path: Path) -> None:
    mounts = "sysfs /sys sysfs rw 0 0\n/dev/sda1 / ext4 rw 0 0\n//nas/share /mnt/nas cifs rw 0 0\n"
    assert _mount_of(Path("/mnt/nas/ctcm/vault"), mounts) == ("/mnt/nas", "cifs")
    assert _mount_of(Path("/mnt/nasty"), mounts) == ("/", "ext4")
    vault = VaultDir(tmp_path)
    (tmp_path / "vault.ctcm").write_bytes(b"x")
    share = tmp_path.resolve()
    checks = {
        c.name: c for c in file_checks(Environment(env={}), vault, f"srv:/x {share} nfs4 rw 0 0\n")
    }
    assert checks["file system"].level == "warn" and "single machine" in checks["file system"].fix
