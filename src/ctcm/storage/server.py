"""A practice's tables on a PostgreSQL server: the same SQLModel schema as the vault (one
definition, two engines), in a schema of its own per practice, with the sensitive columns
(``SENSITIVE``) stored as AES-GCM ciphertext the server cannot read (vault/columns.py), blind
indexes for the equality look-ups that need them, the key slots that wrap the data key (the
vault header), and the encrypted scan files as they are. The SQLite side of a copy (reading and
loading the vault's tables) stays here too: the only SQLite-specific SQL of the copy.

Connection details come from the URL without a password: libpq reads the password from
``PGPASSWORD``, ``~/.pgpass`` or a service file (never argv); a host that is not local gets
``sslmode=verify-full`` unless the URL says otherwise.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from ctcm.errors import InvalidInput, VaultError

# What the server never reads in clear: document numbers and notes, scan names and keys,
# dates of birth, incident details, patients' references and requests, complaints, sanctions,
# risk answers and plans that describe PHI handling, the manual's answers and text, settings
# (the sealed SMTP password among them), delivery recipients and free-text notes everywhere.
SENSITIVE: dict[str, tuple[str, ...]] = {
    "settings": ("value",),
    "documents": ("number", "note", "void_reason"),
    "attachments": ("filename", "key"),
    "activity_attachments": ("filename", "key"),
    "activity_log": ("note", "fields"),
    "waivers": ("reason",),
    "deliveries": ("recipients", "note"),
    "incidents": ("summary", "reasoning", "assessment", "details", "reported_by"),
    "incident_notices": ("details",),
    "vendors": ("baa_key", "baa_filename"),
    "risk_answers": ("note", "evidence", "reason", "alternative"),
    "risk_ratings": ("controls",),
    "risk_tasks": ("action", "accepted_reason"),
    "risk_exclusions": ("reason",),
    "manual_answers": ("value",),
    "manual_sections": ("text",),
    "screening_subjects": ("dob", "other_names"),
    "screening_candidates": ("row", "note"),
    "screening_lists": ("blob_key",),
    "privacy_requests": ("patient_ref", "note", "denial_basis", "extension_reason"),
    "privacy_files": ("blob_key", "filename"),
    "complaints": ("about", "note", "disposition"),
    "sanctions": ("reason", "action"),
    "verifications": ("note", "blob_key", "filename"),
}
# equality look-ups on a sensitive column: a keyed blind index beside it (``COLUMN_bidx``)
BLIND: dict[str, tuple[str, ...]] = {
    "documents": ("number",),
    "privacy_requests": ("patient_ref",),
}
KEYSLOTS, BLOBS, COPIES = "ctcm_keyslots", "ctcm_blobs", "ctcm_copies"
_SCHEMA = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
_LOCAL = {"", "localhost", "127.0.0.1", "::1"}


def check_schema(name: str) -> str:
    if not _SCHEMA.match(name):
        raise InvalidInput(
            f"bad schema name {name!r}: lower-case letters, digits and '_', starting with a "
            "letter (max 50)"
        )
    return name


def check_url(url: str) -> str:
    """The SQLAlchemy URL of a PostgreSQL server (psycopg driver): never with a password in
    it, TLS verified for a host that is not local unless the URL says otherwise."""
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidInput("not a database URL: give postgresql://USER@HOST/DATABASE") from None
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise InvalidInput("not a PostgreSQL URL: give postgresql://USER@HOST/DATABASE")
    if parts.password is not None:
        raise InvalidInput(
            "a password in the database URL would be seen by others on this machine: put it in "
            "PGPASSWORD, ~/.pgpass or a libpq service file instead"
        )
    query = parse_qs(parts.query)
    hosts = query.get("host", []) or [parts.hostname or ""]
    local = all(h in _LOCAL or h.startswith("/") for h in hosts)
    if not local and "sslmode" not in query:
        query["sslmode"] = ["verify-full"]
    flat = urlencode([(k, v) for k, vs in query.items() for v in vs])
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, flat, ""))


def engine(url: str) -> Any:
    from sqlalchemy import create_engine

    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise InvalidInput(
            "the PostgreSQL driver is not installed: pip install 'ctcm[postgres]'"
        ) from None
    return create_engine(check_url(url), pool_pre_ping=True)


@contextmanager
def talking_to_server() -> Iterator[None]:
    """A server that cannot be reached, refuses the login or fails a statement: one line
    (the driver's first), never a traceback."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as err:
        first = str(err.orig or err).strip().splitlines()[0] if str(err.orig or err) else ""
        raise VaultError(f"the database server: {first}") from None


def tables() -> list[Any]:
    """Every table of the vault's schema, parents before children (foreign keys)."""
    from sqlmodel import SQLModel

    from ctcm.storage.tables import ALL_TABLES, MigrationRow

    names = {t.__tablename__ for t in (*ALL_TABLES, MigrationRow)}  # type: ignore[attr-defined]
    return [t for t in SQLModel.metadata.sorted_tables if t.name in names]


def server_metadata(schema: str) -> tuple[Any, dict[str, Any]]:
    """The vault's tables in ``schema``: sensitive columns as text (they hold ciphertext), a
    blind index beside the columns looked up by value, and ctcm's own three tables."""
    from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table, Text

    meta = MetaData(schema=check_schema(schema))
    out = {}
    for table in tables():
        copy = table.to_metadata(meta, schema=schema)
        for name in SENSITIVE.get(table.name, ()):
            copy.c[name].type = Text()
        for name in BLIND.get(table.name, ()):
            copy.append_column(Column(f"{name}_bidx", Text, nullable=True, index=True))
        out[table.name] = copy
    out[KEYSLOTS] = Table(KEYSLOTS, meta, Column("id", Integer, primary_key=True),
                          Column("header", Text, nullable=False))  # fmt: skip
    out[BLOBS] = Table(BLOBS, meta, Column("id", Text, primary_key=True),
                       Column("data", LargeBinary, nullable=False))  # fmt: skip
    out[COPIES] = Table(COPIES, meta, Column("name", Text, primary_key=True),
                        Column("rows", Integer, nullable=False),
                        Column("sha256", Text, nullable=False))  # fmt: skip
    return meta, out


def row_key(table: Any, row: dict[str, Any]) -> str:
    return "/".join(str(row[c.name]) for c in table.primary_key.columns)


def plain_value(column: Any, value: Any) -> Any:
    """A value as the vault's SQLite keeps it (dates as ISO text, booleans as 0/1)."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def server_value(column: Any, value: Any) -> Any:
    """A SQLite value as the server's typed column takes it."""
    from sqlalchemy import Boolean, Date

    if value is None:
        return None
    if isinstance(column.type, Date) and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(column.type, Boolean):
        return bool(value)
    return value


def digest(rows: Iterable[Sequence[Any]]) -> str:
    """The SHA-256 of a table's rows in the vault's representation, in key order."""
    canonical = sorted(json.dumps([None if v is None else str(v) for v in r]) for r in rows)
    return hashlib.sha256("\n".join(canonical).encode()).hexdigest()


# ------------------------------------------------------------------ the vault's (SQLite) side


def sqlite_rows(conn: sqlite3.Connection, table: Any) -> list[tuple[Any, ...]]:
    names = ", ".join(f'"{c.name}"' for c in table.columns)  # names from the schema, not input
    return conn.execute(f'SELECT {names} FROM "{table.name}"').fetchall()


def sqlite_load(conn: sqlite3.Connection, table: Any, rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(f'"{c.name}"' for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    conn.executemany(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
