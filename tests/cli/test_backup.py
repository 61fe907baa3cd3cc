"""Backups through the CLI: list, verify, restore, export."""

from __future__ import annotations

import json
from pathlib import Path

from ctcm.vault.store import VaultDir
from tests.cli.test_users import ALICE
from tests.conftest import Cli


def _gens(cli: Cli) -> list[int]:
    return [
        b["generation"] for b in json.loads(cli.ok("backup", "list", "--format", "json").stdout)
    ]


def test_backup_list_verify_restore(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    gen_with_a = VaultDir(cli.vault).read_parsed().generation
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")
    gens = _gens(cli)
    assert gens == sorted(gens, reverse=True) and gen_with_a in gens
    verified = json.loads(cli.ok("backup", "verify", "--format", "json").stdout)
    assert verified["ok"] is True and verified["integrity"] == ["ok"]
    assert verified["audit_broken_at"] is None and verified["audit_entries"] >= 3
    live_before = VaultDir(cli.vault).read_parsed().generation
    before = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    head_before = json.loads(cli.ok("audit", "head", "--format", "json").stdout)["audit_head"]
    cli.ok("backup", "restore", str(gen_with_a), env=ALICE, identity=False)
    people = json.loads(cli.ok("person", "list", "--format", "json").stdout)
    assert [p["id"] for p in people] == ["a"]
    # the state before the restore is itself a backup, and the generation still grows
    assert live_before in _gens(cli)
    assert VaultDir(cli.vault).read_parsed().generation == live_before + 1
    # nothing shortens the audit trail: every earlier entry (and every read) is still there
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert [(e["command"], e["ts"]) for e in audit[: len(before)]] == [
        (e["command"], e["ts"]) for e in before
    ]
    commands = [e["command"] for e in audit]
    assert commands[len(before) :][:2] == ["audit list", "audit head"]
    restore = next(e for e in audit if e["command"] == "backup restore")
    assert f"replaced-head:{head_before}" in restore["targets"]
    assert commands[-2:] == ["person list", "backup list"]
    assert "intact" in cli.ok("audit", "verify").stderr


def test_backup_errors(cli: Cli, tmp_path: Path) -> None:
    r = cli("backup", "restore", "999999", env=ALICE, identity=False)
    assert r.exit_code == 1 and "no backup of generation 999999" in r.stderr
    newest = VaultDir(cli.vault).list_backups()[0].path
    data = bytearray(newest.read_bytes())
    data[-5] ^= 1
    newest.unlink()  # a hard link: replace it rather than edit the live file's inode
    newest.write_bytes(bytes(data))
    r = cli("backup", "verify")
    assert r.exit_code == 1 and "damaged" in r.stderr


def test_backup_export(cli: Cli, tmp_path: Path) -> None:
    scan = tmp_path / "s.pdf"
    scan.write_bytes(b"scan")
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("doc", "add", "a", "npi", "--file", str(scan))
    dest = tmp_path / "offsite"
    cli.ok("backup", "export", str(dest))
    assert (dest / "vault.ctcm").read_bytes()[:4] == b"\x89CTM"
    assert len(list((dest / "blobs").iterdir())) == 1
    # the export opens with the same keys
    clone = Cli(dest, cli.identity, tmp_path, cli.clock)
    assert [p["id"] for p in json.loads(clone.ok("person", "list", "--format", "json").stdout)] == [
        "a"
    ]
    r = cli("backup", "export", str(dest))
    assert r.exit_code == 1 and "not an empty directory" in r.stderr
