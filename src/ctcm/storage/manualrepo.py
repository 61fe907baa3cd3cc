"""The manual in the Repository: answers, adopted versions with their policies, acknowledgments
(reads on the DB-API, one query each; portable SQL)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date
from typing import Any

from ctcm.domain.manual import ManualVersion, Section
from ctcm.storage.asof import AsOf


class ManualQueries(AsOf):
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def manual_answers(self) -> dict[str, Any]:
        rows = self.conn.execute("SELECT key, value FROM manual_answers").fetchall()
        return {k: json.loads(v) for k, v in rows}

    def set_manual_answers(self, values: dict[str, Any], now: str, by: str) -> None:
        for key, value in values.items():
            self.conn.execute("DELETE FROM manual_answers WHERE key = ?", (key,))
            if value is not None:
                self.conn.execute(
                    "INSERT INTO manual_answers (key, value, set_at, set_by) VALUES (?, ?, ?, ?)",
                    (key, json.dumps(value), now, by),
                )
        self.conn.commit()

    def manual_versions(self) -> list[ManualVersion]:
        rows = self.conn.execute(
            "SELECT v.number, v.effective, v.adopted_on, v.adopted_by, v.note, v.content_hash, "
            "(SELECT COUNT(*) FROM manual_sections s WHERE s.version = v.number) "
            "FROM manual_versions v WHERE v.adopted_at <= ? ORDER BY v.number",
            (self._cut(),),
        ).fetchall()
        return [
            ManualVersion(
                r[0], date.fromisoformat(r[1]), date.fromisoformat(r[2]), r[3], r[4], r[5], r[6]
            )
            for r in rows
        ]

    def manual_sections(self, version: int) -> list[Section]:
        rows = self.conn.execute(
            "SELECT slug, title, rule, text FROM manual_sections WHERE version = ? "
            "ORDER BY position",
            (version,),
        ).fetchall()
        return [Section(*r) for r in rows]

    def add_manual_version(
        self, v: ManualVersion, sections: Sequence[Section], adopted_at: str
    ) -> None:
        self.conn.execute(
            "INSERT INTO manual_versions (number, effective, adopted_at, adopted_on, adopted_by, "
            "note, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                v.number,
                v.effective.isoformat(),
                adopted_at,
                v.adopted_on.isoformat(),
                v.adopted_by,
                v.note,
                v.content_hash,
            ),
        )
        self.conn.executemany(
            "INSERT INTO manual_sections (version, slug, position, title, rule, text) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(v.number, s.slug, i, s.title, s.rule, s.text) for i, s in enumerate(sections)],
        )
        self.conn.commit()

    def manual_acks(self) -> dict[tuple[str, int], date]:
        rows = self.conn.execute(
            "SELECT person_id, version, acknowledged_on FROM manual_acks"
        ).fetchall()
        return {(r[0], r[1]): date.fromisoformat(r[2]) for r in rows}

    def add_manual_acks(self, acks: Sequence[tuple[str, int, date]], now: str, by: str) -> None:
        self.conn.executemany(
            "INSERT INTO manual_acks (person_id, version, acknowledged_on, recorded_at, "
            "recorded_by) VALUES (?, ?, ?, ?, ?)",
            [(pid, v, on.isoformat(), now, by) for pid, v, on in acks],
        )
        self.conn.commit()
