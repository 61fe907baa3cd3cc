"""Tables of exclusion screening (schema v16; areas/screening)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class ScreeningListRow(SQLModel, table=True):
    """An exclusion list file imported (schema v16): its rows live in an encrypted file."""

    __tablename__ = "screening_lists"
    id: int | None = Field(default=None, primary_key=True)
    source: str  # leie | sam
    kind: str  # full | excl | rein (LEIE supplements) | sam
    filename: str
    sha256: str
    rows: int
    published: str  # YYYY-MM
    blob_id: str
    blob_key: str  # base64
    imported_at: str
    imported_by: str


class ScreeningSubjectRow(SQLModel, table=True):
    """What screening needs beyond the roster: date of birth and other names."""

    __tablename__ = "screening_subjects"
    person_id: str = Field(primary_key=True, foreign_key="people.id")
    dob: date | None = None
    other_names: str = "[]"  # JSON [[first, last], ...]


class ScreeningRunRow(SQLModel, table=True):
    __tablename__ = "screening_runs"
    id: int | None = Field(default=None, primary_key=True)
    on_date: date
    ran_at: str
    ran_by: str
    lists: str  # JSON [{id, source, kind, sha256, published, rows}]
    people: str  # JSON [person ids screened]


class ScreeningCandidateRow(SQLModel, table=True):
    __tablename__ = "screening_candidates"
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="screening_runs.id", index=True)
    person_id: str
    basis: str
    row: str  # the list row, described
    resolution: str | None = None  # cleared | confirmed
    note: str | None = None
    resolved_at: str | None = None
    resolved_by: str | None = None
