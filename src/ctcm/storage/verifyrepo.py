"""Primary-source verifications in the Repository (portable DB-API SQL)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from ctcm.storage.asof import AsOf


@dataclass(frozen=True, slots=True)
class Verification:
    id: int
    document_id: int
    source: str
    result: str
    on: date
    note: str | None
    filename: str | None
    sha256: str | None
    recorded_at: str
    recorded_by: str


class VerifyQueries(AsOf):
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def add_verification(self, v: Verification, blob: tuple[str, str] | None) -> int:
        cur = self.conn.execute(
            "INSERT INTO verifications (document_id, source, result, on_date, note, blob_id, "
            "blob_key, filename, sha256, recorded_at, recorded_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (v.document_id, v.source, v.result, v.on.isoformat(), v.note,
             blob[0] if blob else None, blob[1] if blob else None, v.filename, v.sha256,
             v.recorded_at, v.recorded_by),
        )  # fmt: skip
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def verifications(self) -> list[Verification]:
        rows = self.conn.execute(
            "SELECT id, document_id, source, result, on_date, note, filename, sha256, "
            "recorded_at, recorded_by FROM verifications WHERE recorded_at <= ? "
            "ORDER BY on_date, id",
            (self._cut(),),
        ).fetchall()
        return [
            Verification(r[0], r[1], r[2], r[3], date.fromisoformat(r[4]), *r[5:]) for r in rows
        ]

    def verify_rules(self) -> dict[str, int]:
        return dict(self.conn.execute("SELECT doctype, every_days FROM verify_rules").fetchall())

    def set_verify_rule(self, doctype: str, every_days: int | None, now: str) -> None:
        if every_days is None:
            self.conn.execute("DELETE FROM verify_rules WHERE doctype = ?", (doctype,))
        else:
            self.conn.execute(
                "INSERT INTO verify_rules (doctype, every_days, set_at) VALUES (?, ?, ?) "
                "ON CONFLICT (doctype) DO UPDATE SET every_days = excluded.every_days, "
                "set_at = excluded.set_at",
                (doctype, every_days, now),
            )
        self.conn.commit()
