"""Repository: maps rows to domain values. Reads use the plain DB-API connection with a fixed
number of portable SELECTs (no SQLAlchemy import on the read path); writes go through SQLModel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from ctcm.domain.credentials import Category, DocType, Document, Person, Policy, Waiver
from ctcm.domain.reminders import LedgerEntry
from ctcm.storage.activityrepo import ActivityQueries
from ctcm.storage.assetrepo import AssetQueries
from ctcm.storage.auditrepo import GENESIS, AuditEntry, AuditQueries, audit_hash
from ctcm.storage.db import Database
from ctcm.storage.filerepo import Attachment, FileQueries
from ctcm.storage.incidentrepo import IncidentQueries
from ctcm.storage.manualrepo import ManualQueries
from ctcm.storage.privacyrepo import PrivacyQueries
from ctcm.storage.riskrepo import RiskQueries
from ctcm.storage.screeningrepo import ScreeningQueries
from ctcm.storage.userrepo import UserQueries
from ctcm.storage.verifyrepo import VerifyQueries

__all__ = ["GENESIS", "Attachment", "AuditEntry", "Repository", "audit_hash"]


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


class Repository(
    VerifyQueries,
    PrivacyQueries,
    ScreeningQueries,
    RiskQueries,
    ActivityQueries,
    IncidentQueries,
    AssetQueries,
    ManualQueries,
    UserQueries,
    AuditQueries,
    FileQueries,
):
    def __init__(self, db: Database) -> None:
        self.db = db
        self.conn = db.conn
        # as-of reads (the audit packet): people and documents recorded after this UTC
        # timestamp are left out, and a voiding after it is not yet a voiding
        self.cutoff: str | None = None  # as of a date: what was recorded after is not seen
        # ... unless it says when it came into effect: a person's start date, a document's
        # issue date (a back-dated onboarding counts from then): the as-of day, YYYY-MM-DD
        self.in_effect_day: str | None = None

    # ================================================================== reads (DB-API)

    def settings(self) -> dict[str, str]:
        return dict(self.conn.execute("SELECT key, value FROM settings").fetchall())

    def users(self) -> list[tuple[str, str, str]]:
        return self.conn.execute("SELECT name, slot_id, role FROM users ORDER BY name").fetchall()

    def schedules(self) -> dict[str, str]:
        """Per-type reminder schedule overrides."""
        return dict(
            self.conn.execute(
                "SELECT key, remind FROM doctypes WHERE remind IS NOT NULL"
            ).fetchall()
        )

    def deliveries(self, kind: str | None = None) -> list[LedgerEntry]:
        sql = (
            "SELECT kind, status, at, person_id, doctype_key, about, threshold, "
            "threshold_date, passed, escalation, channel, recipients, period, message_id, note "
            "FROM deliveries"
        )
        rows = (
            self.conn.execute(sql + " WHERE kind = ? ORDER BY id", (kind,))
            if kind
            else self.conn.execute(sql + " ORDER BY id")
        )
        return [
            LedgerEntry(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                _d(r[7]),
                r[8],
                r[9],
                r[10],
                r[11],
                r[12],
                r[13],
                r[14],
            )
            for r in rows
        ]

    def doctypes(self) -> dict[str, DocType]:
        rows = self.conn.execute(
            "SELECT key, name, category, validity_months, warn_days, archived_at, validity_days, "
            "provided FROM doctypes ORDER BY key"
        ).fetchall()
        return {
            r[0]: DocType(
                r[0], r[1], Category(r[2]), r[3], r[4], r[5] is not None, r[6], bool(r[7])
            )
            for r in rows
        }

    def policies(self) -> dict[str, Policy]:
        reqs: dict[str, list[str]] = defaultdict(list)
        for pkey, dkey in self.conn.execute(
            "SELECT policy_key, doctype_key FROM policy_requirements ORDER BY doctype_key"
        ):
            reqs[pkey].append(dkey)
        rows = self.conn.execute("SELECT key, name FROM policies ORDER BY key").fetchall()
        return {k: Policy(k, n, tuple(reqs[k])) for k, n in rows}

    def people(self, active_only: bool = False) -> list[Person]:
        """All people (sorted by id) in three queries, however many there are."""
        where = " WHERE active = 1" if active_only else ""
        params: tuple[str, ...] = ()
        if self.cutoff is not None:
            where += (" AND" if where else " WHERE") + (
                " CASE WHEN start_date IS NOT NULL THEN start_date <= ? ELSE created_at <= ? END"
            )
            params = (self.in_effect_day or self.cutoff[:10], self.cutoff)
        pol: dict[str, list[str]] = defaultdict(list)
        for pid, key in self.conn.execute(
            "SELECT person_id, policy_key FROM person_policies ORDER BY policy_key"
        ):
            pol[pid].append(key)
        ext: dict[str, list[str]] = defaultdict(list)
        for pid, key in self.conn.execute(
            "SELECT person_id, doctype_key FROM person_extras ORDER BY doctype_key"
        ):
            ext[pid].append(key)
        rows = self.conn.execute(
            "SELECT id, name, email, title, start_date, active, deactivated_on FROM people"
            + where
            + " ORDER BY id",
            params,
        ).fetchall()
        return [
            Person(
                r[0],
                r[1],
                r[2],
                r[3],
                _d(r[4]),
                bool(r[5]),
                _d(r[6]),
                tuple(pol[r[0]]),
                tuple(ext[r[0]]),
            )
            for r in rows
        ]

    def person(self, person_id: str) -> Person | None:
        row = self.conn.execute(
            "SELECT id, name, email, title, start_date, active, deactivated_on FROM people "
            "WHERE id = ?",
            (person_id,),
        ).fetchone()
        if row is None:
            return None
        policies = tuple(
            r[0]
            for r in self.conn.execute(
                "SELECT policy_key FROM person_policies WHERE person_id = ? ORDER BY policy_key",
                (person_id,),
            )
        )
        extras = tuple(
            r[0]
            for r in self.conn.execute(
                "SELECT doctype_key FROM person_extras WHERE person_id = ? ORDER BY doctype_key",
                (person_id,),
            )
        )
        return Person(
            row[0], row[1], row[2], row[3], _d(row[4]), bool(row[5]), _d(row[6]), policies, extras
        )

    def waivers(self) -> dict[tuple[str, str], Waiver]:
        return {
            (r[0], r[1]): Waiver(r[0], r[1], r[2], _d(r[3]))
            for r in self.conn.execute("SELECT person_id, doctype_key, reason, until FROM waivers")
        }

    _DOC_COLUMNS = (
        "SELECT d.id, d.person_id, d.doctype_key, d.issued, d.expires, d.number, "
        "d.note, (SELECT COUNT(*) FROM attachments a WHERE a.document_id = d.id), "
        "d.void_reason FROM documents d"
    )

    @staticmethod
    def _doc(r: tuple[Any, ...]) -> Document:
        return Document(r[0], r[1], r[2], _d(r[3]), _d(r[4]), r[5], r[6], r[7], r[8])

    # a document is on record as of a day if issued by then (or, with no issue date, recorded
    # by then): the rule of ``in_effect_day``
    _IN_EFFECT = "CASE WHEN issued IS NOT NULL THEN issued <= ? ELSE created_at <= ? END"
    _IN_EFFECT_D = "CASE WHEN d.issued IS NOT NULL THEN d.issued <= ? ELSE d.created_at <= ? END"

    def _in_effect_params(self) -> tuple[str, str]:
        if self.cutoff is None:
            # a date, not "9999": the DATE column's numeric affinity would make that a number
            return ("9999-12-31", "9999")
        return (self.in_effect_day or self.cutoff[:10], self.cutoff)

    def current_documents(self) -> dict[tuple[str, str], Document]:
        """The document in force per (person, type): the most recently recorded one that was
        not voided."""
        cut = self.cutoff or "9999"
        rows = self.conn.execute(
            "SELECT d.id, d.person_id, d.doctype_key, d.issued, d.expires, d.number, d.note, 0, "
            "NULL FROM documents d WHERE d.id IN "
            "(SELECT MAX(id) FROM documents WHERE (voided_at IS NULL OR voided_at > ?) "
            f"AND {self._IN_EFFECT} GROUP BY person_id, doctype_key)",
            (cut, *self._in_effect_params()),
        ).fetchall()
        return {(r[1], r[2]): self._doc(r) for r in rows}

    def documents(self, person_id: str | None = None) -> list[Document]:
        if person_id is None:
            rows = self.conn.execute(
                self._DOC_COLUMNS + f" WHERE {self._IN_EFFECT_D} ORDER BY d.id",
                self._in_effect_params(),
            ).fetchall()
        else:
            rows = self.conn.execute(
                self._DOC_COLUMNS + f" WHERE d.person_id = ? AND {self._IN_EFFECT_D} ORDER BY d.id",
                (person_id, *self._in_effect_params()),
            ).fetchall()
        return [self._doc(r) for r in rows]

    def document_counts(self) -> dict[tuple[str, str], int]:
        """How many documents each (person, document type) has had: it only ever grows, so a
        calendar event's SEQUENCE can follow it across renewals."""
        rows = self.conn.execute(
            "SELECT person_id, doctype_key, COUNT(*) FROM documents WHERE created_at <= ? "
            "GROUP BY person_id, doctype_key",
            (self.cutoff or "9999",),
        ).fetchall()
        return {(r[0], r[1]): r[2] for r in rows}

    def void_document(self, doc_id: int, reason: str, at: str, by: str) -> None:
        self.conn.execute(
            "UPDATE documents SET voided_at = ?, void_reason = ?, voided_by = ? WHERE id = ?",
            (at, reason, by, doc_id),
        )
        self.conn.commit()

    def document(self, doc_id: int) -> Document | None:
        row = self.conn.execute(self._DOC_COLUMNS + " WHERE d.id = ?", (doc_id,)).fetchone()
        return self._doc(row) if row else None

    # ------------------------------------------------------------------ outbox claims

    def claims(self) -> dict[str, str]:
        """Each open delivery claim and its heartbeat stamp."""
        rows = self.conn.execute(
            "SELECT DISTINCT message_id, at FROM deliveries WHERE status = 'claimed'"
        ).fetchall()
        return {r[0]: r[1] for r in rows if r[0]}

    def drop_claims(self, claims: list[str]) -> None:
        self.conn.executemany(
            "DELETE FROM deliveries WHERE status = 'claimed' AND message_id = ?",
            [(c,) for c in claims],
        )
        self.conn.commit()

    def settle_claim(self, claim: str, message_id: str, at: str) -> None:
        self.conn.execute(
            "UPDATE deliveries SET status = 'sent', message_id = ?, at = ? "
            "WHERE status = 'claimed' AND message_id = ?",
            (message_id, at, claim),
        )
        self.conn.commit()

    def refresh_claims(self, prefix: str, at: str) -> None:
        """A running outbox's heartbeat: its remaining claims are not stale."""
        self.conn.execute(
            "UPDATE deliveries SET at = ? WHERE status = 'claimed' AND message_id LIKE ?",
            (at, prefix + "%"),
        )
        self.conn.commit()

    def remove_user(self, name: str) -> None:
        self.conn.execute("DELETE FROM users WHERE name = ?", (name,))
        self.conn.commit()

    # ================================================================== writes (SQLModel)

    def _save(self, *rows: Any, delete: Iterable[Any] = ()) -> None:
        with self.db.session() as session:
            for row in delete:
                session.delete(row)
            session.flush()
            for row in rows:
                session.merge(row)
            session.commit()

    def set_settings(self, values: dict[str, str]) -> None:
        """An upsert on the DB-API: every save that folds the read journal sets one, and the
        ORM's import alone costs a write command 0.4 s."""
        self.conn.executemany(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )
        self.conn.commit()

    def add_user(self, name: str, slot_id: str, role: str, now: str) -> None:
        self.conn.execute(
            "INSERT INTO users (name, slot_id, role, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET slot_id = excluded.slot_id, role = excluded.role",
            (name, slot_id, role, now),
        )
        self.conn.commit()

    def put_doctype(self, dt: DocType, now: str) -> None:
        """Insert or update a document type (its created and archived times kept)."""
        row = self.conn.execute(
            "SELECT archived_at FROM doctypes WHERE key = ?", (dt.key,)
        ).fetchone()
        archived = (row[0] if row and row[0] else now) if dt.archived else None
        self.conn.execute(
            "INSERT INTO doctypes (key, name, category, validity_months, validity_days, "
            "warn_days, provided, archived_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET name = excluded.name, category = excluded.category, "
            "validity_months = excluded.validity_months, validity_days = excluded.validity_days, "
            "warn_days = excluded.warn_days, provided = excluded.provided, "
            "archived_at = excluded.archived_at",
            (dt.key, dt.name, dt.category.value, dt.validity_months, dt.validity_days,
             dt.warn_days, 1 if dt.provided else 0, archived, now),
        )  # fmt: skip
        self.conn.commit()

    def put_policy(self, policy: Policy, now: str) -> None:
        c = self.conn
        c.execute(
            "INSERT INTO policies (key, name, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET name = excluded.name",
            (policy.key, policy.name, now),
        )
        c.execute("DELETE FROM policy_requirements WHERE policy_key = ?", (policy.key,))
        c.executemany(
            "INSERT INTO policy_requirements (policy_key, doctype_key) VALUES (?, ?)",
            [(policy.key, key) for key in policy.requires],
        )
        c.commit()

    def put_people(self, people: Iterable[Person], now: str) -> None:
        """Insert or update people with their policy and extra assignments (one transaction,
        on the DB-API: the common write paths never pay for the ORM's import)."""
        c = self.conn
        for p in people:
            c.execute(
                "INSERT INTO people (id, name, email, title, start_date, active, deactivated_on, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "name = excluded.name, email = excluded.email, title = excluded.title, "
                "start_date = excluded.start_date, active = excluded.active, "
                "deactivated_on = excluded.deactivated_on",
                (
                    p.id,
                    p.name,
                    p.email,
                    p.title,
                    _iso(p.start),
                    1 if p.active else 0,
                    _iso(p.deactivated_on),
                    now,
                ),
            )
            c.execute("DELETE FROM person_policies WHERE person_id = ?", (p.id,))
            c.execute("DELETE FROM person_extras WHERE person_id = ?", (p.id,))
            c.executemany(
                "INSERT INTO person_policies (person_id, policy_key) VALUES (?, ?)",
                [(p.id, key) for key in p.policies],
            )
            c.executemany(
                "INSERT INTO person_extras (person_id, doctype_key) VALUES (?, ?)",
                [(p.id, key) for key in p.extras],
            )
        c.commit()

    def put_waiver(self, waiver: Waiver, now: str, actor: str) -> None:
        self.conn.execute(
            "INSERT INTO waivers (person_id, doctype_key, reason, until, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (person_id, doctype_key) DO UPDATE SET "
            "reason = excluded.reason, until = excluded.until, created_at = excluded.created_at, "
            "created_by = excluded.created_by",
            (waiver.person_id, waiver.doctype, waiver.reason, _iso(waiver.until), now, actor),
        )
        self.conn.commit()

    def delete_waiver(self, person_id: str, doctype: str) -> bool:
        cur = self.conn.execute(
            "DELETE FROM waivers WHERE person_id = ? AND doctype_key = ?", (person_id, doctype)
        )
        self.conn.commit()
        return cur.rowcount > 0

    def add_documents(self, docs: Iterable[Document], now: str, actor: str) -> list[int]:
        """Record documents in one transaction; return their new ids in order."""
        ids = []
        for d in docs:
            cur = self.conn.execute(
                "INSERT INTO documents (person_id, doctype_key, issued, expires, number, note, "
                "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (d.person_id, d.doctype, _iso(d.issued), _iso(d.expires), d.number, d.note, now,
                 actor),
            )  # fmt: skip
            ids.append(int(cur.lastrowid or 0))
        self.conn.commit()
        return ids

    def set_schedule(self, doctype: str, schedule: str | None) -> None:
        self.conn.execute("UPDATE doctypes SET remind = ? WHERE key = ?", (schedule, doctype))
        self.conn.commit()

    def add_deliveries(self, entries: Iterable[LedgerEntry]) -> None:
        """Append ledger rows in one executemany on the DB-API (ORM objects cost ~0.2 ms each,
        and the ORM's import 0.4 s a run)."""
        rows = [
            (
                e.kind,
                e.status,
                e.at,
                e.person_id,
                e.doctype,
                e.about,
                e.threshold,
                e.threshold_date.isoformat() if e.threshold_date else None,
                e.passed,
                e.escalation,
                e.channel,
                e.recipients,
                e.period,
                e.message_id,
                e.note,
            )
            for e in entries
        ]
        if rows:
            self.conn.executemany(
                "INSERT INTO deliveries (kind, status, at, person_id, doctype_key, about, "
                "threshold, threshold_date, passed, escalation, channel, recipients, period, "
                "message_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            self.conn.commit()
