"""Vendors with their business associate agreements, and devices that hold PHI: records and
the one light rule of each (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ctcm.domain.credentials import Light
from ctcm.domain.dates import add_months
from ctcm.errors import InvalidInput


class Tri(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


def parse_tri(value: str, what: str) -> Tri:
    try:
        return Tri(value.strip().lower())
    except ValueError:
        raise InvalidInput(f"{what} must be yes, no or unknown") from None


@dataclass(frozen=True, slots=True)
class Vendor:
    key: str
    name: str
    service: str
    phi: bool  # creates, receives, keeps or sends PHI for the practice (paper-only included)
    baa_signed: date | None = None
    review_months: int = 12
    baa_file: str | None = None  # the attachment's file name
    last_review: date | None = None  # the latest logged BAA review (evidence, not a signature)
    in_service: date | None = None  # working for the practice since (onboarding back-dates it)

    def review_due(self) -> date | None:
        """The next review: ``review_months`` after the signature or the latest review."""
        if self.baa_signed is None:
            return None
        since = max(self.baa_signed, self.last_review or self.baa_signed)
        return add_months(since, self.review_months)

    def light(self, today: date, warn_days: int) -> tuple[Light, str]:
        """A PHI vendor without a BAA is RED; a BAA due for review within the warning window
        (or past it) YELLOW; a vendor that sees no PHI needs none."""
        if not self.phi:
            return Light.GREEN, "no PHI: no BAA needed"
        if self.baa_signed is None:
            return Light.RED, "sees PHI but has no signed BAA"
        due = self.review_due()
        assert due is not None
        if due < today:
            return Light.YELLOW, f"BAA review overdue since {due}"
        if (due - today).days <= warn_days:
            return Light.YELLOW, f"BAA review due {due}"
        reviewed = f", reviewed {self.last_review}" if self.last_review else ""
        return Light.GREEN, f"BAA signed {self.baa_signed}{reviewed}, review {due}"


class DeviceType(StrEnum):
    LAPTOP = "laptop"
    DESKTOP = "desktop"
    PHONE = "phone"
    TABLET = "tablet"
    SERVER = "server"
    REMOVABLE = "removable"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Device:
    key: str
    type: DeviceType
    owner: str | None
    encrypted: Tri
    screen_lock: Tri
    phi: bool
    last_audit: date | None = None
    retired_on: date | None = None
    retire_method: str | None = None
    in_service: date | None = None  # in use since (onboarding back-dates it)

    def light(self, today: date, audit_months: int) -> tuple[Light, str]:
        """A PHI device not encrypted (or not known to be) is RED: losing it is a reportable
        breach; no audit within the cadence is YELLOW."""
        if self.retired_on is not None:
            return Light.GREEN, f"retired {self.retired_on} ({self.retire_method})"
        if self.phi and self.encrypted is not Tri.YES:
            return Light.RED, f"holds PHI, encryption {self.encrypted.value}"
        if self.last_audit is None:
            return Light.YELLOW, "never audited"
        due = add_months(self.last_audit, audit_months)
        if due < today:
            return Light.YELLOW, f"audit overdue since {due}"
        if self.screen_lock is not Tri.YES:
            return Light.YELLOW, f"screen lock {self.screen_lock.value}"
        return Light.GREEN, f"audited {self.last_audit}"
