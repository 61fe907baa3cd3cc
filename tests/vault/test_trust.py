"""Vault trust through the real CLI: only key holders write a vault that opens, rollback is
seen, reads never lock or save and leave a verifiable journal, the logoff ceiling holds."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from ctcm.storage.db import Database
from ctcm.storage.migrations import migrate
from ctcm.vault import format as fmt
from ctcm.vault.store import VaultDir
from tests.cli.test_users import ALICE
from tests.conftest import CTCM_BIN, PASSPHRASE, Cli, Template


def _forge(vault: Path, strip_auth: bool = False) -> None:
    """The attack: with no key at all, make a fresh data key, wrap it to every public slot and
    write a new database image (an attacker's, with nothing of the practice in it)."""
    parsed = VaultDir(vault).read_parsed()
    header = dict(parsed.header)
    dek = secrets.token_bytes(32)
    dek_id = fmt.b64e(secrets.token_bytes(8))
    slots = []
    for slot in header["slots"]:
        slot = dict(slot)
        slot["dek"] = fmt.wrap_dek(
            dek, fmt.b64d(slot["pub"]), header["vault_id"], slot["id"], dek_id
        )
        if strip_auth:
            slot.pop("auth", None)
        slots.append(slot)
    header |= {"slots": slots, "dek_id": dek_id, "generation": parsed.generation + 1}
    if strip_auth:
        header.pop("auth", None)
    header.pop("note", None)
    db = Database.empty()
    migrate(db, "2026-03-02T00:00:00Z")
    (vault / "vault.ctcm").write_bytes(b"".join(fmt.encrypt(header, dek, db.image())))


def _recovery_env(cli: Cli, code: str) -> dict[str, str]:
    path = cli.tmp / "recovery.txt"
    path.write_text(code)
    path.chmod(0o600)
    return {"CTCM_IDENTITY_FILE": str(path)}


def test_a_forged_data_key_is_refused_by_every_slot(cli: Cli, template: Template) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    _forge(cli.vault)
    for env, identity in [
        (None, True),  # service identity file
        ({"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_USER": "alice"}, False),  # passphrase
        (_recovery_env(cli, template.recovery_code), False),  # recovery code
    ]:
        r = cli("status", env=env, identity=identity)
        assert r.exit_code == 1, r.stdout
        assert "not written by a key holder" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
        r = cli(
            "person",
            "add",
            "m",
            "--name",
            "M",
            "--email",
            "m@example.org",
            env=env,
            identity=identity,
        )
        assert r.exit_code == 1 and "not written by a key holder" in r.stderr


def test_a_forged_file_posing_as_an_old_unauthenticated_vault_is_refused(cli: Cli) -> None:
    cli.ok("status")  # this machine has now seen the vault authenticated
    _forge(cli.vault, strip_auth=True)
    r = cli("status")
    assert r.exit_code == 1
    assert "carries no data-key authentication" in r.stderr


def test_rollback_is_refused_for_writing_warned_for_reading_and_restore_is_the_way_back(
    cli: Cli,
) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    old = VaultDir(cli.vault).read_parsed().generation
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")
    live = VaultDir(cli.vault).read_parsed().generation
    backup = VaultDir(cli.vault).find_backup(old).path
    saved = (cli.vault / "vault.ctcm").read_bytes()
    shutil.copyfile(backup, cli.vault / "vault.ctcm")

    warnings: list[str] = []
    from typer.testing import CliRunner

    from ctcm.cli.app import app
    from ctcm.cli.context import AppContext

    env = cli.environment()
    env.warn = warnings.append
    r = CliRunner().invoke(app, ["person", "list", "--format", "json"], obj=AppContext(env))
    assert r.exit_code == 0
    assert any(f"generation {old}, older than generation {live}" in w for w in warnings)

    r = cli("person", "add", "c", "--name", "C", "--email", "c@example.org")
    assert r.exit_code == 1
    assert f"generation {old}, older than generation {live}" in r.stderr
    assert "backup restore" in r.stderr
    assert (cli.vault / "vault.ctcm").read_bytes() == backup.read_bytes()  # nothing written

    (cli.vault / "vault.ctcm").write_bytes(saved)
    cli.ok("backup", "restore", str(old), env=ALICE, identity=False)
    assert [p["id"] for p in json.loads(cli.ok("person", "list", "--format", "json").stdout)] == [
        "a"
    ]
    cli.ok("person", "add", "c", "--name", "C", "--email", "c@example.org")
    assert VaultDir(cli.vault).read_parsed().generation == live + 2


def test_backups_are_identified_by_their_header_and_duplicates_refused(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    vd = VaultDir(cli.vault)
    newest = vd.list_backups()[0]
    # a file renamed to claim another generation is not listed under it
    fake = vd.backups_dir / f"g{99:08d}-20260101T000000Z.ctcm"
    shutil.copyfile(newest.path, fake)
    assert 99 not in [b.generation for b in vd.list_backups()]
    fake.unlink()
    # a second file claiming the same generation makes that generation ambiguous
    twin = vd.backups_dir / f"g{newest.generation:08d}-20250101T000000Z.ctcm"
    shutil.copyfile(newest.path, twin)
    r = cli("backup", "restore", str(newest.generation), env=ALICE, identity=False)
    assert r.exit_code == 1 and "more than one backup claims" in r.stderr


def test_the_logoff_ceiling_only_shortens(cli: Cli) -> None:
    env = {"CTCM_PASSPHRASE": PASSPHRASE}
    r = cli("unlock", "--idle", "5256000", env=env, identity=False)
    assert r.exit_code == 1 and "--idle can only shorten" in r.stderr
    r = cli("unlock", "--max", "100", env=env, identity=False)
    assert r.exit_code == 1 and "--max can only shorten" in r.stderr
    r = cli.ok("unlock", "--idle", "5", env=env, identity=False)
    assert "5 idle minutes" in r.stderr or "5 min" in r.stderr


def _rewrite_header(vault: Path, change) -> None:  # type: ignore[no-untyped-def]
    data = (vault / "vault.ctcm").read_bytes()
    parsed = fmt.parse(data)
    header = json.loads(json.dumps(parsed.header))
    change(header)
    raw = fmt.canonical_json(header)
    prefix = fmt.MAGIC + struct.pack(">HI", fmt.FORMAT_MAJOR, len(raw))
    (vault / "vault.ctcm").write_bytes(prefix + raw + parsed.mac + bytes(parsed.payload))


def test_argon2_ceilings_are_one_line_errors(cli: Cli) -> None:
    def huge(header: dict) -> None:  # type: ignore[type-arg]
        for slot in header["slots"]:
            if slot["type"] == "x25519+argon2id":
                slot["kdf"]["m"] = 4 << 20  # 4 GiB

    _rewrite_header(cli.vault, huge)
    r = cli("status", env={"CTCM_PASSPHRASE": PASSPHRASE}, identity=False)
    assert r.exit_code == 1 and "above the ceiling" in r.stderr and "Traceback" not in r.stderr
    for field, value in [("t", 11), ("p", 17)]:
        with pytest.raises(Exception, match="above the ceiling"):
            fmt.KdfParams.from_json(
                {"alg": "argon2id", "m": 65536, "t": 3, "p": 4, "salt": fmt.b64e(b"s" * 16)}
                | {field: value}
            )


# ----------------------------------------------------------------------------- the journal


def _journal(cli: Cli) -> Path:
    return cli.vault / "journal"


def test_reads_leave_sealed_journal_records_folded_by_the_next_write(cli: Cli) -> None:
    before = (cli.vault / "vault.ctcm").read_bytes()
    cli.ok("status")
    cli.ok("person", "list")
    assert (cli.vault / "vault.ctcm").read_bytes() == before
    lines = _journal(cli).read_bytes().splitlines()
    assert len(lines) == 2 and b"status" not in _journal(cli).read_bytes()  # sealed
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert [e["command"] for e in audit][-2:] == ["status", "person list"]
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    assert _journal(cli).read_bytes() == b""
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert [e["command"] for e in audit][-4:] == [
        "status",
        "person list",
        "audit list",
        "person add",
    ]
    assert "intact" in cli.ok("audit", "verify").stderr


@pytest.mark.parametrize("attack", ["edit", "reorder", "delete"])
def test_a_tampered_journal_is_detected(cli: Cli, attack: str) -> None:
    for _ in range(3):
        cli.ok("status")
    lines = _journal(cli).read_bytes().splitlines(keepends=True)
    if attack == "edit":
        raw = bytearray(lines[1])
        raw[20] = ord("A") if raw[20] != ord("A") else ord("B")
        lines[1] = bytes(raw)
    elif attack == "reorder":
        lines[0], lines[1] = lines[1], lines[0]
    else:
        del lines[1]
    _journal(cli).write_bytes(b"".join(lines))
    r = cli("audit", "verify")
    assert r.exit_code == 1 and "read journal record" in r.stderr
    # the next write keeps the damaged journal as evidence and says so in the trail
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    assert list(cli.vault.glob("journal.damaged-*"))
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert "journal damaged" in [e["command"] for e in audit]


def test_a_reader_killed_mid_append_leaves_a_journal_that_verifies(cli: Cli) -> None:
    cli.ok("status")
    with _journal(cli).open("ab") as fh:
        fh.write(b"QUJDREVGR0hJSktMTU5PUFFSU1")  # a record cut short, no newline
    assert "cut short" in cli.ok("audit", "verify").stderr
    cli.ok("status")  # the next append trims the stub and chains to the last whole record
    r = cli.ok("audit", "verify")
    assert "cut short" not in r.stderr and "intact" in r.stderr
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    assert "intact" in cli.ok("audit", "verify").stderr


@pytest.mark.slow
def test_eight_readers_and_a_writer_lose_no_audit_entry(cli: Cli) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTCM_")} | {
        "CTCM_VAULT": str(cli.vault),
        "CTCM_IDENTITY_FILE": str(cli.identity),
        "CTCM_STATE_DIR": str(cli.tmp / "state"),
        "CTCM_RUNTIME_DIR": str(cli.tmp / "run"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    reads, writes = 4, 4
    reader = f"for i in $(seq {reads}); do {CTCM_BIN} status >/dev/null || exit 1; done"
    writer = (
        f"for i in $(seq {writes}); do {CTCM_BIN} person add w$i --name W$i "
        f"--email w$i@example.org || exit 1; done"
    )
    procs = [subprocess.Popen(["bash", "-c", reader], env=env) for _ in range(8)]
    procs.append(subprocess.Popen(["bash", "-c", writer], env=env))
    for proc in procs:
        assert proc.wait(timeout=300) == 0
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    commands = [e["command"] for e in audit]
    assert commands.count("status") == 8 * reads
    assert commands.count("person add") == writes
    assert "intact" in cli.ok("audit", "verify").stderr


def as_older_ctcm(vault: Path, passphrase: str) -> None:
    """Rewrite a vault as an older ctcm had it: a random vault id (not made from its
    creator's key), no data-key authentication, no signing keys, no signed writes."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from ctcm.vault.kdf import KdfParams

    parsed = VaultDir(vault).read_parsed()
    old_id = parsed.header["vault_id"]
    alice = next(s for s in parsed.header["slots"] if s["id"] == "user:alice")
    private = fmt.user_private_key(alice, passphrase, old_id)
    dek = fmt.unwrap_dek(private, alice, old_id, parsed.header["dek_id"])
    db = Database.from_image(fmt.decrypt(parsed, dek))
    db.conn.executescript(
        "DROP TABLE write_chain; DROP TABLE role_tables; DROP TABLE npp_acks; "
        "DROP TABLE npp_postings; DROP TABLE npp_versions; DROP TABLE privacy_requests; "
        "DROP TABLE complaints; DROP TABLE sanctions; DROP TABLE privacy_files; "
        "DELETE FROM schema_migrations WHERE version >= 17;"
    )
    new_id = fmt.b64e(secrets.token_bytes(16))
    slots = []
    for slot in parsed.header["slots"]:
        slot = {k: v for k, v in slot.items() if k not in ("auth", "sig")}
        if slot["id"] == "user:alice":
            kek = KdfParams.from_json(slot["kdf"]).derive(passphrase)
            nonce = secrets.token_bytes(12)
            ct = AESGCM(kek).encrypt(
                nonce, private, f"{new_id}|{slot['id']}|{slot['pub']}".encode()
            )
            slot["sk"] = {"nonce": fmt.b64e(nonce), "ct": fmt.b64e(ct)}
        slot["dek"] = fmt.wrap_dek(
            dek, fmt.b64d(slot["pub"]), new_id, slot["id"], parsed.header["dek_id"]
        )
        slots.append(slot)
    header = {k: v for k, v in parsed.header.items() if k != "auth"}
    header |= {"vault_id": new_id, "slots": slots}
    (vault / "vault.ctcm").write_bytes(b"".join(fmt.encrypt(header, dek, db.image())))


def test_a_vault_from_an_older_ctcm_becomes_authenticated_as_each_slot_opens_it(
    cli: Cli, template: Template
) -> None:

    # Make the copy look as ctcm 0.1 wrote it: no auth chain, no seals.
    as_older_ctcm(cli.vault, PASSPHRASE)
    shutil.rmtree(cli.tmp / "state", ignore_errors=True)

    warnings: list[str] = []
    from typer.testing import CliRunner

    from ctcm.cli.app import app
    from ctcm.cli.context import AppContext

    def run(*args: str, env: dict[str, str] | None = None, identity: bool = True) -> None:
        e = cli.environment(env, identity)
        e.warn = warnings.append
        r = CliRunner().invoke(app, list(args), obj=AppContext(e))
        assert r.exit_code == 0, r.stderr

    run("status")
    assert any("not yet authenticated" in w for w in warnings)
    run("person", "add", "a", "--name", "A", "--email", "a@example.org")  # seals svc:tests
    header = VaultDir(cli.vault).read_parsed().header
    assert "auth" in {k for s in header["slots"] if s["id"] == "svc:tests" for k in s}
    assert "auth" not in header
    run(
        "person",
        "add",
        "b",
        "--name",
        "B",
        "--email",
        "b@example.org",
        env={"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_USER": "alice"},
        identity=False,
    )
    run(
        "person",
        "add",
        "c",
        "--name",
        "C",
        "--email",
        "c@example.org",
        env=_recovery_env(cli, template.recovery_code),
        identity=False,
    )
    header = VaultDir(cli.vault).read_parsed().header
    assert header["auth"] == {"epoch": 0, "chain": []}
    warnings.clear()
    run("status")
    assert not any("not yet authenticated" in w for w in warnings)
    _forge(cli.vault)
    r = cli("status")
    assert r.exit_code == 1 and "not written by a key holder" in r.stderr


def test_out_files_are_new_0600_files_never_through_a_symlink(cli: Cli) -> None:
    import stat

    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    loose = cli.tmp / "staff.csv"
    loose.write_text("old contents\n")
    loose.chmod(0o644)
    cli.ok("person", "export", "--out", str(loose))
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    assert loose.read_text().startswith("id,name,email")

    victim = cli.tmp / "victim.txt"
    victim.write_text("do not touch\n")
    link = cli.tmp / "link.csv"
    link.symlink_to(victim)
    cli.ok("person", "export", "--out", str(link))
    assert victim.read_text() == "do not touch\n"
    assert not link.is_symlink() and stat.S_IMODE(link.stat().st_mode) == 0o600
    assert not list(cli.tmp.glob(".link.csv.tmp-*"))

    r = cli("person", "export", "--out", str(cli.tmp))
    assert r.exit_code == 1 and "is a directory" in r.stderr


def test_the_digest_carries_the_generation_and_audit_head(cli: Cli) -> None:
    cli.ok(
        "mail",
        "configure",
        "--host",
        "127.0.0.1",
        "--port",
        "2525",
        "--security",
        "none",
        "--from",
        "Test Practice <office@example.org>",
        "--admins",
        "boss@example.org",
    )
    head = json.loads(cli.ok("audit", "head", "--format", "json").stdout)
    out = cli.tmp / "digest"
    cli.ok("digest", "--out", str(out))
    text = next(out.iterdir()).read_text()
    assert f"Vault generation | {head['generation']}" in text
    assert head["audit_head"] in text


def test_a_rollback_refusal_names_its_cause_and_an_admin_accepts_the_file_on_disk(
    cli: Cli,
) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    old = VaultDir(cli.vault).read_parsed().generation
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")
    live = VaultDir(cli.vault).read_parsed().generation
    shutil.copyfile(VaultDir(cli.vault).find_backup(old).path, cli.vault / "vault.ctcm")
    r = cli("person", "add", "c", "--name", "C", "--email", "c@example.org")
    assert r.exit_code == 1 and len(r.stderr.strip().splitlines()) == 1
    assert f"ctcm backup accept {old}" in r.stderr and "an admin" in r.stderr
    doctor = json.loads(cli("doctor", "--format", "json").stdout)
    check = next(c for c in doctor if c["check"] == "generation")
    assert check["level"] == "fail" and f"older than generation {live}" in check["detail"]
    assert f"ctcm backup accept {old}" in check["fix"]
    # a number other than the file's is refused; so is anyone but an admin
    r = cli("backup", "accept", str(old + 5))
    assert r.exit_code == 1 and "refusing to write" in r.stderr
    officer = cli("backup", "accept", str(old))  # the tests' own identity is an officer
    assert officer.exit_code != 0 and "needs the role admin" in officer.stderr, officer.stderr
    from tests.cli.test_users import admin

    r = admin(cli, "backup", "accept", str(old))
    assert f"Accepted generation {old}" in r.stderr
    assert VaultDir(cli.vault).read_parsed().generation == live + 1  # past what was seen
    cli.ok("person", "add", "c", "--name", "C", "--email", "c@example.org")
    ids = [p["id"] for p in json.loads(cli.ok("person", "list", "--format", "json").stdout)]
    assert ids == ["a", "c"]
    audit = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    accepted = [e for e in audit if e["command"] == "backup accept"]
    assert len(accepted) == 1 and f"accepted:g{old}" in accepted[0]["targets"]
    check = next(
        c
        for c in json.loads(cli("doctor", "--format", "json").stdout)
        if c["check"] == "generation"
    )
    assert check["level"] == "ok"


def test_backup_restore_works_in_a_rolled_back_state(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    old = VaultDir(cli.vault).read_parsed().generation
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")
    newest = VaultDir(cli.vault).read_parsed().generation
    shutil.copyfile(VaultDir(cli.vault).find_backup(old).path, cli.vault / "vault.ctcm")
    # the newest generation's own file is gone (the copy replaced it): restore the one before
    cli.ok("backup", "restore", str(old), env=ALICE, identity=False)
    assert VaultDir(cli.vault).read_parsed().generation == newest + 1
    cli.ok("person", "add", "c", "--name", "C", "--email", "c@example.org")


def test_a_copy_of_the_folder_opened_elsewhere_never_makes_the_real_vault_refuse(
    cli: Cli,
) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    copy = cli.tmp / "copy-of-vault"
    shutil.copytree(cli.vault, copy)
    for i in range(3):  # the copy goes on, on this machine, with the same state directory
        cli.ok("--vault", str(copy), "person", "add", f"x{i}", "--name", "X", "--email",
               f"x{i}@example.org")  # fmt: skip
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")  # not refused
    ids = [p["id"] for p in json.loads(cli.ok("person", "list", "--format", "json").stdout)]
    assert ids == ["a", "b"]


def test_an_admin_accepts_a_legacy_file_put_back_explicitly(cli: Cli, template: Template) -> None:
    """A file in the older format where this machine saw an authenticated one is refused; when
    it is what the practice wants, an admin accepts it (recorded), and it opens again."""
    as_older_ctcm(cli.vault, PASSPHRASE)
    shutil.rmtree(cli.tmp / "state", ignore_errors=True)
    legacy = (cli.vault / "vault.ctcm").read_bytes()
    legacy_generation = VaultDir(cli.vault).read_parsed().generation
    alice = {"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_USER": "alice"}
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org", env=alice,
           identity=False)  # fmt: skip
    cli.ok("person", "add", "c", "--name", "C", "--email", "c@example.org",
           env=_recovery_env(cli, template.recovery_code), identity=False)  # fmt: skip
    assert "auth" in VaultDir(cli.vault).read_parsed().header  # authenticated now
    (cli.vault / "vault.ctcm").write_bytes(legacy)
    r = cli("person", "add", "d", "--name", "D", "--email", "d@example.org")
    assert r.exit_code == 1 and "carries no data-key authentication" in r.stderr
    assert f"ctcm backup accept {legacy_generation} --legacy" in r.stderr
    r = cli("backup", "accept", str(legacy_generation), "--legacy")  # an officer: refused
    assert r.exit_code == 1 and "needs the role admin" in r.stderr
    cli.ok("backup", "accept", str(legacy_generation), "--legacy", env=alice, identity=False)
    trail = json.loads(
        cli.ok("audit", "list", "--format", "json", env=alice, identity=False).stdout
    )
    assert any(f"accepted-legacy:g{legacy_generation}" in e["targets"] for e in trail)
