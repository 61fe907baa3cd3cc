"""The incidents part of the Repository (reads on the DB-API, a fixed number of queries)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import date

from ctcm.domain.incidents import Assessment, Exception_, Incident


def _assessment(raw: str | None) -> Assessment | None:
    if not raw:
        return None
    data = json.loads(raw)
    data["exception"] = Exception_(data.get("exception", "none"))
    return Assessment(**data)


class IncidentQueries:
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def incidents(self) -> list[Incident]:
        rows = self.conn.execute(
            "SELECT id, discovered, summary, reported_by, closed_on, breach, reasoning, "
            "affected, state_counts, assessment FROM incidents ORDER BY id"
        ).fetchall()
        return [
            Incident(
                r[0],
                date.fromisoformat(r[1]),
                r[2],
                r[3],
                date.fromisoformat(r[4]) if r[4] else None,
                None if r[5] is None else bool(r[5]),
                r[6],
                r[7],
                json.loads(r[8] or "{}"),
                _assessment(r[9]),
            )
            for r in rows
        ]

    def add_incident(self, i: Incident, now: str, actor: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO incidents (discovered, summary, reported_by, state_counts, created_at, "
            "created_by) VALUES (?, ?, ?, '{}', ?, ?)",
            (i.discovered.isoformat(), i.summary, i.reported_by, now, actor),
        )
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def update_incident(self, i: Incident) -> None:
        assessment = None
        if i.assessment is not None:
            data = asdict(i.assessment)
            data["exception"] = i.assessment.exception.value
            assessment = json.dumps(data)
        self.conn.execute(
            "UPDATE incidents SET breach = ?, reasoning = ?, assessment = ?, affected = ?, "
            "state_counts = ?, closed_on = ? WHERE id = ?",
            (
                None if i.breach is None else int(i.breach),
                i.reasoning,
                assessment,
                i.affected,
                json.dumps(i.state_counts),
                i.closed_on.isoformat() if i.closed_on else None,
                i.id,
            ),
        )
        self.conn.commit()

    def incident_notices(self) -> dict[int, dict[str, date]]:
        out: dict[int, dict[str, date]] = {}
        for incident_id, recipient, given in self.conn.execute(
            "SELECT incident_id, recipient, given_on FROM incident_notices"
        ):
            out.setdefault(incident_id, {})[recipient] = date.fromisoformat(given)
        return out

    def add_incident_notice(
        self, incident_id: int, recipient: str, given: date, now: str, actor: str
    ) -> None:
        self.conn.execute(
            "DELETE FROM incident_notices WHERE incident_id = ? AND recipient = ?",
            (incident_id, recipient),
        )
        self.conn.execute(
            "INSERT INTO incident_notices (incident_id, recipient, given_on, recorded_at, "
            "recorded_by) VALUES (?, ?, ?, ?, ?)",
            (incident_id, recipient, given.isoformat(), now, actor),
        )
        self.conn.commit()
