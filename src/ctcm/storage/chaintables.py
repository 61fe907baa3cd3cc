"""Tables of the signed write chain (schema v17; services/writers.py)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class WriteRow(SQLModel, table=True):
    """One saved generation's signed record (schema v17, services/writers.py): who wrote it,
    the role table in force, digests of what it holds, linked to the record before."""

    __tablename__ = "write_chain"
    seq: int = Field(primary_key=True)
    generation: int
    body: str  # canonical JSON of the record
    sig: str  # the writer slot's Ed25519 signature of body
    hash: str  # SHA-256 of body, named by the next record


class RoleTableRow(SQLModel, table=True):
    """A role table (slot -> role, signing key, user) named by write records by its hash."""

    __tablename__ = "role_tables"
    hash: str = Field(primary_key=True)
    body: str
