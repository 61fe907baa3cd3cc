"""The exclusion screening part of the Repository (DB-API, a fixed number of queries)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class ScreeningList:
    id: int
    source: str
    kind: str
    filename: str
    sha256: str
    rows: int
    published: str
    blob_id: str
    blob_key: str
    imported_at: str


@dataclass(frozen=True, slots=True)
class ScreeningRun:
    id: int
    on: date
    ran_at: str
    ran_by: str
    lists: list[dict[str, object]]
    people: list[str]


@dataclass(frozen=True, slots=True)
class CandidateRecord:
    id: int
    run_id: int
    person_id: str
    basis: str
    row: str
    resolution: str | None
    note: str | None
    resolved_at: str | None
    resolved_by: str | None


class ScreeningQueries:
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def _has(self, table: str) -> bool:
        return bool(
            self.conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            ).fetchone()
        )

    def screening_lists(self) -> list[ScreeningList]:
        if not self._has("screening_lists"):
            return []
        rows = self.conn.execute(
            "SELECT id, source, kind, filename, sha256, rows, published, blob_id, blob_key, "
            "imported_at FROM screening_lists ORDER BY id"
        ).fetchall()
        return [ScreeningList(*r) for r in rows]

    def add_screening_list(self, sl: ScreeningList, actor: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO screening_lists (source, kind, filename, sha256, rows, published, "
            "blob_id, blob_key, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (sl.source, sl.kind, sl.filename, sl.sha256, sl.rows, sl.published, sl.blob_id,
             sl.blob_key, sl.imported_at, actor),
        )  # fmt: skip
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def screening_subjects(self) -> dict[str, tuple[date | None, list[list[str]]]]:
        if not self._has("screening_subjects"):
            return {}
        return {
            pid: (date.fromisoformat(dob) if dob else None, json.loads(names or "[]"))
            for pid, dob, names in self.conn.execute(
                "SELECT person_id, dob, other_names FROM screening_subjects"
            )
        }

    def put_screening_subject(
        self, person_id: str, dob: date | None, names: list[list[str]]
    ) -> None:
        self.conn.execute(
            "INSERT INTO screening_subjects (person_id, dob, other_names) VALUES (?, ?, ?) "
            "ON CONFLICT (person_id) DO UPDATE SET dob = excluded.dob, "
            "other_names = excluded.other_names",
            (person_id, dob.isoformat() if dob else None, json.dumps(names)),
        )
        self.conn.commit()

    def screening_runs(self) -> list[ScreeningRun]:
        if not self._has("screening_runs"):
            return []
        return [
            ScreeningRun(
                r[0], date.fromisoformat(r[1]), r[2], r[3], json.loads(r[4]), json.loads(r[5])
            )  # fmt: skip
            for r in self.conn.execute(
                "SELECT id, on_date, ran_at, ran_by, lists, people FROM screening_runs ORDER BY id"
            )
        ]

    def add_screening_run(
        self,
        on: date,
        now: str,
        actor: str,
        lists: list[dict[str, object]],
        people: list[str],
        candidates: list[tuple[str, str, str]],
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO screening_runs (on_date, ran_at, ran_by, lists, people) "
            "VALUES (?, ?, ?, ?, ?)",
            (on.isoformat(), now, actor, json.dumps(lists), json.dumps(people)),
        )
        run_id = int(cur.lastrowid or 0)
        self.conn.executemany(
            "INSERT INTO screening_candidates (run_id, person_id, basis, row) VALUES (?, ?, ?, ?)",
            [(run_id, pid, basis, row) for pid, basis, row in candidates],
        )
        self.conn.commit()
        return run_id

    def screening_candidates(self) -> list[CandidateRecord]:
        if not self._has("screening_candidates"):
            return []
        return [
            CandidateRecord(*r)
            for r in self.conn.execute(
                "SELECT id, run_id, person_id, basis, row, resolution, note, resolved_at, "
                "resolved_by FROM screening_candidates ORDER BY id"
            )
        ]

    def resolve_candidate(self, cid: int, resolution: str, note: str, now: str, actor: str) -> None:
        self.conn.execute(
            "UPDATE screening_candidates SET resolution = ?, note = ?, resolved_at = ?, "
            "resolved_by = ? WHERE id = ?",
            (resolution, note, now, actor, cid),
        )
        self.conn.commit()
