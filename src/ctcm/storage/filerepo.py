"""The encrypted files part of the Repository: document scans (attachments), and every place
an encrypted file is named (scans, log evidence, vendors' BAA files) for re-keying, backup
checks and settling what a killed writer left."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Attachment:
    id: str
    document_id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    key: bytes


class FileQueries:
    """Mixed into Repository (which provides ``conn`` and ``_save``)."""

    conn: sqlite3.Connection
    _save: Callable[..., None]  # Repository's SQLModel write helper

    def attachments(self, doc_id: int | None) -> list[Attachment]:
        """One document's attachments in order, or (None) every document's, in one query."""
        import base64

        columns = "SELECT id, document_id, filename, media_type, size, sha256, key FROM attachments"
        if doc_id is None:
            rows = self.conn.execute(columns + " ORDER BY document_id, position").fetchall()
        else:
            rows = self.conn.execute(
                columns + " WHERE document_id = ? ORDER BY position", (doc_id,)
            ).fetchall()
        return [
            Attachment(r[0], r[1], r[2], r[3], r[4], r[5], base64.b64decode(r[6])) for r in rows
        ]

    def add_attachment(self, att: Attachment, now: str) -> None:
        import base64

        position = self.conn.execute(
            "SELECT COUNT(*) FROM attachments WHERE document_id = ?", (att.document_id,)
        ).fetchone()[0]
        self.conn.execute(
            "INSERT INTO attachments (id, document_id, position, filename, media_type, size, "
            "sha256, key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (att.id, att.document_id, position, att.filename, att.media_type, att.size,
             att.sha256, base64.b64encode(att.key).decode(), now),
        )  # fmt: skip
        self.conn.commit()

    # where an encrypted file is named: (table, id column, key column)
    _BLOB_REFS = (
        ("attachments", "id", "key"),
        ("activity_attachments", "id", "key"),
        ("vendors", "baa_blob", "baa_key"),
        ("screening_lists", "blob_id", "blob_key"),
        ("privacy_files", "blob_id", "blob_key"),
        ("verifications", "blob_id", "blob_key"),
    )

    def _blob_tables(self) -> list[tuple[str, str, str]]:
        # a backup from an older schema may lack the later tables (backups are not migrated)
        present = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master")}
        return [ref for ref in self._BLOB_REFS if ref[0] in present]

    def _blob_keys_sql(self) -> str:
        parts = [
            f"SELECT {i} AS id, {k} AS key FROM {t} WHERE {i} IS NOT NULL"
            for t, i, k in self._blob_tables()
        ]
        return " UNION ALL ".join(parts) or "SELECT NULL AS id, NULL AS key WHERE 0 = 1"

    def attachment_keys(self) -> list[tuple[str, bytes]]:
        """Every encrypted file this generation names, with its key: document scans, log
        evidence and vendors' BAA files."""
        import base64

        sql = f"SELECT id, key FROM ({self._blob_keys_sql()}) ORDER BY id"
        return [(r[0], base64.b64decode(r[1])) for r in self.conn.execute(sql)]

    def evidence_files(self) -> list[tuple[int, str, str, bytes]]:
        """Files kept with log entries (sign-in sheets, review reports): (entry, file name,
        blob id, key)."""
        import base64

        rows = self.conn.execute(
            "SELECT entry_id, filename, id, key FROM activity_attachments "
            "ORDER BY entry_id, position"
        ).fetchall()
        return [(r[0], r[1], r[2], base64.b64decode(r[3])) for r in rows]

    def baa_files(self) -> list[tuple[str, str, str, bytes]]:
        """Vendors' stored BAA copies: (vendor, file name, blob id, key)."""
        import base64

        rows = self.conn.execute(
            "SELECT key, baa_filename, baa_blob, baa_key FROM vendors "
            "WHERE baa_blob IS NOT NULL ORDER BY key"
        ).fetchall()
        return [(r[0], r[1] or "baa", r[2], base64.b64decode(r[3])) for r in rows]

    def blob_ids(self) -> set[str]:
        """The ids of every encrypted file this generation names."""
        return {r[0] for r in self.conn.execute(f"SELECT id FROM ({self._blob_keys_sql()})")}

    def rekey_attachments(self, mapping: dict[str, tuple[str, bytes]]) -> None:
        """Point every file reference (scans, log evidence, BAA files) at re-encrypted files:
        old id -> (new id, new key)."""
        import base64

        rows = [(new, base64.b64encode(key).decode(), old) for old, (new, key) in mapping.items()]
        for table, id_col, key_col in self._blob_tables():
            self.conn.executemany(
                f"UPDATE {table} SET {id_col} = ?, {key_col} = ? WHERE {id_col} = ?", rows
            )
        self.conn.commit()
