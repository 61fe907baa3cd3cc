"""The incidents part of the Repository (reads on the DB-API, a fixed number of queries)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import date

from ctcm.domain.incidents import Assessment, Delay, Details, Exception_, Incident
from ctcm.storage.asof import AsOf


def _assessment(raw: str | None) -> Assessment | None:
    if not raw:
        return None
    data = json.loads(raw)
    data["exception"] = Exception_(data.get("exception", "none"))
    return Assessment(**data)


def _day(raw: object) -> date | None:
    return date.fromisoformat(str(raw)) if raw else None


def _details(raw: str | None) -> Details:
    if not raw:
        return Details()
    data = json.loads(raw)
    delay = data.pop("delay", None)
    if delay:
        delay = Delay(
            delay["kind"],
            delay["official"],
            date.fromisoformat(delay["stated_on"]),
            _day(delay.get("until")),
            _day(delay.get("written_on")),
        )
    data["vendor_knew"] = _day(data.get("vendor_knew"))
    return Details(**data, delay=delay)


def details_json(d: Details) -> str:
    return json.dumps(asdict(d), default=str, sort_keys=True)


class IncidentQueries(AsOf):
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def incidents(self) -> list[Incident]:
        rows = self.conn.execute(
            "SELECT id, discovered, summary, reported_by, closed_on, breach, reasoning, "
            "affected, state_counts, assessment, details FROM incidents WHERE created_at <= ? "
            "ORDER BY id",
            (self._cut(),),
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
                _details(r[10]),
            )
            for r in rows
        ]

    def add_incident(self, i: Incident, now: str, actor: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO incidents (discovered, summary, reported_by, state_counts, created_at, "
            "created_by, details) VALUES (?, ?, ?, '{}', ?, ?, ?)",
            (
                i.discovered.isoformat(),
                i.summary,
                i.reported_by,
                now,
                actor,
                details_json(i.details),
            ),
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
            "state_counts = ?, closed_on = ?, details = ? WHERE id = ?",
            (
                None if i.breach is None else int(i.breach),
                i.reasoning,
                assessment,
                i.affected,
                json.dumps(i.state_counts),
                i.closed_on.isoformat() if i.closed_on else None,
                details_json(i.details),
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

    def incident_notice_details(self) -> dict[int, dict[str, dict[str, object]]]:
        out: dict[int, dict[str, dict[str, object]]] = {}
        for incident_id, recipient, raw in self.conn.execute(
            "SELECT incident_id, recipient, details FROM incident_notices"
        ):
            out.setdefault(incident_id, {})[recipient] = json.loads(raw) if raw else {}
        return out

    def add_incident_notice(
        self,
        incident_id: int,
        recipient: str,
        given: date,
        now: str,
        actor: str,
        details: dict[str, object] | None = None,
    ) -> None:
        self.conn.execute(
            "DELETE FROM incident_notices WHERE incident_id = ? AND recipient = ?",
            (incident_id, recipient),
        )
        self.conn.execute(
            "INSERT INTO incident_notices (incident_id, recipient, given_on, recorded_at, "
            "recorded_by, details) VALUES (?, ?, ?, ?, ?, ?)",
            (
                incident_id,
                recipient,
                given.isoformat(),
                now,
                actor,
                json.dumps(details, sort_keys=True) if details else None,
            ),
        )
        self.conn.commit()
