"""Slot removal with data-key rotation, and adding a recovery code, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ctcm.errors import VaultError, WrongKey
from ctcm.services.practice import open_practice
from ctcm.vault import format as fmt
from ctcm.vault.store import VaultDir
from ctcm.vault.unlock import parse_identity
from tests.conftest import PASSPHRASE, Cli, Template

ALICE = {"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_USER": "alice"}
BOB_PASS = "bob's own long passphrase"


def _add_user(cli: Cli, name: str, role: str, passphrase: str) -> None:
    """A second named user (the user commands come with the roles issue)."""
    with open_practice(cli.environment(ALICE, identity=False), "test add user") as p:
        h = p.header
        slot = fmt.make_user_slot(
            f"user:{name}",
            name,
            passphrase,
            p.unlocked.dek,
            h["vault_id"],
            h["dek_id"],
            epoch=fmt.auth_epoch(h),
        )
        h["slots"] = [*h["slots"], slot]
        p.repo.add_user(name, f"user:{name}", role, p.now_iso)


def _scan(cli: Cli, person: str, name: str, content: bytes, **kw: object) -> None:
    path = cli.tmp / name
    path.write_bytes(content)
    cli.ok("doc", "add", person, "npi", "--file", str(path), **kw)


def _exported(
    cli: Cli, doc_id: int, env: dict[str, str] | None = None, identity: bool = True
) -> bytes:
    out = cli.tmp / f"export-{doc_id}"
    cli.ok("doc", "export", str(doc_id), "--out", str(out), env=env, identity=identity)
    return next(out.iterdir()).read_bytes()


@pytest.mark.slow
def test_removing_a_service_slot_rotates_everything(cli: Cli, template: Template) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    _scan(cli, "a", "before.pdf", b"scan before")
    old = VaultDir(cli.vault).read_parsed()
    old_blobs = sorted(p.name for p in (cli.vault / "blobs").iterdir())
    removed_key = parse_identity(cli.identity.read_text())
    old_slot = fmt.find_slot_by_private(old.header, removed_key)

    r = cli.ok("slot", "remove", "tests", "--rewrite-backups", env=ALICE, identity=False)
    assert "Removed svc:tests" in r.stderr and "1 attachment(s) re-encrypted" in r.stderr

    new = VaultDir(cli.vault).read_parsed()
    assert new.header["dek_id"] != old.header["dek_id"]
    assert "svc:tests" not in [s["id"] for s in new.header["slots"]]
    # the removed identity: no slot now, and its old slot's key does not decrypt the vault
    r = cli("status")
    assert r.exit_code == 1 and "no key slot" in r.stderr
    old_dek = fmt.unwrap_dek(removed_key, old_slot, old.header["vault_id"], old.header["dek_id"])
    with pytest.raises(VaultError):
        fmt.decrypt(new, old_dek)
    # attachments were re-encrypted to new files; the old files are gone
    assert not set(old_blobs) & {p.name for p in (cli.vault / "blobs").iterdir()}
    # every remaining key opens everything, including a blob written afterwards
    _scan(cli, "a", "after.pdf", b"scan after", env=ALICE, identity=False)
    recovery = cli.tmp / "recovery.txt"
    recovery.write_text(template.recovery_code)
    recovery.chmod(0o600)
    for env in (ALICE, {"CTCM_IDENTITY_FILE": str(recovery)}):
        docs = json.loads(
            cli.ok("doc", "list", "a", "--all", "--format", "json", env=env, identity=False).stdout
        )
        contents = {_exported(cli, d["id"], env, False) for d in docs}
        assert contents == {b"scan before", b"scan after"}
    # backups were rewritten: none opens with the removed slot, all decrypt with the new key
    for backup in VaultDir(cli.vault).list_backups():
        assert "svc:tests" not in [s["id"] for s in backup.header["slots"]]
        assert backup.header["dek_id"] == new.header["dek_id"] or backup.generation > new.generation
    assert json.loads(
        cli.ok("backup", "verify", "--format", "json", env=ALICE, identity=False).stdout
    )["ok"]
    # a rewritten backup restores with its attachments pointing at the re-encrypted files
    cli.ok("backup", "restore", str(old.generation), env=ALICE, identity=False)
    docs = json.loads(
        cli.ok("doc", "list", "a", "--format", "json", env=ALICE, identity=False).stdout
    )
    assert [_exported(cli, d["id"], ALICE, False) for d in docs] == [b"scan before"]


@pytest.mark.slow
def test_removing_a_user_leaves_backups_listed_or_purged(cli: Cli) -> None:
    _add_user(cli, "bob", "staff", BOB_PASS)
    bob = {"CTCM_PASSPHRASE": BOB_PASS, "CTCM_USER": "bob"}
    cli.ok("status", env=bob, identity=False)
    r = cli("slot", "remove", "alice", env=bob, identity=False)
    assert r.exit_code == 1 and "'slot remove' needs the role admin" in r.stderr
    r = cli("slot", "remove", "alice", env=ALICE, identity=False)
    assert r.exit_code == 1 and "last admin" in r.stderr

    r = cli.ok("slot", "remove", "bob", env=ALICE, identity=False)
    assert "still open with the slots they were written with" in r.stderr
    listed = json.loads(cli.ok("backup", "list", "--format", "json").stdout)
    assert any(b["removed_slots_open_it"] == ["user:bob"] for b in listed)
    r = cli("status", env=bob, identity=False)
    assert r.exit_code == 1 and "no user 'bob'" in r.stderr
    with pytest.raises(WrongKey):  # bob's old passphrase slot does not open the new header
        header = VaultDir(cli.vault).read_parsed().header
        fmt.open_user_slot(
            {**header["slots"][0], "id": "user:bob"}, BOB_PASS, header["vault_id"], header["dek_id"]
        )
    # the removal is in the trail; users table forgets bob
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert "slot remove" in [e["command"] for e in audit]

    _add_user(cli, "carol", "staff", BOB_PASS)
    r = cli.ok("slot", "remove", "carol", "--purge-backups", env=ALICE, identity=False)
    assert "Deleted" in r.stderr
    assert all(
        b["removed_slots_open_it"] == []
        for b in json.loads(cli.ok("backup", "list", "--format", "json").stdout)
    )


def test_add_recovery_once(cli: Cli, tmp_path: Path) -> None:
    r = cli("slot", "add-recovery", env=ALICE, identity=False)
    assert r.exit_code == 1 and "has a recovery code already" in r.stderr
    cli.ok("slot", "remove", "recovery", "--purge-backups", env=ALICE, identity=False)
    r = cli.ok("slot", "add-recovery", env=ALICE, identity=False)
    code = r.stdout.strip()
    path = tmp_path / "code.txt"
    path.write_text(code)
    path.chmod(0o600)
    assert cli.ok("status", env={"CTCM_IDENTITY_FILE": str(path)}, identity=False)
    cron = tmp_path / "cron.identity"
    cli.ok("slot", "add-service", "cron", "--out", str(cron), env=ALICE, identity=False)
    r = cli("slot", "add-recovery", env={"CTCM_IDENTITY_FILE": str(cron)})  # cron: not admin
    assert r.exit_code == 1 and "'slot add-recovery' needs the role admin" in r.stderr


@pytest.mark.slow
def test_slot_removal_re_encrypts_log_evidence_and_baa_files_too(cli: Cli) -> None:
    """Every encrypted file is re-keyed, not only document scans: a removed key holder who
    kept the old per-file keys opens none of the files the vault now names."""
    evidence, baa = cli.tmp / "evidence.txt", cli.tmp / "baa.pdf"
    evidence.write_bytes(b"log evidence")
    baa.write_bytes(b"%PDF signed BAA")
    cli.ok("log", "add", "log-review", "--field", "systems=EHR", "--field", "findings=none",
           "--file", str(evidence))  # fmt: skip
    cli.ok("vendor", "add", "shredco", "--name", "ShredCo", "--service", "shred", "--phi", "yes")
    cli.ok("vendor", "baa", "shredco", "--signed", "2026-02-01", "--file", str(baa))
    with open_practice(cli.environment(), "status", write=False) as p:
        old = dict(p.repo.attachment_keys())
    assert len(old) == 2

    r = cli.ok("slot", "remove", "tests", "--purge-backups", env=ALICE, identity=False)
    assert "2 attachment(s) re-encrypted" in r.stderr
    with open_practice(cli.environment(ALICE, identity=False), "status", write=False) as p:
        new = dict(p.repo.attachment_keys())
        contents = sorted(p.vault.get_blob(key, blob) for blob, key in new.items())
    assert not set(new) & set(old) and not set(new.values()) & set(old.values())
    assert contents == [b"%PDF signed BAA", b"log evidence"]
    files = {f.name for f in (cli.vault / "blobs").iterdir() if not f.name.startswith(".")}
    assert files == set(new)  # the old files are gone


def test_a_rotation_killed_after_its_save_leaves_no_file_past_the_next_write(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the reliability run: ``slot remove --purge-backups`` killed after its save
    left the old encrypted files, which no generation names, for good. They are listed as
    retired before the save; the next writer deletes them."""
    from ctcm.vault import retired

    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    _scan(cli, "a", "one.pdf", b"scan one")
    _scan(cli, "a", "two.pdf", b"scan two")
    _add_user(cli, "bob", "staff", BOB_PASS)
    old = {p.name for p in (cli.vault / "blobs").iterdir() if not p.name.startswith(".")}

    settle, calls = retired.settle, []

    def killed(*args: object) -> int:  # the process dies once the save and the purge are done
        calls.append(1)
        if len(calls) == 2:  # the first: on opening; the second: the rotation's cleanup
            raise RuntimeError("killed")
        return settle(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(retired, "settle", killed)
    with pytest.raises(RuntimeError, match="killed"):
        cli("slot", "remove", "bob", "--purge-backups", env=ALICE, identity=False)
    monkeypatch.undo()
    assert json.loads(cli.ok("backup", "list", "--format", "json").stdout) == []  # purged
    on_disk = {p.name for p in (cli.vault / "blobs").iterdir() if not p.name.startswith(".")}
    assert old <= on_disk  # the old files are still there, named by nothing
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")  # the next write
    with open_practice(cli.environment(), "status", write=False) as p:
        live = {b for b, _ in p.repo.attachment_keys()}
    on_disk = {p.name for p in (cli.vault / "blobs").iterdir() if not p.name.startswith(".")}
    assert on_disk == live and not (old & on_disk)
    assert not (cli.vault / "blobs" / ".retired").exists()
    assert _exported(cli, 1) == b"scan one"


def test_a_rotation_killed_before_it_emptied_the_read_journal_still_verifies(cli: Cli) -> None:
    """Found by the reliability run (1,000 kills): ``slot remove`` killed after its save but
    before it emptied the read journal left records sealed under the old data key; ``audit
    verify`` then failed ("read journal record 1 was altered") until the next write. The save
    names the last line it folded in; those lines are skipped unread and emptied next time."""
    _add_user(cli, "bob", "staff", BOB_PASS)
    for _ in range(3):
        cli.ok("status")  # reads: three journal records
    journal = cli.vault / "journal"
    before = journal.read_bytes()
    assert before.count(b"\n") == 3
    cli.ok("slot", "remove", "bob", env=ALICE, identity=False)
    journal.write_bytes(before)  # as a kill between the save and the emptying leaves it
    r = cli.ok("audit", "verify")
    assert "intact" in r.stderr
    listed = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert [e["command"] for e in listed].count("status") == 3  # folded once, never twice
    cli.ok("person", "add", "z", "--name", "Z", "--email", "z@example.org")  # the next write
    assert journal.read_bytes().count(b"\n") <= 1  # emptied (the write itself may read)
    listed = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert [e["command"] for e in listed].count("status") == 3
    assert "intact" in cli.ok("audit", "verify").stderr
