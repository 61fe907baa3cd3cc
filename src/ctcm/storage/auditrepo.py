"""The audit trail part of the Repository: a SHA-256 hash chain of entries, never deleted
(45 CFR 164.316(b)(2)), appended in one statement and carried whole through a restore."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    ts: str
    actor: str
    command: str
    targets: tuple[str, ...]
    prev_hash: str
    hash: str


GENESIS = "0" * 64


def audit_hash(
    prev_hash: str, seq: int, ts: str, actor: str, command: str, targets: Iterable[str]
) -> str:
    body = json.dumps(
        {"seq": seq, "ts": ts, "actor": actor, "command": command, "targets": list(targets)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


class AuditQueries:
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def audit_entries(self, since_ts: str | None = None) -> list[AuditEntry]:
        sql = "SELECT seq, ts, actor, command, targets, prev_hash, hash FROM audit_log"
        params: tuple[str, ...] = ()
        if since_ts:
            sql += " WHERE ts >= ?"
            params = (since_ts,)
        return [
            AuditEntry(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), r[5], r[6])
            for r in self.conn.execute(sql + " ORDER BY seq", params)
        ]

    def audit_head(self) -> str:
        """The hash of the newest audit entry (GENESIS when there is none)."""
        row = self.conn.execute("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else GENESIS

    def audit_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])

    def append_audit(self, ts: str, actor: str, command: str, targets: Iterable[str]) -> None:
        self.append_audit_many([(ts, actor, command, tuple(targets))])

    def append_audit_many(self, entries: Iterable[tuple[str, str, str, Iterable[str]]]) -> None:
        """Append entries in order, each chained to the one before (one INSERT statement)."""
        last = self.conn.execute(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        seq, prev = (last[0], last[1]) if last else (0, GENESIS)
        rows = []
        for ts, actor, command, targets in entries:
            seq += 1
            listed = list(targets)
            digest = audit_hash(prev, seq, ts, actor, command, listed)
            rows.append((seq, ts, actor, command, json.dumps(listed), prev, digest))
            prev = digest
        if rows:
            self.conn.executemany(
                "INSERT INTO audit_log (seq, ts, actor, command, targets, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        self.conn.commit()

    def replace_audit(self, rows: list[tuple[Any, ...]]) -> None:
        """Make the audit trail exactly ``rows`` (raw audit_log rows, as ``audit_rows``)."""
        self.conn.execute("DELETE FROM audit_log")
        self.conn.executemany(
            "INSERT INTO audit_log (seq, ts, actor, command, targets, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.commit()

    def audit_rows(self) -> list[tuple[Any, ...]]:
        return self.conn.execute(
            "SELECT seq, ts, actor, command, targets, prev_hash, hash FROM audit_log ORDER BY seq"
        ).fetchall()
