"""Ordered schema migrations, recorded in ``schema_migrations`` and applied on open.

Checking the version needs only the DB-API connection; SQLAlchemy is imported only when a
migration is pending (a new vault, or one made by an older ctcm). Rule for later migrations:
never change an earlier entry; add a new function with explicit DDL for what it changes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

Migration = tuple[str, Callable[[Any], None]]


def _v1_initial(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.tables import V1_TABLES

    SQLModel.metadata.create_all(connection, tables=[t.__table__ for t in V1_TABLES])  # type: ignore[attr-defined]


MIGRATIONS: list[Migration] = [
    ("initial schema: practice, credentials, attachments, audit", _v1_initial),
]
LATEST = len(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0] or 0)


def migrate(db: Any, now_iso: str) -> list[str]:
    """Apply the pending migrations in order; return their names."""
    version = current_version(db.conn)
    if version > LATEST:
        from ctcm.errors import VaultError

        raise VaultError(
            f"this vault has schema version {version}; this ctcm knows {LATEST}: upgrade ctcm"
        )
    applied = []
    for number, (name, step) in enumerate(MIGRATIONS, start=1):
        if number <= version:
            continue
        with db.engine().begin() as connection:
            step(connection)
            from sqlalchemy import text

            connection.execute(
                text("INSERT INTO schema_migrations (version, name, applied_at) "
                     "VALUES (:v, :n, :t)"),
                {"v": number, "n": name, "t": now_iso},
            )
        applied.append(name)
    return applied
