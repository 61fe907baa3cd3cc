"""Vendors and devices in the Repository (reads on the DB-API, one query each)."""

from __future__ import annotations

import base64
import sqlite3
from datetime import date

from ctcm.domain.assets import Device, DeviceType, Tri, Vendor
from ctcm.storage.asof import AsOf


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


# a vendor or device is on record as of a day if in service by then (or, with no such date,
# recorded by then): the rule of people's start dates and documents' issue dates
_IN_SERVICE = "CASE WHEN in_service IS NOT NULL THEN in_service <= ? ELSE created_at <= ? END"


class AssetQueries(AsOf):
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def vendors(self) -> dict[str, Vendor]:
        """As of a date: the vendors in service by then (or, with no such date, recorded by
        then), with a BAA signed later not yet signed."""
        rows = self.conn.execute(
            "SELECT key, name, service, phi, baa_signed, review_months, baa_filename, in_service "
            f"FROM vendors WHERE {_IN_SERVICE} ORDER BY key",
            self._in_service_params(),
        ).fetchall()
        reviewed = self._baa_reviews()
        day = self._as_of_day()
        out = {}
        for r in rows:
            signed = _d(r[4])
            if signed is not None and day is not None and signed.isoformat() > day:
                signed = None
            out[r[0]] = Vendor(r[0], r[1], r[2], bool(r[3]), signed, r[5],
                               r[6] if signed else None, reviewed.get(r[0]), _d(r[7]))  # fmt: skip
        return out

    def _as_of_day(self) -> str | None:
        """The day a packet or --as-of looks at (None: today, everything)."""
        if self.as_of_cutoff is None:
            return None
        return getattr(self, "in_effect_day", None) or self.as_of_cutoff[:10]

    def _in_service_params(self) -> tuple[str, str]:
        if self.as_of_cutoff is None:
            return ("9999-12-31", "9999")
        return (self._as_of_day() or "9999-12-31", self.as_of_cutoff)

    def _baa_reviews(self) -> dict[str, date]:
        """Each vendor's latest logged BAA review (`log add baa-review --field vendor=KEY`);
        an entry that a later one corrects no longer counts."""
        import json

        rows = self.conn.execute(
            "SELECT id, done_on, fields, corrects FROM activity_log WHERE kind = 'baa-review'"
        ).fetchall()
        corrected = {r[3] for r in rows if r[3] is not None}
        latest: dict[str, date] = {}
        as_of = self._as_of_day()
        for entry_id, done_on, fields, _ in rows:
            if as_of is not None and done_on > as_of:
                continue  # reviewed after the day looked at
            vendor = json.loads(fields).get("vendor", "").strip()
            day = date.fromisoformat(done_on)
            if entry_id not in corrected and vendor and day > latest.get(vendor, date.min):
                latest[vendor] = day
        return latest

    def put_vendor(self, v: Vendor, now: str) -> None:
        exists = self.conn.execute("SELECT 1 FROM vendors WHERE key = ?", (v.key,)).fetchone()
        if exists:
            self.conn.execute(
                "UPDATE vendors SET name = ?, service = ?, phi = ?, baa_signed = ?, "
                "review_months = ?, in_service = ? WHERE key = ?",
                (
                    v.name,
                    v.service,
                    int(v.phi),
                    v.baa_signed.isoformat() if v.baa_signed else None,
                    v.review_months,
                    v.in_service.isoformat() if v.in_service else None,
                    v.key,
                ),
            )
        else:
            self.conn.execute(
                "INSERT INTO vendors (key, name, service, phi, baa_signed, review_months, "
                "created_at, in_service) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    v.key,
                    v.name,
                    v.service,
                    int(v.phi),
                    v.baa_signed.isoformat() if v.baa_signed else None,
                    v.review_months,
                    now,
                    v.in_service.isoformat() if v.in_service else None,
                ),
            )
        self.conn.commit()

    def set_vendor_baa_file(self, key: str, blob_id: str, blob_key: bytes, filename: str) -> None:
        self.conn.execute(
            "UPDATE vendors SET baa_blob = ?, baa_key = ?, baa_filename = ? WHERE key = ?",
            (blob_id, base64.b64encode(blob_key).decode(), filename, key),
        )
        self.conn.commit()

    def devices(self) -> dict[str, Device]:
        """As of a date: the devices in use by then (or recorded by then), an audit or a
        retirement after it not yet made."""
        rows = self.conn.execute(
            "SELECT key, type, owner, encrypted, screen_lock, phi, last_audit, retired_on, "
            f"retire_method, in_service FROM devices WHERE {_IN_SERVICE} ORDER BY key",
            self._in_service_params(),
        ).fetchall()
        day = self._as_of_day()

        def by_then(value: str | None) -> date | None:
            return None if value is None or (day is not None and value > day) else _d(value)

        return {
            r[0]: Device(
                r[0],
                DeviceType(r[1]),
                r[2],
                Tri(r[3]),
                Tri(r[4]),
                bool(r[5]),
                by_then(r[6]),
                by_then(r[7]),
                r[8] if by_then(r[7]) else None,
                _d(r[9]),
            )
            for r in rows
        }

    def put_device(self, d: Device, now: str) -> None:
        values = (
            d.type.value,
            d.owner,
            d.encrypted.value,
            d.screen_lock.value,
            int(d.phi),
            d.last_audit.isoformat() if d.last_audit else None,
            d.retired_on.isoformat() if d.retired_on else None,
            d.retire_method,
            d.in_service.isoformat() if d.in_service else None,
        )
        if self.conn.execute("SELECT 1 FROM devices WHERE key = ?", (d.key,)).fetchone():
            self.conn.execute(
                "UPDATE devices SET type = ?, owner = ?, encrypted = ?, screen_lock = ?, "
                "phi = ?, last_audit = ?, retired_on = ?, retire_method = ?, in_service = ? "
                "WHERE key = ?",
                (*values, d.key),
            )
        else:
            self.conn.execute(
                "INSERT INTO devices (type, owner, encrypted, screen_lock, phi, last_audit, "
                "retired_on, retire_method, in_service, key, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, d.key, now),
            )
        self.conn.commit()
