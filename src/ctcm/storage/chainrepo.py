"""The signed write chain's storage (services/writers.py has the rules): its rows, role tables
and the digests of what a generation holds, grouped by who may change it."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

# what every writer changes as a matter of course: the audit trail, the delivery ledger, the
# chain itself, and the users table's bookkeeping (its roles are in the role table)
LEDGER_TABLES = frozenset(
    {"audit_log", "deliveries", "schema_migrations", "write_chain", "role_tables", "users"}
)
# settings that record what a run did, not how the practice works
BOOKKEEPING_SETTINGS = frozenset({"journal_folded", "journal_seen"})


@dataclass(frozen=True, slots=True)
class ChainRow:
    seq: int
    generation: int
    body: str
    sig: str
    hash: str


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def digests(conn: sqlite3.Connection) -> dict[str, str]:
    """SHA-256 of the practice's records (every table but the ledger and settings) and of its
    settings (bookkeeping left out), each table's rows in storage order. A schema migration
    leaves them as they were: an empty table counts as none, and a row's trailing NULLs (a
    column added later) are left out."""
    records = hashlib.sha256()
    for table in _tables(conn):
        if table in LEDGER_TABLES or table == "settings":
            continue
        rows = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid').fetchall()  # noqa: S608
        if not rows:
            continue
        records.update(f"{table}\x00{len(rows)}\x00".encode())
        records.update(repr([_trim(row) for row in rows]).encode())
    settings = conn.execute("SELECT key, value FROM settings ORDER BY key").fetchall()
    kept = [row for row in settings if row[0] not in BOOKKEEPING_SETTINGS]
    return {
        "records": records.hexdigest(),
        "settings": hashlib.sha256(repr(kept).encode()).hexdigest(),
    }


def _trim(row: tuple[object, ...]) -> tuple[object, ...]:
    end = len(row)
    while end and row[end - 1] is None:
        end -= 1
    return row[:end]


def has_chain_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'write_chain'"
    ).fetchone()
    return row is not None


def chain_rows(conn: sqlite3.Connection, from_seq: int = 1) -> list[ChainRow]:
    if not has_chain_table(conn):
        return []
    rows = conn.execute(
        "SELECT seq, generation, body, sig, hash FROM write_chain WHERE seq >= ? ORDER BY seq",
        (from_seq,),
    ).fetchall()
    return [ChainRow(*r) for r in rows]


def last_chain_row(conn: sqlite3.Connection) -> ChainRow | None:
    if not has_chain_table(conn):
        return None
    row = conn.execute(
        "SELECT seq, generation, body, sig, hash FROM write_chain ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    return ChainRow(*row) if row else None


def role_table_bodies(conn: sqlite3.Connection, hashes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(hashes))
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = conn.execute(
        f"SELECT hash, body FROM role_tables WHERE hash IN ({marks})",  # noqa: S608
        wanted,
    ).fetchall()
    return dict(rows)


def append_chain(conn: sqlite3.Connection, row: ChainRow, role_hash: str, role_body: str) -> None:
    conn.execute(
        "INSERT INTO role_tables (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING",
        (role_hash, role_body),
    )
    conn.execute(
        "INSERT INTO write_chain (seq, generation, body, sig, hash) VALUES (?, ?, ?, ?, ?)",
        (row.seq, row.generation, row.body, row.sig, row.hash),
    )
    conn.commit()


def copy_chain(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """Make ``target``'s chain, role tables and users those of ``source`` (a restore carries
    the live ones forward: an old generation never brings back old roles or history)."""
    for table, columns in (
        ("write_chain", "seq, generation, body, sig, hash"),
        ("role_tables", "hash, body"),
        ("users", "name, slot_id, role, created_at, person_id, must_change"),
    ):
        rows = source.execute(f"SELECT {columns} FROM {table}").fetchall()  # noqa: S608
        if table == "users":  # a person the older generation does not have yet: no link
            people = {r[0] for r in target.execute("SELECT id FROM people").fetchall()}
            rows = [(*r[:4], r[4] if r[4] in people else None, r[5]) for r in rows]
        target.execute(f"DELETE FROM {table}")  # noqa: S608
        marks = ",".join("?" * len(columns.split(",")))
        target.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608
            rows,
        )
    target.commit()
