"""A practice on a real PostgreSQL server (a throwaway one on a private socket): the demo vault
copied to the server and back with identical status, the server's tables holding no plaintext
of the sealed columns (its dump scanned for known values), ciphertext bound to its row, blind
index look-ups, and every bad input one line with nothing written."""

from __future__ import annotations

import json
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_ctcm
from tests.server import pgserver

DEMO = {"CTCM_PASSPHRASE": "correct horse battery demo", "CTCM_USER": "demo"}


@pytest.fixture(scope="session")
def server() -> Iterator[pgserver.Server]:
    started = pgserver.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def demo_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pgdemo")
    r = run_ctcm("demo", "--vault", str(root / "vault"),
                 env={"CTCM_STATE_DIR": str(root / "state")})  # fmt: skip
    assert r.returncode == 0, r.stderr
    return root / "vault"


def _env(vault: Path, tmp: Path) -> dict[str, str]:
    return {**DEMO, "CTCM_VAULT": str(vault), "CTCM_STATE_DIR": str(tmp / "state")}


def _psql(server: pgserver.Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(server.url()) as conn:
        return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]


def _dump(server: pgserver.Server, schema: str) -> bytes:
    pg_dump = pgserver._bin("pg_dump")
    assert pg_dump, pgserver.MISSING
    r = subprocess.run(
        [*server.run_as, pg_dump, "-h", str(server.socket_dir), "-U", server.user, "-n", schema,
         "postgres"],
        capture_output=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return r.stdout


def _known_secrets() -> list[str]:
    """Values of the demo's sealed columns, read from its source files."""
    docs = (ROOT / "examples" / "documents.csv").read_text().splitlines()[1:]
    numbers = [line.split(",")[4] for line in docs if line.split(",")[4].startswith("LIC-")]
    practice = tomllib.loads((ROOT / "examples" / "practice.toml").read_text())
    program = practice["program"]
    incident = program["incidents"][0]["summary"]
    dobs = list(program["screening"]["dob"].values())
    refs = [r["patient_ref"] for r in program["privacy"]["requests"]]
    return [*numbers[:3], incident[:40], *dobs, *refs]


def test_the_demo_goes_to_the_server_and_back_unchanged(
    server: pgserver.Server, demo_vault: Path, tmp_path: Path
) -> None:
    """One copy (a migration costs seconds): there and back with the same status and an
    intact history; no plaintext of the sealed columns in the server's dump; look-ups by blind
    index; a ciphertext moved to another row refused; only a key holder reads it back."""
    import psycopg

    from ctcm.environment import Environment
    from ctcm.services.practice import open_practice
    from ctcm.vault import columns

    env = _env(demo_vault, tmp_path)
    before = (demo_vault / "vault.ctcm").read_bytes()
    r = run_ctcm("migrate", "--to", server.url(), "--schema", "riverbend", "--format", "json",
                 env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    copied = json.loads(r.stdout)
    assert copied["verified"] and copied["tables"]["documents"] > 50 and copied["files"] >= 1
    assert (demo_vault / "vault.ctcm").read_bytes() == before  # the source only read
    # the server holds no plaintext of the sealed columns
    dump = _dump(server, "riverbend")
    for secret in _known_secrets():
        assert secret.encode() not in dump, secret
    numbers = _psql(server, "SELECT number FROM riverbend.documents WHERE number IS NOT NULL")
    assert numbers and all(n.startswith("v1:") for (n,) in numbers)
    # back into a vault: the same status, an intact history
    back = tmp_path / "back"
    r = run_ctcm("migrate", "--from", server.url(), "--schema", "riverbend", "--to-vault",
                 str(back), env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    same = run_ctcm("status", "--format", "json", env=env)
    copy = run_ctcm("--vault", str(back), "status", "--format", "json", env=env)
    assert copy.returncode == 0 and copy.stdout == same.stdout
    verify = run_ctcm("--vault", str(back), "audit", "verify", env=env)
    assert verify.returncode == 0 and "intact" in verify.stderr
    # the same schema again is refused, nothing changed
    again = run_ctcm("migrate", "--to", server.url(), "--schema", "riverbend", env=env)
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr
    # equal values match by blind index, without the server reading them
    opened = Environment(env={**env}, vault_path=demo_vault, user="demo")
    with open_practice(opened, "test", write=False) as p:
        key = columns.index_key(p.unlocked.dek)
        number = next(d.number for d in p.repo.documents() if d.number)
    index = columns.blind_index(key, "documents", "number", number)
    assert _psql(server, "SELECT id FROM riverbend.documents WHERE number_bidx = %s", index)
    # only a key holder reads it back
    wrong = {**env, "CTCM_PASSPHRASE": "not the demo passphrase at all"}
    r = run_ctcm("migrate", "--from", server.url(), "--schema", "riverbend", "--to-vault",
                 str(tmp_path / "x"), env=wrong)  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr and not (tmp_path / "x").exists()
    # a ciphertext moved to another row no longer decrypts: the copy back refuses
    rows = _psql(server, "SELECT id, number FROM riverbend.documents WHERE number IS NOT NULL "
                         "ORDER BY id LIMIT 2")  # fmt: skip
    (first, own), (_, other) = rows
    with psycopg.connect(server.url()) as conn:
        conn.execute("UPDATE riverbend.documents SET number = %s WHERE id = %s", (other, first))
    r = run_ctcm("migrate", "--from", server.url(), "--schema", "riverbend", "--to-vault",
                 str(tmp_path / "moved"), env=env)  # fmt: skip
    assert r.returncode == 1 and "moved from another row" in r.stderr
    assert not (tmp_path / "moved").exists()
    with psycopg.connect(server.url()) as conn:  # put it back
        conn.execute("UPDATE riverbend.documents SET number = %s WHERE id = %s", (own, first))


def test_the_portfolio_reads_a_practice_kept_on_the_server(
    server: pgserver.Server, demo_vault: Path, tmp_path: Path
) -> None:
    """One consultant, two practices: one in a vault, one on the server; the portfolio reads
    both, the server one decrypted on this machine into a private copy removed at once."""
    env = {**_env(demo_vault, tmp_path), "CTCM_CONFIG_DIR": str(tmp_path / "cfg"),
           "CTCM_RUNTIME_DIR": str(tmp_path / "run")}  # fmt: skip
    assert run_ctcm("migrate", "--to", server.url(), "--schema", "lakes", env=env).returncode == 0
    assert run_ctcm("practice", "register", "here", str(demo_vault), env=env).returncode == 0
    r = run_ctcm("practice", "register", "there", "--database-url", server.url(), "--schema",
                 "lakes", env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = {x["name"]: x for x in json.loads(run_ctcm("portfolio", "--format", "json",
                                                      env=env).stdout)}  # fmt: skip
    assert rows["there"]["state"] == "open", rows["there"]
    assert rows["there"]["people"] == rows["here"]["people"]
    assert rows["there"]["top"] == rows["here"]["top"] and "schema lakes" in rows["there"]["path"]
    assert not list((tmp_path / "run").glob("ctcm-server-*"))  # the working copy is gone
    listed = json.loads(run_ctcm("practice", "list", "--format", "json", env=env).stdout)
    assert {x["name"] for x in listed} == {"here", "there"}
    bare = {k: v for k, v in env.items() if k != "CTCM_VAULT"}
    r = run_ctcm("--practice", "there", "status", env=bare)
    assert r.returncode == 1 and "kept on a server" in r.stderr
    r = run_ctcm("practice", "register", "bad", "--database-url", "postgresql://u:pw@h/db",
                 "--schema", "x", env=env)  # fmt: skip
    assert r.returncode == 1 and "PGPASSWORD" in r.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--to", "postgresql://ctcm:secret@db.example.org/x"), "PGPASSWORD"),
        (("--to", "mysql://db/x"), "not a PostgreSQL URL"),
        (("--to", "postgresql://ctcm@/postgres", "--schema", "Bad-Name"), "bad schema name"),
        (("--to-vault", "out"), "give --from URL"),
        (("--from", "postgresql://ctcm@/postgres"), "give --to"),
        (("--to", "postgresql://ctcm@/postgres?host=/nonexistent"), "the database server:"),
    ],
)
def test_bad_migrations_say_one_line_and_write_nothing(
    demo_vault: Path, tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    r = run_ctcm("migrate", *args, env=_env(demo_vault, tmp_path), cwd=tmp_path)
    assert r.returncode in (1, 2) and says in r.stderr and "Traceback" not in r.stderr
    assert "secret" not in r.stderr
    assert not (tmp_path / "out").exists()


def test_a_remote_host_gets_verified_tls_by_default() -> None:
    from ctcm.storage.server import check_url

    assert "sslmode=verify-full" in check_url("postgresql://ctcm@db.example.org/practices")
    assert "sslmode=require" in check_url("postgresql://ctcm@db.example.org/p?sslmode=require")
    assert "sslmode" not in check_url("postgresql://ctcm@localhost/practices")
    assert "sslmode" not in check_url("postgresql://ctcm@/practices?host=/run/postgresql")
