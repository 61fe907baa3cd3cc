"""Attacks by people who hold a key slot (issue 27): the cron identity, a demoted officer, a
manager on a shared OS account. Each edits the vault file with the data key its own slot opens
(no ctcm involved) or uses ctcm as far as it lets them; each is refused through the real CLI."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ctcm.services.writers import sign_write
from ctcm.storage.db import Database
from ctcm.vault import format as fmt
from ctcm.vault.signing import signing_seed
from ctcm.vault.store import VaultDir
from ctcm.vault.unlock import parse_identity
from tests.cli.test_users import ALICE, admin
from tests.conftest import ROOT, Cli, run_ctcm
from tests.vault.test_session import _backend


def _cron(cli: Cli, tmp: Path) -> Path:
    identity = tmp / "cron.identity"
    admin(cli, "user", "add-service", "cron", "--out", str(identity))
    return identity


def _edit(
    vault: Path,
    identity: Path,
    sql: str,
    params: tuple[object, ...] = (),
    sign: str | None = "own",
    header_change=None,  # type: ignore[no-untyped-def]
) -> None:
    """What a key holder can do without ctcm: decrypt with the data key its slot opens, change
    the database (and the header), and save a new generation; ``sign``: "own" signs the write
    as the holder's slot, "alice" claims to be alice (signed with the holder's key), None
    leaves no record."""
    vd = VaultDir(vault)
    parsed = vd.read_parsed()
    private = parse_identity(identity.read_text())
    slot = fmt.find_slot_by_private(parsed.header, private)
    header = json.loads(json.dumps(parsed.header))
    dek = fmt.unwrap_dek(private, slot, header["vault_id"], header["dek_id"])
    db = Database.from_image(fmt.decrypt(parsed, dek))
    db.conn.execute(sql, params)
    db.conn.commit()
    if header_change is not None:
        header_change(header, private)
    if sign is not None:
        writer = slot["id"] if sign == "own" else "user:alice"
        sign_write(header, db.conn, writer, signing_seed(private), parsed.generation + 1)
    with vd.locked():
        vd.save(header, dek, db.image(), parsed.generation, datetime.now(UTC))


INSIDERS = ROOT / "build" / "test-artifacts" / "insiders"


def record(attack: str, outcome: str) -> None:
    """One row of RELIABILITY.md's attack table (bench/reliability.py gathers them)."""
    import re

    INSIDERS.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^a-z0-9]+", "-", attack.lower()).strip("-")[:80]
    (INSIDERS / f"{slug}.json").write_text(json.dumps({attack: outcome}) + "\n")


def _refused(cli: Cli, *args: str) -> str:
    r = cli(*args)
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    return r.stderr


def test_cron_cannot_make_itself_admin_by_editing_the_file(cli: Cli, tmp_path: Path) -> None:
    cron = _cron(cli, tmp_path)
    _edit(cli.vault, cron, "UPDATE users SET role = 'admin' WHERE slot_id = 'svc:cron'")
    err = _refused(cli, "status")
    assert "users, roles or key slots differ" not in err  # signed as itself: the chain sees it
    assert "svc:cron" in err and "role" in err
    record("cron identity makes itself admin by editing the file (signed as itself)", "refused")
    assert cli("audit", "verify").exit_code == 1
    # with ctcm, the attack fails where it starts: cron may not change roles
    assert (
        cli(
            "user", "role", "cron", "officer", identity=False, env={"CTCM_IDENTITY_FILE": str(cron)}
        ).exit_code
        == 1
    )


@pytest.mark.parametrize(
    ("sql", "sign", "words"),
    [
        # a person added by the cron identity (signed as itself): cron may not change records
        (
            "INSERT INTO people (id, name, email, active, created_at) "
            "VALUES ('mallory', 'Mallory', 'm@example.org', 1, '2026-03-02T00:00:00Z')",
            "own",
            "svc:cron (role cron) changed the practice's records",
        ),
        # a setting changed without any record of its writer
        (
            "UPDATE settings SET value = 'Evil' WHERE key = 'practice_name'",
            None,
            "no signed record",
        ),
        # a write claiming to be alice's, signed with cron's key
        (
            "UPDATE settings SET value = 'Evil' WHERE key = 'practice_name'",
            "alice",
            "not signed by user:alice",
        ),
    ],
)
def test_writes_by_a_key_holder_without_the_role_are_refused(
    cli: Cli, tmp_path: Path, sql: str, sign: str | None, words: str
) -> None:
    cron = _cron(cli, tmp_path)
    _edit(cli.vault, cron, sql, sign=sign)
    assert words in _refused(cli, "status")
    record(f"cron identity edits the file: {words}", "refused")
    assert words in _refused(cli, "person", "add", "x", "--name", "X", "--email", "x@example.org")


def test_an_admin_slot_added_by_hand_is_refused(cli: Cli, tmp_path: Path) -> None:
    """The cron identity wraps the data key to a new passphrase-less slot of its own and calls
    it an admin user."""
    cron = _cron(cli, tmp_path)

    def add_slot(header, private):  # type: ignore[no-untyped-def]
        dek = fmt.unwrap_dek(
            private, fmt.find_slot_by_private(header, private), header["vault_id"], header["dek_id"]
        )
        slot, _ = fmt.make_key_slot("user:eve", "eve", dek, header["vault_id"], header["dek_id"])
        header["slots"].append(slot)

    _edit(
        cli.vault,
        cron,
        "INSERT INTO users (name, slot_id, role, created_at, must_change) "
        "VALUES ('eve', 'user:eve', 'admin', '2026-03-02T00:00:00Z', 0)",
        header_change=add_slot,
    )
    assert "added or removed a key slot" in _refused(cli, "status")
    record("cron identity adds an admin user and slot of its own", "refused")


def test_a_header_signing_key_swap_is_refused(cli: Cli, tmp_path: Path) -> None:
    cron = _cron(cli, tmp_path)

    def swap(header, private):  # type: ignore[no-untyped-def]
        for slot in header["slots"]:
            if slot["id"] == "user:alice":
                slot["sig"] = fmt.b64e(secrets.token_bytes(32))

    _edit(cli.vault, cron, "SELECT 1", sign=None, header_change=swap)
    assert "Traceback" not in _refused(cli, "status")
    record("an admin's signing key swapped in the header", "refused")


def test_on_a_new_machine_the_history_is_checked_from_its_start(cli: Cli, tmp_path: Path) -> None:
    """No local state: the whole chain is walked; a vault made by this ctcm binds its id to
    its creator, so a history rewritten from scratch by the cron identity is refused too."""
    cron = _cron(cli, tmp_path)
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    _edit(cli.vault, cron, "UPDATE users SET role = 'admin' WHERE slot_id = 'svc:cron'")
    fresh = {"CTCM_STATE_DIR": str(tmp_path / "other-machine")}
    assert cli("status", env=fresh).exit_code == 1
    # a whole new history, signed by cron as if it had made the vault
    vd = VaultDir(cli.vault)
    vd.file.write_bytes(vd.list_backups()[0].path.read_bytes())  # undo: back to the last good
    _edit(cli.vault, cron, "DELETE FROM write_chain", sign="own")
    err = cli("status", env={"CTCM_STATE_DIR": str(tmp_path / "third-machine")}).stderr
    assert "not the vault creator's" in err or "first write record" in err
    record("signed history replaced from its start, opened on a new machine", "refused")


def test_a_restore_never_brings_back_old_roles(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    admin(
        cli,
        "user",
        "add",
        "frank",
        "--role",
        "admin",
        env={"CTCM_NEW_PASSPHRASE": "frank's own passphrase"},
    )
    before = VaultDir(cli.vault).read_parsed().generation
    admin(cli, "user", "role", "frank", "manager")
    # frank, now a manager, cannot restore at all (an admin's action) ...
    frank = {"CTCM_USER": "frank", "CTCM_PASSPHRASE": "frank's own passphrase"}
    r = cli("backup", "restore", str(before), env=frank, identity=False)
    assert r.exit_code == 1 and "needs the role admin" in r.stderr
    # ... and an admin's restore of that generation keeps him a manager
    admin(cli, "backup", "restore", str(before))
    users = json.loads(admin(cli, "user", "list", "--format", "json").stdout)
    assert {u["name"]: u["role"] for u in users}["frank"] == "manager"
    record(
        "demoted officer restores a backup from before the demotion",
        "refused (admin only; roles carried forward)",
    )
    assert "intact" in cli.ok("audit", "verify").stderr
    assert cli.ok("status", env={"CTCM_STATE_DIR": str(cli.tmp / "elsewhere")})


def test_a_session_on_a_shared_os_account_is_not_used_silently(cli: Cli) -> None:
    cli.keyring = _backend("keyring.backends.SecretService")
    admin(
        cli,
        "user",
        "add",
        "frank",
        "--role",
        "manager",
        env={"CTCM_NEW_PASSPHRASE": "frank's own passphrase"},
    )
    # alice unlocks (a session in the OS keyring of the shared account) and walks away
    cli.ok("unlock", env=ALICE, identity=False)
    r = cli("status", identity=False)
    assert r.exit_code == 5  # locked, for this person
    assert "a session of ctcm user alice is open" in r.stderr and "--user alice" in r.stderr
    record(
        "manager uses the admin's keyring session on a shared OS account",
        "refused (asked who they are)",
    )
    # saying who you are uses it
    assert cli("status", identity=False, env={"CTCM_USER": "alice"}).exit_code == 0


def test_a_copied_session_file_of_another_os_account_is_not_used(cli: Cli) -> None:
    from ctcm.vault.session import SessionStore

    cli.keyring = _backend("keyring.backends.SecretService")
    cli.ok("unlock", env=ALICE, identity=False)
    store = SessionStore.all_of(
        cli.tmp / "run" / "ctcm", VaultDir(cli.vault).read_parsed().header["vault_id"], cli.clock
    )[-1]
    key_name = store.account
    key = cli.keyring.get_password("ctcm", key_name)
    from ctcm.vault.session import decode_token

    state = store._read(decode_token(key))
    assert state is not None and state.os_user >= 0
    from dataclasses import replace

    store._write(decode_token(key), replace(state, os_user=state.os_user + 1))
    r = cli("status", identity=False, env={"CTCM_USER": "alice"})
    assert r.exit_code == 5 and "locked" in r.stderr
    record("session file copied from another OS account", "not used")


def test_the_real_ctcm_refuses_a_cron_edit(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    env = {
        "CTCM_VAULT": str(vault),
        "CTCM_PASSPHRASE": "a long enough passphrase",
        "CTCM_USER": "owner",
    }
    assert (
        run_ctcm(
            "init", "--practice", "Riverbend", "--user", "owner", "--timezone", "UTC", env=env
        ).returncode
        == 0
    )
    cron = tmp_path / "cron.identity"
    assert run_ctcm("user", "add-service", "cron", "--out", str(cron), env=env).returncode == 0
    _edit(vault, cron, "UPDATE users SET role = 'admin' WHERE slot_id = 'svc:cron'")
    r = run_ctcm("status", env={"CTCM_VAULT": str(vault), "CTCM_IDENTITY_FILE": str(cron)})
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_a_vault_from_before_signed_writes_migrates_with_its_users_and_roles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made as an older ctcm made it (a random vault id, no chain, no signing keys in the
    slots): every user keeps their passphrase and role, the first save starts the chain, each
    holder's first save registers their key, and from then on the cron attack is refused."""
    from ctcm.vault import signing

    monkeypatch.setattr(signing, "bound_vault_id", lambda pub: fmt.b64e(secrets.token_bytes(16)))
    old = Cli(tmp_path / "vault", tmp_path / "none", tmp_path)
    frank_pass = "frank's own passphrase"
    old.ok("init", "--practice", "Old Practice", "--user", "alice", "--timezone", "UTC",
           env=ALICE, identity=False)  # fmt: skip
    admin(old, "user", "add", "frank", "--role", "manager",
          env={"CTCM_NEW_PASSPHRASE": frank_pass})  # fmt: skip
    cron = _cron(old, tmp_path)
    monkeypatch.undo()
    # downgrade: no chain tables, schema v16, no signing keys in the header
    vd = VaultDir(old.vault)
    parsed = vd.read_parsed()
    alice_slot = next(s for s in parsed.header["slots"] if s["id"] == "user:alice")
    private = fmt.user_private_key(alice_slot, ALICE["CTCM_PASSPHRASE"], parsed.header["vault_id"])
    dek = fmt.unwrap_dek(private, alice_slot, parsed.header["vault_id"], parsed.header["dek_id"])
    db = Database.from_image(fmt.decrypt(parsed, dek))
    db.conn.executescript(
        "DROP TABLE write_chain; DROP TABLE role_tables; DROP TABLE npp_acks; "
        "DROP TABLE npp_postings; DROP TABLE npp_versions; DROP TABLE privacy_requests; "
        "DROP TABLE complaints; DROP TABLE sanctions; DROP TABLE privacy_files; "
        "DELETE FROM schema_migrations WHERE version >= 17;"
    )
    header = json.loads(json.dumps(parsed.header))
    for slot in header["slots"]:
        slot.pop("sig", None)
    with vd.locked():
        vd.save(header, dek, db.image(), parsed.generation, datetime.now(UTC))
    elsewhere = {"CTCM_STATE_DIR": str(tmp_path / "state-after-upgrade")}
    frank = {"CTCM_USER": "frank", "CTCM_PASSPHRASE": frank_pass, **elsewhere}
    users = json.loads(admin(old, "user", "list", "--format", "json", env=elsewhere).stdout)
    assert {u["name"]: u["role"] for u in users} == {
        "alice": "admin",
        "frank": "manager",
        "svc:cron": "cron",
    }
    # the first save (frank's: he must still choose his own passphrase) starts the chain
    old.ok(
        "user",
        "passwd",
        identity=False,
        env=frank | {"CTCM_NEW_PASSPHRASE": "frank's newer passphrase"},
    )
    frank["CTCM_PASSPHRASE"] = "frank's newer passphrase"
    old.ok(
        "person", "add", "a", "--name", "A", "--email", "a@example.org", identity=False, env=frank
    )
    admin(old, "person", "add", "b", "--name", "B", "--email", "b@example.org", env=elsewhere)
    assert "intact" in old.ok("audit", "verify", identity=False, env=frank).stderr
    _edit(old.vault, cron, "UPDATE users SET role = 'admin' WHERE slot_id = 'svc:cron'")
    r = old("status", identity=False, env=frank)
    assert r.exit_code == 1 and "svc:cron" in r.stderr


def _journal(cli: Cli) -> Path:
    return cli.vault / "journal"


@pytest.mark.parametrize("cut", ["newest", "all", "file"])
def test_a_journal_cut_short_is_noticed(cli: Cli, cut: str) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("person", "list")
    cli.ok("person", "show", "a")  # the read someone wants to hide
    lines = _journal(cli).read_bytes().splitlines(keepends=True)
    assert len(lines) == 2
    if cut == "newest":
        _journal(cli).write_bytes(b"".join(lines[:-1]))
    elif cut == "all":
        _journal(cli).write_bytes(b"")
    else:
        _journal(cli).unlink()
    r = cli("audit", "verify")
    assert r.exit_code == 1 and "read journal record" in r.stderr
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")
    entries = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    damaged = [e for e in entries if e["command"] == "journal damaged"]
    assert damaged and "cut short" in damaged[-1]["targets"][0]
    record(
        f"read journal: {cut} record(s) dropped",
        "detected (audit verify fails; audit trail names it)",
    )


def test_an_older_journal_put_back_is_not_folded_twice(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("person", "list")
    old = _journal(cli).read_bytes()
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")  # folds it
    cli.ok("doc", "list", "a")
    cli.ok("person", "add", "c", "--name", "C", "--email", "c@example.org")
    _journal(cli).write_bytes(old)
    cli.ok("person", "add", "d", "--name", "D", "--email", "d@example.org")
    entries = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    assert [e["command"] for e in entries].count("person list") == 1
    record("older read journal put back", "not folded twice; named in the audit trail")
    assert any(
        e["command"] == "journal damaged" and "replayed" in " ".join(e["targets"]) for e in entries
    )


def test_an_anchor_refuses_a_rolled_back_vault_on_a_machine_without_state(
    cli: Cli, tmp_path: Path
) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    old = VaultDir(cli.vault).read_parsed().generation
    cli.ok("person", "add", "b", "--name", "B", "--email", "b@example.org")
    anchor = tmp_path / "usb" / "riverbend.anchor"
    anchor.parent.mkdir()
    cli.ok("audit", "anchor", "--out", str(anchor))
    assert json.loads(anchor.read_text())["signer"] == "svc:tests"
    assert "continues from the anchor" in cli.ok("audit", "anchor", "--check", str(anchor)).stderr
    # vault and state rolled back together (here: a new machine with no state at all)
    vd = VaultDir(cli.vault)
    vd.file.write_bytes(vd.find_backup(old).path.read_bytes())
    fresh = {"CTCM_STATE_DIR": str(tmp_path / "new-machine")}
    assert cli("status", env=fresh).exit_code == 0  # without the anchor nothing can tell
    r = cli("status", env=fresh | {"CTCM_ANCHOR": str(anchor)})
    assert r.exit_code == 1 and "older than generation" in r.stderr
    r = cli("audit", "anchor", "--check", str(anchor), env=fresh)
    assert r.exit_code == 1 and "older than generation" in r.stderr
    record("vault and state rolled back together (new machine), anchor shown", "refused")
    # a forged anchor (another signer's name) is refused
    forged = json.loads(anchor.read_text()) | {"signer": "user:alice"}
    (tmp_path / "forged").write_text(json.dumps(forged))
    vd.file.write_bytes(vd.list_backups()[0].path.read_bytes())
    r = cli("audit", "anchor", "--check", str(tmp_path / "forged"), env=fresh)
    assert r.exit_code != 0 and "Traceback" not in r.stderr


def test_a_header_downgraded_to_the_older_format_is_refused_on_a_new_machine(
    cli: Cli, tmp_path: Path
) -> None:
    vd = VaultDir(cli.vault)
    parsed = vd.read_parsed()
    private = parse_identity(cli.identity.read_text())
    slot = fmt.find_slot_by_private(parsed.header, private)
    dek = fmt.unwrap_dek(private, slot, parsed.header["vault_id"], parsed.header["dek_id"])
    image = fmt.decrypt(parsed, dek)
    header = {k: v for k, v in parsed.header.items() if k != "auth"}
    header["slots"] = [{k: v for k, v in s.items() if k != "auth"} for s in header["slots"]]
    vd.file.write_bytes(b"".join(fmt.encrypt(header, dek, image)))
    r = cli("status", env={"CTCM_STATE_DIR": str(tmp_path / "new-machine")})
    assert r.exit_code == 1 and "no data-key authentication" in r.stderr
    record("header downgraded to the unauthenticated format, opened on a new machine", "refused")


def test_the_submission_key_cannot_be_swapped_outside_a_signed_save(
    cli: Cli, tmp_path: Path
) -> None:
    """Staff seal their documents to the key in the header: a key holder who swaps in a key
    of their own (to read what staff send) is refused, whether or not they sign as themselves."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    admin(
        cli,
        "inbox",
        "key",
        "--out",
        str(tmp_path / "practice.ctcmkey"),
        "--drop",
        str(tmp_path / "drop"),
    )
    cron = _cron(cli, tmp_path)
    mine = X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def swap(header, private):  # type: ignore[no-untyped-def]
        header["inbox"] = dict(header["inbox"]) | {"pub": base64.b64encode(mine).decode()}

    saved = VaultDir(cli.vault).file.read_bytes()
    for sign in ("own", None):
        VaultDir(cli.vault).file.write_bytes(saved)
        _edit(cli.vault, cron, "SELECT 1", sign=sign, header_change=swap)
        assert "inbox" in _refused(cli, "status") or sign is None
    # an officer may not change it either, through ctcm or by hand: an admin's save only
    VaultDir(cli.vault).file.write_bytes(saved)
    r = cli("inbox", "key", "--out", str(tmp_path / "mine.ctcmkey"))
    assert r.exit_code == 1 and "needs the role admin" in r.stderr
    _edit(cli.vault, cli.identity, "SELECT 1", header_change=swap)
    assert "svc:tests (role officer) changed the practice's inbox" in _refused(cli, "status")
    record("submission key swapped in the header by the cron identity", "refused")


def test_a_manager_cannot_get_the_smtp_password(cli: Cli, tmp_path: Path) -> None:
    """Neither through ctcm (a test mail to a server of theirs) nor by decrypting the vault
    with the data key their slot opens: it is sealed to the admins and sending services."""
    admin(cli, "mail", "configure", "--host", "127.0.0.1", "--port", "2525", "--security", "none",
          "--username", "office", "--password", env={"CTCM_SMTP_PASSWORD": "smtp-secret-xyz"})  # fmt: skip
    admin(cli, "user", "add", "frank", "--role", "manager",
          env={"CTCM_NEW_PASSPHRASE": "frank's own passphrase"})  # fmt: skip
    frank = {"CTCM_USER": "frank", "CTCM_PASSPHRASE": "frank's own passphrase"}
    r = cli("mail", "test", "me@example.org", env=frank, identity=False)
    assert r.exit_code == 1 and "sealed to the admins" in r.stderr
    vd = VaultDir(cli.vault)
    parsed = vd.read_parsed()
    slot = next(s for s in parsed.header["slots"] if s["id"] == "user:frank")
    private = fmt.user_private_key(slot, frank["CTCM_PASSPHRASE"], parsed.header["vault_id"])
    dek = fmt.unwrap_dek(private, slot, parsed.header["vault_id"], parsed.header["dek_id"])
    image = bytes(fmt.decrypt(parsed, dek))
    assert b"smtp-secret-xyz" not in image
    sealed = json.loads(
        Database.from_image(image)
        .conn.execute("SELECT value FROM settings WHERE key = 'sealed.mail.password'")
        .fetchone()[0]
    )
    assert "user:frank" not in sealed and "user:alice" in sealed
    record(
        "manager reads the SMTP password (ctcm, or decrypting the vault)",
        "refused (sealed to admins and sending services)",
    )


def test_a_state_temp_left_by_a_killed_run_is_removed_by_the_next(cli: Cli) -> None:
    state = cli.tmp / "state"
    cli.ok("status")
    leftover = state / ".vault-0123456789abcdef.json.dead"
    leftover.write_text("{}")
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    assert not leftover.exists()


def test_an_anchor_can_be_mailed_to_the_admins(cli: Cli, tmp_path: Path) -> None:
    r = cli("audit", "anchor", "--mail-dir", str(tmp_path / "mail"))
    assert r.exit_code == 1 and "no admin addresses" in r.stderr
    cli.ok("mail", "configure", "--admins", "boss@example.org", "--from", "Office <o@example.org>")
    cli.ok("person", "add", "a", "--name", "Ann Secret", "--email", "a@example.org")
    r = cli.ok(
        "audit", "anchor", "--mail-dir", str(tmp_path / "mail"), "--out", str(tmp_path / "a")
    )
    assert "Mailed the anchor to boss@example.org" in r.stderr
    import email
    import email.policy

    [message] = list((tmp_path / "mail").iterdir())
    parsed = email.message_from_bytes(message.read_bytes(), policy=email.policy.default)
    raw = parsed["To"] + parsed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "ctcm-anchor-1" in raw and "boss@example.org" in raw and "Ann Secret" not in raw
    anchor = json.loads((tmp_path / "a").read_text())
    assert anchor["audit_head"] in raw
    assert (
        "continues from the anchor"
        in cli.ok("audit", "anchor", "--check", str(tmp_path / "a")).stderr
    )
    ledger = json.loads(cli.ok("mail", "log", "--format", "json").stdout)
    assert any(e["kind"] == "anchor" for e in ledger)


def test_a_history_altered_into_nonsense_is_one_line(cli: Cli, tmp_path: Path) -> None:
    cron = _cron(cli, tmp_path)
    _edit(cli.vault, cron, "UPDATE role_tables SET body = '{not json'", sign=None)
    err = _refused(cli, "status")
    assert "signed history" in err
