"""SQLModel tables: the schema of a practice database (written through SQLModel sessions).

Timestamps are ISO-8601 UTC strings (``2026-11-25T04:36:00Z``) and dates ``YYYY-MM-DD``, so the
same rows read identically through SQLAlchemy and the plain DB-API read path.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from ctcm.storage.chaintables import RoleTableRow, WriteRow
from ctcm.storage.privacytables import PRIVACY_TABLES
from ctcm.storage.screeningtables import (
    ScreeningCandidateRow,
    ScreeningListRow,
    ScreeningRunRow,
    ScreeningSubjectRow,
)
from ctcm.storage.verifytables import VERIFY_TABLES


class Setting(SQLModel, table=True):
    __tablename__ = "settings"
    key: str = Field(primary_key=True)
    value: str


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    name: str = Field(primary_key=True)
    slot_id: str
    role: str
    created_at: str
    person_id: str | None = None  # the person record of this user (schema v12)
    must_change: int | None = None  # 1: a one-time enrolment passphrase, to change first


class DocTypeRow(SQLModel, table=True):
    __tablename__ = "doctypes"
    key: str = Field(primary_key=True)
    name: str
    category: str
    validity_months: int | None = None
    warn_days: int | None = None
    archived_at: str | None = None
    created_at: str
    remind: str | None = None  # reminder schedule override (schema v2)
    validity_days: int | None = None  # a validity counted in days (schema v5)
    provided: bool | None = None  # the practice obtains it, never staff (schema v14)


class PolicyRow(SQLModel, table=True):
    __tablename__ = "policies"
    key: str = Field(primary_key=True)
    name: str
    created_at: str


class PolicyRequirementRow(SQLModel, table=True):
    __tablename__ = "policy_requirements"
    policy_key: str = Field(primary_key=True, foreign_key="policies.key")
    doctype_key: str = Field(primary_key=True, foreign_key="doctypes.key")


class PersonRow(SQLModel, table=True):
    __tablename__ = "people"
    id: str = Field(primary_key=True)
    name: str
    email: str
    title: str | None = None
    start_date: date | None = None
    active: bool = True
    deactivated_on: date | None = None
    created_at: str


class PersonPolicyRow(SQLModel, table=True):
    __tablename__ = "person_policies"
    person_id: str = Field(primary_key=True, foreign_key="people.id")
    policy_key: str = Field(primary_key=True, foreign_key="policies.key")


class PersonExtraRow(SQLModel, table=True):
    __tablename__ = "person_extras"
    person_id: str = Field(primary_key=True, foreign_key="people.id")
    doctype_key: str = Field(primary_key=True, foreign_key="doctypes.key")


class WaiverRow(SQLModel, table=True):
    __tablename__ = "waivers"
    person_id: str = Field(primary_key=True, foreign_key="people.id")
    doctype_key: str = Field(primary_key=True, foreign_key="doctypes.key")
    reason: str
    until: date | None = None
    created_at: str
    created_by: str


class DocumentRow(SQLModel, table=True):
    __tablename__ = "documents"
    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="people.id", index=True)
    doctype_key: str = Field(foreign_key="doctypes.key")
    issued: date | None = None
    expires: date | None = None
    number: str | None = None
    note: str | None = None
    created_at: str
    created_by: str
    voided_at: str | None = None  # entered in error: out of force, kept (schema v7)
    void_reason: str | None = None
    voided_by: str | None = None


class AttachmentRow(SQLModel, table=True):
    __tablename__ = "attachments"
    id: str = Field(primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    position: int  # order of attachment within its document
    filename: str
    media_type: str
    size: int
    sha256: str
    key: str  # base64 of the blob's own random AES key; the database itself is encrypted
    created_at: str


class AuditRow(SQLModel, table=True):
    __tablename__ = "audit_log"
    seq: int = Field(primary_key=True)
    ts: str
    actor: str
    command: str
    targets: str
    prev_hash: str
    hash: str


class DeliveryRow(SQLModel, table=True):
    """The delivery ledger (schema v2): every reminder, status mail and digest sent, and every
    reminder threshold passed over, for exactly-once delivery and as proof for an auditor."""

    __tablename__ = "deliveries"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)  # reminder | status | digest | test
    person_id: str | None = Field(default=None, index=True)
    doctype_key: str | None = None
    about: str | None = None  # "expiry:YYYY-MM-DD" or "missing"
    threshold: str | None = None  # "-30", "0", "+7", "missing+0", "escalation"
    threshold_date: date | None = None
    passed: str | None = None  # earlier thresholds this run skipped (cron was down)
    escalation: int = 0
    status: str  # sent | passed
    channel: str | None = None  # smtp | file
    recipients: str | None = None
    period: str | None = None  # digest month YYYY-MM
    message_id: str | None = None
    at: str
    note: str | None = None  # a rehearsal (CTCM_TODAY) says so here (schema v6)


class AssessmentRow(SQLModel, table=True):
    """Risk assessments (schema v3); kept, never overwritten."""

    __tablename__ = "assessments"
    id: int | None = Field(default=None, primary_key=True)
    rule: str  # security | privacy
    kind: str  # full | mini
    year: int
    scope: str
    scale: str  # three | five
    items: str | None = None  # a mini assessment's citations, comma-separated
    catalog_version: int
    created_at: str
    created_by: str


class RiskAnswerRow(SQLModel, table=True):
    __tablename__ = "risk_answers"
    assessment_id: int = Field(primary_key=True, foreign_key="assessments.id")
    citation: str = Field(primary_key=True)
    status: str
    note: str | None = None
    evidence: str | None = None
    reason: str | None = None
    alternative: str | None = None
    answered_at: str
    answered_by: str


class RiskRatingRow(SQLModel, table=True):
    __tablename__ = "risk_ratings"
    assessment_id: int = Field(primary_key=True, foreign_key="assessments.id")
    scenario: str = Field(primary_key=True)
    likelihood: str
    impact: str
    level: str
    controls: str | None = None
    rated_at: str
    rated_by: str


class RiskTaskRow(SQLModel, table=True):
    __tablename__ = "risk_tasks"
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessments.id", index=True)
    scenario: str
    action: str
    owner: str = Field(foreign_key="people.id")
    due: date
    status: str
    accepted_reason: str | None = None
    accepted_by: str | None = None
    closed_on: date | None = None
    created_at: str
    created_by: str


class RiskExclusionRow(SQLModel, table=True):
    """A threat scenario judged not applicable in one assessment, with the reason (schema v4)."""

    __tablename__ = "risk_exclusions"
    assessment_id: int = Field(primary_key=True, foreign_key="assessments.id")
    scenario: str = Field(primary_key=True)
    reason: str
    at: str
    by: str


class RiskSignoffRow(SQLModel, table=True):
    """A finalized assessment: signer, date and the hash of its content (schema v4)."""

    __tablename__ = "risk_signoffs"
    assessment_id: int = Field(primary_key=True, foreign_key="assessments.id")
    by: str
    signed_on: str
    content_hash: str
    at: str


class ActivityKindRow(SQLModel, table=True):
    """Activity kinds a practice added to the packaged ones (schema v8)."""

    __tablename__ = "activity_kinds"
    key: str = Field(primary_key=True)
    name: str
    citations: str  # JSON list
    cadence: str
    fields: str  # JSON list
    why: str
    created_at: str


class ActivityLogRow(SQLModel, table=True):
    """Forms & logs: one security activity done; never edited (a correction is a new row)."""

    __tablename__ = "activity_log"
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    done_on: date
    by: str | None = None  # person id
    note: str | None = None
    fields: str  # JSON object
    corrects: int | None = Field(default=None, foreign_key="activity_log.id")
    created_at: str
    created_by: str
    for_date: date | None = None  # the occurrence it closes, when named (schema v13)


class ActivityAttachmentRow(SQLModel, table=True):
    __tablename__ = "activity_attachments"
    id: str = Field(primary_key=True)
    entry_id: int = Field(foreign_key="activity_log.id", index=True)
    position: int
    filename: str
    media_type: str
    size: int
    sha256: str
    key: str  # base64 of the blob's own AES key


class ActivityAttendeeRow(SQLModel, table=True):
    """Who attended a training session (a log entry of kind training-session)."""

    __tablename__ = "activity_attendees"
    entry_id: int = Field(primary_key=True, foreign_key="activity_log.id")
    person_id: str = Field(primary_key=True, foreign_key="people.id")


class ActivityScheduleRow(SQLModel, table=True):
    """The compliance calendar: which kinds recur how, and who owns them."""

    __tablename__ = "activity_schedule"
    kind: str = Field(primary_key=True)
    rrule: str
    start: date
    owner: str | None = None
    updated_at: str


class IncidentRow(SQLModel, table=True):
    """Security incidents and their breach assessment (schema v9). The summary stays in the
    vault: it never goes into any email."""

    __tablename__ = "incidents"
    id: int | None = Field(default=None, primary_key=True)
    discovered: date
    summary: str
    reported_by: str | None = None
    breach: int | None = None  # 1 breach, 0 not a breach, NULL not assessed
    reasoning: str | None = None
    assessment: str | None = None  # JSON of the four factors and flags
    affected: int | None = None
    state_counts: str = "{}"  # JSON {state: count}
    closed_on: date | None = None
    created_at: str
    created_by: str
    details: str | None = None  # JSON of domain.incidents.Details (schema v15)


class IncidentNoticeRow(SQLModel, table=True):
    """A notification given (to individuals, HHS, or the media of one state)."""

    __tablename__ = "incident_notices"
    incident_id: int = Field(primary_key=True, foreign_key="incidents.id")
    recipient: str = Field(primary_key=True)  # individuals | hhs | media:NY
    given_on: date
    recorded_at: str
    recorded_by: str
    details: str | None = None  # JSON: manner, next of kin, telephone, decision (schema v15)


class VendorRow(SQLModel, table=True):
    """Vendors and their business associate agreements (schema v10)."""

    __tablename__ = "vendors"
    key: str = Field(primary_key=True)
    name: str
    service: str
    phi: int
    baa_signed: date | None = None
    review_months: int = 12
    baa_blob: str | None = None
    baa_key: str | None = None  # base64 of the BAA file's own AES key
    baa_filename: str | None = None
    created_at: str
    in_service: date | None = None  # schema v20


class DeviceRow(SQLModel, table=True):
    """Devices that hold or reach PHI, and their disposal (schema v10)."""

    __tablename__ = "devices"
    key: str = Field(primary_key=True)
    type: str
    owner: str | None = None
    encrypted: str
    screen_lock: str
    phi: int
    last_audit: date | None = None
    retired_on: date | None = None
    retire_method: str | None = None
    created_at: str
    in_service: date | None = None  # schema v20


class ManualAnswerRow(SQLModel, table=True):
    """The practice's answers to the manual's questions (schema v11); value is JSON."""

    __tablename__ = "manual_answers"
    key: str = Field(primary_key=True)
    value: str
    set_at: str
    set_by: str


class ManualVersionRow(SQLModel, table=True):
    """An adopted version of the manual (schema v11): kept, never deleted."""

    __tablename__ = "manual_versions"
    number: int = Field(primary_key=True)
    effective: date
    adopted_at: str
    adopted_on: date
    adopted_by: str
    note: str | None = None
    content_hash: str


class ManualSectionRow(SQLModel, table=True):
    """One policy of an adopted version, as rendered (Markdown)."""

    __tablename__ = "manual_sections"
    version: int = Field(primary_key=True, foreign_key="manual_versions.number")
    slug: str = Field(primary_key=True)
    position: int
    title: str
    rule: str
    text: str


class ManualAckRow(SQLModel, table=True):
    """A person's acknowledgment that they read one version of the manual."""

    __tablename__ = "manual_acks"
    person_id: str = Field(primary_key=True, foreign_key="people.id")
    version: int = Field(primary_key=True, foreign_key="manual_versions.number")
    acknowledged_on: date
    recorded_at: str
    recorded_by: str


class MigrationRow(SQLModel, table=True):
    __tablename__ = "schema_migrations"
    version: int = Field(primary_key=True)
    name: str
    applied_at: str


ALL_TABLES = [
    *PRIVACY_TABLES,
    *VERIFY_TABLES,
    WriteRow,
    RoleTableRow,
    ScreeningListRow,
    ScreeningSubjectRow,
    ScreeningRunRow,
    ScreeningCandidateRow,
    Setting,
    UserRow,
    DocTypeRow,
    PolicyRow,
    PolicyRequirementRow,
    PersonRow,
    PersonPolicyRow,
    PersonExtraRow,
    WaiverRow,
    DocumentRow,
    AttachmentRow,
    AuditRow,
    DeliveryRow,
    AssessmentRow,
    RiskAnswerRow,
    RiskRatingRow,
    RiskTaskRow,
    RiskExclusionRow,
    RiskSignoffRow,
    ActivityKindRow,
    ActivityLogRow,
    ActivityAttachmentRow,
    ActivityAttendeeRow,
    ActivityScheduleRow,
    IncidentRow,
    IncidentNoticeRow,
    VendorRow,
    DeviceRow,
    ManualAnswerRow,
    ManualVersionRow,
    ManualSectionRow,
    ManualAckRow,
    MigrationRow,
]
