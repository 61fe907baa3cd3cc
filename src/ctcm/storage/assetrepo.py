"""Vendors and devices in the Repository (reads on the DB-API, one query each)."""

from __future__ import annotations

import base64
import sqlite3
from datetime import date

from ctcm.domain.assets import Device, DeviceType, Tri, Vendor
from ctcm.storage.asof import AsOf


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


class AssetQueries(AsOf):
    """Mixed into Repository (which provides ``conn``)."""

    conn: sqlite3.Connection

    def vendors(self) -> dict[str, Vendor]:
        rows = self.conn.execute(
            "SELECT key, name, service, phi, baa_signed, review_months, baa_filename "
            "FROM vendors WHERE created_at <= ? ORDER BY key",
            (self._cut(),),
        ).fetchall()
        reviewed = self._baa_reviews()
        return {
            r[0]: Vendor(r[0], r[1], r[2], bool(r[3]), _d(r[4]), r[5], r[6], reviewed.get(r[0]))
            for r in rows
        }

    def _baa_reviews(self) -> dict[str, date]:
        """Each vendor's latest logged BAA review (`log add baa-review --field vendor=KEY`);
        an entry that a later one corrects no longer counts."""
        import json

        rows = self.conn.execute(
            "SELECT id, done_on, fields, corrects FROM activity_log WHERE kind = 'baa-review'"
        ).fetchall()
        corrected = {r[3] for r in rows if r[3] is not None}
        latest: dict[str, date] = {}
        for entry_id, done_on, fields, _ in rows:
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
                "review_months = ? WHERE key = ?",
                (
                    v.name,
                    v.service,
                    int(v.phi),
                    v.baa_signed.isoformat() if v.baa_signed else None,
                    v.review_months,
                    v.key,
                ),
            )
        else:
            self.conn.execute(
                "INSERT INTO vendors (key, name, service, phi, baa_signed, review_months, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    v.key,
                    v.name,
                    v.service,
                    int(v.phi),
                    v.baa_signed.isoformat() if v.baa_signed else None,
                    v.review_months,
                    now,
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
        rows = self.conn.execute(
            "SELECT key, type, owner, encrypted, screen_lock, phi, last_audit, retired_on, "
            "retire_method FROM devices WHERE created_at <= ? ORDER BY key",
            (self._cut(),),
        ).fetchall()
        return {
            r[0]: Device(
                r[0],
                DeviceType(r[1]),
                r[2],
                Tri(r[3]),
                Tri(r[4]),
                bool(r[5]),
                _d(r[6]),
                _d(r[7]),
                r[8],
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
        )
        if self.conn.execute("SELECT 1 FROM devices WHERE key = ?", (d.key,)).fetchone():
            self.conn.execute(
                "UPDATE devices SET type = ?, owner = ?, encrypted = ?, screen_lock = ?, "
                "phi = ?, last_audit = ?, retired_on = ?, retire_method = ? WHERE key = ?",
                (*values, d.key),
            )
        else:
            self.conn.execute(
                "INSERT INTO devices (type, owner, encrypted, screen_lock, phi, last_audit, "
                "retired_on, retire_method, key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, d.key, now),
            )
        self.conn.commit()
