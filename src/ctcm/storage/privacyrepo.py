"""The Privacy Rule records in the Repository (portable DB-API SQL, a fixed number of queries)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from ctcm.storage.asof import AsOf


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True, slots=True)
class PrivacyRequest:
    id: int
    kind: str
    received: date
    patient_ref: str
    note: str | None
    restriction_kind: str | None
    fee_allowed: bool
    extended_to: date | None
    extension_reason: str | None
    extension_notified: date | None
    closed: date | None
    outcome: str | None
    denial_basis: str | None
    reviewable: bool
    review_by: str | None
    review_date: date | None
    review_outcome: str | None
    letter_file: int | None
    recorded_at: str
    recorded_by: str


@dataclass(frozen=True, slots=True)
class Complaint:
    id: int
    received: date
    about: str
    note: str | None
    disposition: str | None
    closed: date | None
    recorded_at: str


@dataclass(frozen=True, slots=True)
class Sanction:
    id: int
    person_id: str
    on: date
    reason: str
    action: str
    incident_id: int | None
    recorded_at: str
    recorded_by: str


@dataclass(frozen=True, slots=True)
class NppVersion:
    id: int
    effective: date
    file_id: int
    filename: str
    sha256: str
    adopted_at: str
    adopted_by: str


@dataclass(frozen=True, slots=True)
class NppPosting:
    id: int
    version_id: int
    place: str
    on: date


@dataclass(frozen=True, slots=True)
class NppAcks:
    month: str
    given: int
    acknowledged: int


_REQUEST_COLUMNS = (
    "id, kind, received, patient_ref, note, restriction_kind, fee_allowed, extended_to, "
    "extension_reason, extension_notified, closed, outcome, denial_basis, reviewable, "
    "review_by, review_date, review_outcome, letter_file, recorded_at, recorded_by"
)


class PrivacyQueries(AsOf):
    """Mixed into Repository (which provides ``conn``); as of a date, nothing recorded after
    the cutoff is seen."""

    conn: sqlite3.Connection

    def _recorded_by_cutoff(self, rows: list[Any], at: int) -> list[Any]:
        cutoff = self.as_of_cutoff
        return [r for r in rows if cutoff is None or r[at] <= cutoff]

    # ------------------------------------------------------------------ files

    def add_privacy_file(
        self, blob_id: str, key: str, filename: str, sha256: str, size: int, now: str
    ) -> int:
        cur = self.conn.execute(
            "INSERT INTO privacy_files (blob_id, blob_key, filename, sha256, size, stored_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (blob_id, key, filename, sha256, size, now),
        )
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def privacy_file(self, file_id: int) -> tuple[str, str, str, str] | None:
        row = self.conn.execute(
            "SELECT blob_id, blob_key, filename, sha256 FROM privacy_files WHERE id = ?",
            (file_id,),
        ).fetchone()
        return tuple(row) if row else None  # type: ignore[return-value]

    # ------------------------------------------------------------------ requests

    def add_privacy_request(self, values: dict[str, Any]) -> int:
        names = ", ".join(values)
        marks = ", ".join("?" * len(values))
        cur = self.conn.execute(
            f"INSERT INTO privacy_requests ({names}) VALUES ({marks})",  # noqa: S608
            tuple(values.values()),
        )
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def update_privacy_request(self, request_id: int, values: dict[str, Any]) -> None:
        sets = ", ".join(f"{k} = ?" for k in values)
        self.conn.execute(
            f"UPDATE privacy_requests SET {sets} WHERE id = ?",  # noqa: S608
            (*values.values(), request_id),
        )
        self.conn.commit()

    def privacy_requests(self) -> list[PrivacyRequest]:
        rows = self.conn.execute(
            f"SELECT {_REQUEST_COLUMNS} FROM privacy_requests ORDER BY id"  # noqa: S608
        ).fetchall()
        return [
            PrivacyRequest(
                r[0], r[1], date.fromisoformat(r[2]), r[3], r[4], r[5], bool(r[6]), _d(r[7]),
                r[8], _d(r[9]), _d(r[10]), r[11], r[12], bool(r[13]), r[14], _d(r[15]), r[16],
                r[17], r[18], r[19],
            )
            for r in self._recorded_by_cutoff(rows, 18)
        ]  # fmt: skip

    # ------------------------------------------------------------------ complaints

    def add_complaint(self, received: date, about: str, note: str | None, now: str, by: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO complaints (received, about, note, recorded_at, recorded_by) "
            "VALUES (?, ?, ?, ?, ?)",
            (received.isoformat(), about, note, now, by),
        )
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def close_complaint(self, complaint_id: int, disposition: str, closed: date) -> None:
        self.conn.execute(
            "UPDATE complaints SET disposition = ?, closed = ? WHERE id = ?",
            (disposition, closed.isoformat(), complaint_id),
        )
        self.conn.commit()

    def complaints(self) -> list[Complaint]:
        rows = self.conn.execute(
            "SELECT id, received, about, note, disposition, closed, recorded_at FROM complaints "
            "ORDER BY id"
        ).fetchall()
        return [
            Complaint(r[0], date.fromisoformat(r[1]), r[2], r[3], r[4], _d(r[5]), r[6])
            for r in self._recorded_by_cutoff(rows, 6)
        ]

    # ------------------------------------------------------------------ sanctions

    def add_sanction(self, s: Sanction) -> int:
        cur = self.conn.execute(
            "INSERT INTO sanctions (person_id, on_date, reason, action, incident_id, "
            "recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (s.person_id, s.on.isoformat(), s.reason, s.action, s.incident_id, s.recorded_at,
             s.recorded_by),
        )  # fmt: skip
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def sanctions(self) -> list[Sanction]:
        rows = self.conn.execute(
            "SELECT id, person_id, on_date, reason, action, incident_id, recorded_at, "
            "recorded_by FROM sanctions ORDER BY on_date, id"
        ).fetchall()
        return [
            Sanction(r[0], r[1], date.fromisoformat(r[2]), r[3], r[4], r[5], r[6], r[7])
            for r in self._recorded_by_cutoff(rows, 6)
        ]

    # ------------------------------------------------------------------ the NPP

    def add_npp_version(self, effective: date, file_id: int, now: str, by: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO npp_versions (effective, file_id, adopted_at, adopted_by) "
            "VALUES (?, ?, ?, ?)",
            (effective.isoformat(), file_id, now, by),
        )
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def npp_versions(self) -> list[NppVersion]:
        rows = self.conn.execute(
            "SELECT v.id, v.effective, v.file_id, f.filename, f.sha256, v.adopted_at, "
            "v.adopted_by FROM npp_versions v JOIN privacy_files f ON f.id = v.file_id "
            "ORDER BY v.effective, v.id"
        ).fetchall()
        return [
            NppVersion(r[0], date.fromisoformat(r[1]), r[2], r[3], r[4], r[5], r[6])
            for r in self._recorded_by_cutoff(rows, 5)
        ]

    def add_npp_posting(self, version_id: int, place: str, on: date, now: str) -> None:
        self.conn.execute(
            "INSERT INTO npp_postings (version_id, place, on_date, recorded_at) "
            "VALUES (?, ?, ?, ?)",
            (version_id, place, on.isoformat(), now),
        )
        self.conn.commit()

    def npp_postings(self) -> list[NppPosting]:
        rows = self.conn.execute(
            "SELECT id, version_id, place, on_date, recorded_at FROM npp_postings ORDER BY id"
        ).fetchall()
        return [
            NppPosting(r[0], r[1], r[2], date.fromisoformat(r[3]))
            for r in self._recorded_by_cutoff(rows, 4)
        ]

    def put_npp_acks(self, month: str, given: int, acknowledged: int, now: str, by: str) -> None:
        self.conn.execute(
            "INSERT INTO npp_acks (month, given, acknowledged, recorded_at, recorded_by) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (month) DO UPDATE SET given = excluded.given, "
            "acknowledged = excluded.acknowledged, recorded_at = excluded.recorded_at, "
            "recorded_by = excluded.recorded_by",
            (month, given, acknowledged, now, by),
        )
        self.conn.commit()

    def npp_acks(self) -> list[NppAcks]:
        rows = self.conn.execute(
            "SELECT month, given, acknowledged, recorded_at FROM npp_acks ORDER BY month"
        ).fetchall()
        return [NppAcks(r[0], r[1], r[2]) for r in self._recorded_by_cutoff(rows, 3)]
