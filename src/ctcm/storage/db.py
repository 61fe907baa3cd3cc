"""The practice database: an SQLite database that exists only in memory.

It is filled from the decrypted vault image with ``deserialize`` and turned back into bytes with
``serialize``; temp storage is kept in memory and deleted rows are zeroed (``secure_delete``), so
no plaintext page reaches a disk or survives in free pages of the saved image.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from ctcm.errors import VaultError

APPLICATION_ID = 0x4354434D  # "CTCM"


class Database:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._engine: Any = None
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA temp_store=MEMORY")

    @classmethod
    def empty(cls) -> Database:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        # A fresh :memory: database has no pages and cannot be serialized until written.
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        return cls(conn)

    @classmethod
    def from_image(cls, image: bytes | bytearray) -> Database:
        conn = sqlite3.connect(":memory:", check_same_thread=False)
        try:
            conn.deserialize(bytes(image))
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError:
            raise VaultError("the vault decrypted but its database is damaged") from None
        if app_id != APPLICATION_ID:
            raise VaultError("the vault does not hold a ctcm database")
        return cls(conn)

    def image(self) -> bytes:
        self.conn.commit()
        return self.conn.serialize()

    def integrity_errors(self) -> list[str]:
        rows = self.conn.execute("PRAGMA integrity_check").fetchall()
        return [] if rows == [("ok",)] else [r[0] for r in rows]

    def engine(self) -> Any:
        """A SQLAlchemy engine over this very connection (imported on first write)."""
        if self._engine is None:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import StaticPool

            self.conn.commit()
            self._engine = create_engine(
                "sqlite://", creator=lambda: self.conn, poolclass=StaticPool
            )
        return self._engine

    def session(self) -> Any:
        from sqlmodel import Session

        return Session(self.engine(), expire_on_commit=False)
