"""Tables of primary-source verification (schema v19; areas/screening/verify.py)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class VerificationRow(SQLModel, table=True):
    """Who checked which document at which source, when, with what result (and the page seen,
    kept encrypted like a scan). A bulk feed (Nursys e-Notify, a board file) writes the same."""

    __tablename__ = "verifications"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    source: str  # a URL or the name of the source
    result: str  # active | expired | disciplined | not-found
    on_date: date
    note: str | None = None
    blob_id: str | None = None
    blob_key: str | None = None
    filename: str | None = None
    sha256: str | None = None
    recorded_at: str
    recorded_by: str


class VerifyRuleRow(SQLModel, table=True):
    """A document type that must be verified at its source, and how often again."""

    __tablename__ = "verify_rules"
    doctype: str = Field(primary_key=True, foreign_key="doctypes.key")
    every_days: int
    set_at: str


VERIFY_TABLES = [VerificationRow, VerifyRuleRow]
