"""The activities part of the Repository: practice-defined kinds, the log, its attachments and
the calendar (reads on the DB-API, a fixed number of queries each)."""

from __future__ import annotations

import base64
import json
import sqlite3
from datetime import date

from ctcm.domain.activities import ActivityKind, ActivitySchedule, LogEntry


class ActivityQueries:
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def activity_kinds(self) -> list[ActivityKind]:
        rows = self.conn.execute(
            "SELECT key, name, citations, cadence, fields, why FROM activity_kinds ORDER BY key"
        ).fetchall()
        return [
            ActivityKind(
                r[0],
                r[1],
                tuple(json.loads(r[2])),
                r[3],
                tuple(json.loads(r[4])),
                r[5],
                builtin=False,
            )
            for r in rows
        ]

    def add_activity_kind(self, k: ActivityKind, now: str) -> None:
        self.conn.execute(
            "INSERT INTO activity_kinds (key, name, citations, cadence, fields, why, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                k.key,
                k.name,
                json.dumps(list(k.citations)),
                k.cadence,
                json.dumps(list(k.fields)),
                k.why,
                now,
            ),
        )
        self.conn.commit()

    def log_entries(self, kind: str | None = None) -> list[LogEntry]:
        sql = (
            "SELECT l.id, l.kind, l.done_on, l.by, l.note, l.fields, l.corrects, l.created_at, "
            "(SELECT COUNT(*) FROM activity_attachments a WHERE a.entry_id = l.id), l.for_date "
            "FROM activity_log l"
        )
        rows = (
            self.conn.execute(sql + " WHERE l.kind = ? ORDER BY l.done_on, l.id", (kind,))
            if kind
            else self.conn.execute(sql + " ORDER BY l.done_on, l.id")
        )
        return [
            LogEntry(
                r[0],
                r[1],
                date.fromisoformat(r[2]),
                r[3],
                r[4],
                tuple(json.loads(r[5]).items()),
                r[6],
                r[7],
                r[8],
                date.fromisoformat(r[9]) if r[9] else None,
            )
            for r in rows
        ]

    def add_log_entry(self, e: LogEntry, actor: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO activity_log (kind, done_on, by, note, fields, corrects, created_at, "
            "created_by, for_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                e.kind,
                e.on.isoformat(),
                e.by,
                e.note,
                json.dumps(dict(e.fields)),
                e.corrects,
                e.created_at,
                actor,
                e.for_date.isoformat() if e.for_date else None,
            ),
        )
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def add_log_attachment(
        self,
        entry_id: int,
        position: int,
        blob_id: str,
        filename: str,
        media_type: str,
        size: int,
        sha256: str,
        key: bytes,
    ) -> None:
        self.conn.execute(
            "INSERT INTO activity_attachments (id, entry_id, position, filename, media_type, "
            "size, sha256, key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                blob_id,
                entry_id,
                position,
                filename,
                media_type,
                size,
                sha256,
                base64.b64encode(key).decode(),
            ),
        )
        self.conn.commit()

    def log_attachments(self, entry_id: int) -> list[tuple[str, str, int]]:
        return self.conn.execute(
            "SELECT id, filename, size FROM activity_attachments WHERE entry_id = ? "
            "ORDER BY position",
            (entry_id,),
        ).fetchall()

    def set_log_attendees(self, entry_id: int, people: list[str]) -> None:
        self.conn.executemany(
            "INSERT INTO activity_attendees (entry_id, person_id) VALUES (?, ?)",
            [(entry_id, person) for person in people],
        )
        self.conn.commit()

    def log_attendees(self) -> dict[int, list[str]]:
        out: dict[int, list[str]] = {}
        for entry_id, person in self.conn.execute(
            "SELECT entry_id, person_id FROM activity_attendees ORDER BY person_id"
        ):
            out.setdefault(entry_id, []).append(person)
        return out

    def activity_schedules(self) -> list[ActivitySchedule]:
        rows = self.conn.execute(
            "SELECT kind, rrule, start, owner FROM activity_schedule ORDER BY kind"
        ).fetchall()
        return [ActivitySchedule(r[0], r[1], date.fromisoformat(r[2]), r[3]) for r in rows]

    def put_activity_schedule(self, s: ActivitySchedule, now: str) -> None:
        self.conn.execute("DELETE FROM activity_schedule WHERE kind = ?", (s.kind,))
        self.conn.execute(
            "INSERT INTO activity_schedule (kind, rrule, start, owner, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (s.kind, s.rrule, s.start.isoformat(), s.owner, now),
        )
        self.conn.commit()

    def drop_activity_schedule(self, kind: str) -> bool:
        cur = self.conn.execute("DELETE FROM activity_schedule WHERE kind = ?", (kind,))
        self.conn.commit()
        return cur.rowcount > 0
