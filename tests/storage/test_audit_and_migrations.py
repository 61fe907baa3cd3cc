"""The hash-chained audit trail and the ordered schema migrations."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from ctcm.services.practice import iso_utc, open_practice
from ctcm.services.vaultops import first_bad_entry
from ctcm.storage.db import Database
from ctcm.storage.migrations import LATEST, MIGRATIONS, current_version, migrate
from ctcm.storage.repo import Repository
from ctcm.vault import format as fmt
from ctcm.vault.store import VaultDir
from tests.conftest import PASSPHRASE, Cli


def _db_with_entries(n: int = 5) -> Database:
    db = Database.empty()
    migrate(db, "2026-01-01T00:00:00Z")
    repo = Repository(db)
    for i in range(n):
        repo.append_audit(f"2026-01-0{i + 1}T10:00:00Z", "user:alice", f"cmd{i}", [f"t{i}"])
    return db


def test_chain_verifies() -> None:
    entries = Repository(_db_with_entries()).audit_entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert first_bad_entry(entries) is None


@pytest.mark.parametrize("column", ["ts", "actor", "command", "targets", "prev_hash", "hash"])
@pytest.mark.parametrize("seq", [1, 3, 5])
def test_editing_any_entry_breaks_the_chain(column: str, seq: int) -> None:
    db = _db_with_entries()
    value = '["other"]' if column == "targets" else "f" * 64 if "hash" in column else "edited"
    db.conn.execute(f"UPDATE audit_log SET {column} = ? WHERE seq = ?", (value, seq))
    assert first_bad_entry(Repository(db).audit_entries()) == seq


@pytest.mark.parametrize("seq", [1, 3, 5])
def test_deleting_an_entry_breaks_the_chain(seq: int) -> None:
    db = _db_with_entries()
    db.conn.execute("DELETE FROM audit_log WHERE seq = ?", (seq,))
    bad = first_bad_entry(Repository(db).audit_entries())
    # deleting the newest cannot be seen from inside the chain; the generation counter and
    # backups cover that case
    assert bad == (None if seq == 5 else seq + 1)


def _rewrite_vault(cli: Cli, sql: str, params: tuple[object, ...]) -> None:
    """Tamper with the decrypted database as an insider holding a key would."""
    from ctcm.vault.unlock import parse_identity

    vd = VaultDir(cli.vault)
    parsed = vd.read_parsed()
    private = parse_identity(cli.identity.read_text())
    slot = fmt.find_slot_by_private(parsed.header, private)
    dek = fmt.unwrap_dek(private, slot, parsed.header["vault_id"], parsed.header["dek_id"])
    db = Database.from_image(fmt.decrypt(parsed, dek))
    db.conn.execute(sql, params)
    # an insider with a key slot of their own: the write is signed as theirs
    from ctcm.services.writers import sign_write
    from ctcm.vault.signing import signing_seed

    sign_write(parsed.header, db.conn, slot["id"], signing_seed(private), parsed.generation + 1)
    with vd.locked():
        vd.save(parsed.header, dek, db.image(), parsed.generation, datetime.now(UTC))


def test_audit_commands_and_tamper_detection(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok("status", "a")
    entries = json.loads(cli.ok("audit", "list", "--format", "json").stdout)
    commands = [e["command"] for e in entries]
    assert commands[0] == "init" and commands[-2:] == ["person add", "status"]
    add = next(e for e in entries if e["command"] == "person add")
    assert add["actor"] == "svc:tests" and add["targets"] == ["person:a"]
    assert all(set(e) == {"seq", "ts", "actor", "command", "targets", "hash"} for e in entries)
    since = json.loads(cli.ok("audit", "list", "--since", "2026-03-01", "--format", "json").stdout)
    assert "init" not in [e["command"] for e in since]
    assert "intact" in cli.ok("audit", "verify").stderr
    _rewrite_vault(
        cli, "UPDATE audit_log SET actor = 'user:mallory' WHERE command = ?", ("person add",)
    )
    r = cli("audit", "verify")
    assert r.exit_code == 1
    assert r.stderr.startswith(f"ctcm: audit chain broken at entry {add['seq']} (of ")


def test_no_secret_or_document_content_in_audit(cli: Cli) -> None:
    cli.ok("person", "add", "a", "--name", "A", "--email", "a@example.org")
    cli.ok(
        "doc", "add", "a", "npi", "--number", "NPI-SECRET-123", "--note", "NOTE-SECRET", "--force"
    )
    raw = cli.ok("audit", "list", "--format", "json").stdout
    assert "SECRET" not in raw and "CTCM-IDENTITY" not in raw


def test_migrations_apply_in_order_once() -> None:
    db = Database.empty()
    assert current_version(db.conn) == 0
    assert migrate(db, "2026-01-01T00:00:00Z") == [name for name, _ in MIGRATIONS]
    assert current_version(db.conn) == LATEST
    assert migrate(db, "2026-01-02T00:00:00Z") == []
    rows = db.conn.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert [r[0] for r in rows] == list(range(1, LATEST + 1))


def test_newer_schema_is_refused_cleanly(cli: Cli) -> None:
    _rewrite_vault(
        cli,
        "INSERT INTO schema_migrations VALUES (?, ?, ?)",
        (LATEST + 1, "from the future", iso_utc(datetime.now(UTC))),
    )
    r = cli("status")
    assert r.exit_code == 1 and "upgrade ctcm" in r.stderr


def test_failed_command_writes_nothing(cli: Cli) -> None:
    before = (cli.vault / "vault.ctcm").read_bytes()
    assert cli("person", "show", "nobody").exit_code == 1
    assert (cli.vault / "vault.ctcm").read_bytes() == before


def test_service_identity_can_be_added_and_used(cli: Cli) -> None:
    out = cli.tmp / "cron.identity"
    alice = {"CTCM_PASSPHRASE": PASSPHRASE, "CTCM_USER": "alice"}
    r = cli("slot", "add-service", "cron", "--out", str(out))  # the tests' officer identity
    assert r.exit_code == 1 and "needs the role admin" in r.stderr and not out.exists()
    cli.ok("slot", "add-service", "cron", "--out", str(out), env=alice, identity=False)
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    slots = json.loads(cli.ok("slot", "list", "--format", "json").stdout)
    assert [s["id"] for s in slots] == ["user:alice", "recovery", "svc:tests", "svc:cron"]
    assert "pub" not in json.dumps(slots)
    cli.ok("status", env={"CTCM_IDENTITY_FILE": str(out)})
    again = cli.tmp / "again.identity"
    r = cli("slot", "add-service", "cron", "--out", str(again), env=alice, identity=False)
    assert r.exit_code == 1 and "exists already" in r.stderr

    env = cli.environment(env={"CTCM_IDENTITY_FILE": str(out)})
    with open_practice(env, "x", write=False) as p:
        assert p.actor == "svc:cron"


def test_a_vault_written_by_schema_v1_opens_and_is_migrated(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """tests/fixtures/vault-v1 was written by ctcm 0.1.0 before the delivery ledger existed."""
    import shutil

    from tests.conftest import ROOT

    vault = tmp_path / "vault"
    shutil.copytree(ROOT / "tests" / "fixtures" / "vault-v1" / "vault", vault)
    identity = tmp_path / "fixture.identity"
    identity.write_text((ROOT / "tests" / "fixtures" / "vault-v1" / "fixture.identity").read_text())
    identity.chmod(0o600)
    old = Cli(vault, identity, tmp_path)
    data = json.loads(old.ok("--as-of", "2026-01-10", "status", "--format", "json").stdout)
    assert data["practice"] == "Fixture Practice v1"
    assert [p["id"] for p in data["people"]] == ["ann"]
    with open_practice(old.environment(), "inspect", write=False) as p:
        versions = p.db.conn.execute(
            "SELECT version FROM schema_migrations ORDER BY version"
        ).fetchall()
        columns = [r[1] for r in p.db.conn.execute("PRAGMA table_info(doctypes)")]
        p.db.conn.execute("SELECT COUNT(*) FROM deliveries").fetchone()
    assert [v[0] for v in versions] == list(range(1, LATEST + 1))
    assert "remind" in columns
    assert "intact" in old.ok("audit", "verify").stderr
