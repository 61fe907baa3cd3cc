"""Tables of the Privacy Rule records (schema v18; areas/privacy): patient requests, complaints,
sanctions, the notice of privacy practices, and the files they keep (encrypted like scans)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel


class PrivacyFileRow(SQLModel, table=True):
    __tablename__ = "privacy_files"
    id: int | None = Field(default=None, primary_key=True)
    blob_id: str
    blob_key: str  # base64
    filename: str
    sha256: str
    size: int
    stored_at: str


class PrivacyRequestRow(SQLModel, table=True):
    """A patient's request under 164.522-164.528, with its legal clock."""

    __tablename__ = "privacy_requests"
    id: int | None = Field(default=None, primary_key=True)
    kind: str  # access | amendment | accounting | restriction | confidential-communication
    received: date
    patient_ref: str  # the practice's reference; never a name in any mail
    note: str | None = None
    restriction_kind: str | None = None  # out-of-pocket | other (restrictions)
    fee_allowed: bool = False  # accounting: not the first in 12 months (164.528(c)(2))
    extended_to: date | None = None
    extension_reason: str | None = None
    extension_notified: date | None = None
    closed: date | None = None
    outcome: str | None = None  # granted | denied | partly
    denial_basis: str | None = None
    reviewable: bool = False  # an access denial the patient may have reviewed (164.524(a)(3))
    review_by: str | None = None
    review_date: date | None = None
    review_outcome: str | None = None  # upheld | overturned
    letter_file: int | None = Field(default=None, foreign_key="privacy_files.id")
    recorded_at: str
    recorded_by: str


class ComplaintRow(SQLModel, table=True):
    __tablename__ = "complaints"
    id: int | None = Field(default=None, primary_key=True)
    received: date
    about: str
    note: str | None = None
    disposition: str | None = None
    closed: date | None = None
    recorded_at: str
    recorded_by: str


class SanctionRow(SQLModel, table=True):
    __tablename__ = "sanctions"
    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="people.id", index=True)
    on_date: date
    reason: str
    action: str
    incident_id: int | None = None
    recorded_at: str
    recorded_by: str


class NppVersionRow(SQLModel, table=True):
    __tablename__ = "npp_versions"
    id: int | None = Field(default=None, primary_key=True)
    effective: date
    file_id: int = Field(foreign_key="privacy_files.id")
    adopted_at: str
    adopted_by: str


class NppPostingRow(SQLModel, table=True):
    __tablename__ = "npp_postings"
    id: int | None = Field(default=None, primary_key=True)
    version_id: int = Field(foreign_key="npp_versions.id")
    place: str  # office | website
    on_date: date
    recorded_at: str


class NppAckRow(SQLModel, table=True):
    """Acknowledgments of receipt, as a monthly count the practice records (164.520(e))."""

    __tablename__ = "npp_acks"
    month: str = Field(primary_key=True)  # YYYY-MM
    given: int
    acknowledged: int
    recorded_at: str
    recorded_by: str


PRIVACY_TABLES = [
    PrivacyFileRow,
    PrivacyRequestRow,
    ComplaintRow,
    SanctionRow,
    NppVersionRow,
    NppPostingRow,
    NppAckRow,
]
