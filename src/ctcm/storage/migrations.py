"""Ordered schema migrations, recorded in ``schema_migrations`` and applied on open.

A new database is created from the current table definitions and stamped with every version
(a baseline). An existing database gets each pending migration's explicit change, in order.
Checking the version needs only the DB-API connection; SQLAlchemy is imported only when there is
work to do. Rules: never edit a released migration; write each change as explicit, portable DDL
(SQLAlchemy Core), creating a table from its model only in the migration that introduces it.
Once a later migration alters that table, freeze the earlier migration's definition.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

Migration = tuple[str, Callable[[Any], None]]


def _v1_initial(connection: Any) -> None:  # pragma: no cover - every v1 vault exists already
    raise RuntimeError("schema v1 is only ever created as a baseline")


def _v2_reminders(connection: Any) -> None:
    from sqlalchemy import Column, MetaData, String, Table
    from sqlmodel import SQLModel

    from ctcm.storage.tables import DeliveryRow

    doctypes = Table("doctypes", MetaData(), Column("remind", String, nullable=True))
    column = doctypes.c.remind
    connection.exec_driver_sql(
        f"ALTER TABLE doctypes ADD COLUMN {column.name} "
        f"{column.type.compile(dialect=connection.dialect)}"
    )
    SQLModel.metadata.create_all(connection, tables=[DeliveryRow.__table__])  # type: ignore[attr-defined]


def _v3_risk(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.tables import AssessmentRow, RiskAnswerRow, RiskRatingRow, RiskTaskRow

    SQLModel.metadata.create_all(
        connection,
        tables=[  # type: ignore[attr-defined]
            t.__table__ for t in (AssessmentRow, RiskAnswerRow, RiskRatingRow, RiskTaskRow)
        ],
    )


def _v4_risk_signoff(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.tables import RiskExclusionRow, RiskSignoffRow

    SQLModel.metadata.create_all(
        connection,
        tables=[t.__table__ for t in (RiskExclusionRow, RiskSignoffRow)],  # type: ignore[attr-defined]
    )


def _add_columns(connection: Any, table: str, *columns: tuple[str, Any]) -> None:
    """ALTER TABLE ... ADD COLUMN, portable DDL from SQLAlchemy types; a column the table has
    already (created from a later model by an earlier step) is left alone."""
    from sqlalchemy import Column, MetaData, Table, inspect

    have = {c["name"] for c in inspect(connection).get_columns(table)}
    spec = Table(table, MetaData(), *(Column(name, kind, nullable=True) for name, kind in columns))
    for column in spec.columns:
        if column.name not in have:
            connection.exec_driver_sql(
                f"ALTER TABLE {table} ADD COLUMN {column.name} "
                f"{column.type.compile(dialect=connection.dialect)}"
            )


def _v5_validity_days(connection: Any) -> None:
    from sqlalchemy import Integer

    _add_columns(connection, "doctypes", ("validity_days", Integer))


def _v6_ledger_note(connection: Any) -> None:
    from sqlalchemy import String

    # v2 creates the ledger from the current model, which already has the column.
    _add_columns(connection, "deliveries", ("note", String))


def _v7_document_void(connection: Any) -> None:
    from sqlalchemy import String

    _add_columns(
        connection,
        "documents",
        ("voided_at", String),
        ("void_reason", String),
        ("voided_by", String),
    )


def _v8_activities(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.tables import (
        ActivityAttachmentRow,
        ActivityAttendeeRow,
        ActivityKindRow,
        ActivityLogRow,
        ActivityScheduleRow,
    )

    tables = (
        ActivityKindRow,
        ActivityLogRow,
        ActivityAttachmentRow,
        ActivityAttendeeRow,
        ActivityScheduleRow,
    )
    SQLModel.metadata.create_all(connection, tables=[t.__table__ for t in tables])  # type: ignore[attr-defined]


def _v9_incidents(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.tables import IncidentNoticeRow, IncidentRow

    SQLModel.metadata.create_all(
        connection,
        tables=[t.__table__ for t in (IncidentRow, IncidentNoticeRow)],  # type: ignore[attr-defined]
    )


def _v10_vendors_devices(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.tables import DeviceRow, VendorRow

    SQLModel.metadata.create_all(
        connection,
        tables=[t.__table__ for t in (VendorRow, DeviceRow)],  # type: ignore[attr-defined]
    )


def _v11_manual(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.tables import (
        ManualAckRow,
        ManualAnswerRow,
        ManualSectionRow,
        ManualVersionRow,
    )

    tables = (ManualAnswerRow, ManualVersionRow, ManualSectionRow, ManualAckRow)
    SQLModel.metadata.create_all(connection, tables=[t.__table__ for t in tables])  # type: ignore[attr-defined]


def _v12_users(connection: Any) -> None:
    from sqlalchemy import Integer, String

    _add_columns(connection, "users", ("person_id", String()), ("must_change", Integer()))


def _v13_log_for(connection: Any) -> None:
    from sqlalchemy import Date

    _add_columns(connection, "activity_log", ("for_date", Date()))


def _v14_doctype_provided(connection: Any) -> None:
    from sqlalchemy import Boolean, text

    _add_columns(connection, "doctypes", ("provided", Boolean()))
    # the packaged types an employer obtains itself (catalog/small-practice.toml)
    connection.execute(
        text("UPDATE doctypes SET provided = :yes WHERE key IN ('background-check', 'i9')"),
        {"yes": True},
    )


def _v15_incident_details(connection: Any) -> None:
    from sqlalchemy import Text

    _add_columns(connection, "incidents", ("details", Text()))
    _add_columns(connection, "incident_notices", ("details", Text()))


def _v16_screening(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.tables import (
        ScreeningCandidateRow,
        ScreeningListRow,
        ScreeningRunRow,
        ScreeningSubjectRow,
    )

    tables = (ScreeningListRow, ScreeningSubjectRow, ScreeningRunRow, ScreeningCandidateRow)
    SQLModel.metadata.create_all(
        connection,
        tables=[t.__table__ for t in tables],  # type: ignore[attr-defined]
    )


def _v17_signed(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.chaintables import RoleTableRow, WriteRow

    SQLModel.metadata.create_all(
        connection,
        tables=[WriteRow.__table__, RoleTableRow.__table__],  # type: ignore[attr-defined]
    )


def _v18_privacy(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.privacytables import PRIVACY_TABLES

    SQLModel.metadata.create_all(
        connection,
        tables=[t.__table__ for t in PRIVACY_TABLES],  # type: ignore[attr-defined]
    )


def _v19_verify(connection: Any) -> None:
    from sqlmodel import SQLModel

    from ctcm.storage.verifytables import VERIFY_TABLES

    SQLModel.metadata.create_all(
        connection,
        tables=[t.__table__ for t in VERIFY_TABLES],  # type: ignore[attr-defined]
    )


def _v20_in_service(connection: Any) -> None:
    from sqlalchemy import Date

    _add_columns(connection, "vendors", ("in_service", Date))
    _add_columns(connection, "devices", ("in_service", Date))


MIGRATIONS: list[Migration] = [
    ("initial schema: practice, credentials, attachments, audit", _v1_initial),
    ("reminder schedules per document type; delivery ledger", _v2_reminders),
    ("risk analysis: assessments, answers, ratings, mitigation tasks", _v3_risk),
    (
        "risk analysis: scenarios not applicable, sign-offs of finalized assessments",
        _v4_risk_signoff,
    ),
    ("document types valid for a number of days", _v5_validity_days),
    ("a note on delivery ledger rows (rehearsals)", _v6_ledger_note),
    ("documents entered in error can be voided", _v7_document_void),
    ("forms & logs, activity kinds and the compliance calendar", _v8_activities),
    ("security incidents, breach assessments and notices", _v9_incidents),
    ("vendors with their BAAs; devices and their disposal", _v10_vendors_devices),
    ("the policies and procedures manual: answers, versions, acknowledgments", _v11_manual),
    ("users: their person record; one-time enrolment passphrases", _v12_users),
    ("a log entry can name the occurrence it closes (log add --for)", _v13_log_for),
    ("document types the practice itself provides (never asked of staff)", _v14_doctype_provided),
    (
        "incident facts (discovery, delays, substitute notice) and notice details",
        _v15_incident_details,
    ),
    ("exclusion screening: list files, subjects, runs, candidates", _v16_screening),
    ("signed writes: each generation's writer and the role table in force", _v17_signed),
    ("Privacy Rule records: patient requests, complaints, sanctions, the NPP", _v18_privacy),
    ("primary-source verification of documents, and the types that need it", _v19_verify),
    (
        "vendors and devices in service since a date (as-of packets, back-dated onboarding)",
        _v20_in_service,
    ),
]
LATEST = len(MIGRATIONS)


def current_version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    except sqlite3.OperationalError:
        return 0
    return int(row[0] or 0)


def migrate(db: Any, now_iso: str) -> list[str]:
    """Bring the database to the latest schema; return the names of the steps applied."""
    version = current_version(db.conn)
    if version > LATEST:
        from ctcm.errors import VaultError

        raise VaultError(
            f"this vault has schema version {version}; this ctcm knows {LATEST}: upgrade ctcm"
        )
    if version == LATEST:
        return []
    from sqlalchemy import text

    applied = []
    with db.engine().begin() as connection:
        if version == 0:
            from sqlmodel import SQLModel

            from ctcm.storage.tables import ALL_TABLES

            SQLModel.metadata.create_all(connection, tables=[t.__table__ for t in ALL_TABLES])  # type: ignore[attr-defined]
            pending = list(enumerate(MIGRATIONS, start=1))
        else:
            pending = list(enumerate(MIGRATIONS, start=1))[version:]
            for _, (_, step) in pending:
                step(connection)
        for number, (name, _) in pending:
            connection.execute(
                text(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (:v, :n, :t)"
                ),
                {"v": number, "n": name, "t": now_iso},
            )
            applied.append(name)
    return applied
