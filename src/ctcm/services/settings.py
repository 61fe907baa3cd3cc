"""Practice settings: name, time zone, warning window, session times."""

from __future__ import annotations

from dataclasses import dataclass

from ctcm.domain.credentials import check_text
from ctcm.domain.dates import check_timezone
from ctcm.errors import InvalidInput
from ctcm.services.practice import Practice


@dataclass(frozen=True, slots=True)
class PracticeSettings:
    name: str
    timezone: str
    warn_days: int
    idle_minutes: int
    max_hours: int
    security_officer: str | None
    privacy_officer: str | None
    risk_scale: str
    risk_review_months: int
    contact: dict[str, str]  # phone, email, website, address: for notices to individuals


CONTACT_KEYS = ("toll_free", "phone", "email", "website", "address")


def read_settings(p: Practice) -> PracticeSettings:
    s = p.settings
    p.touch("settings")
    return PracticeSettings(
        s.get("practice_name", ""),
        s.get("timezone", "UTC"),
        int(s.get("warn_days", "30")),
        int(s.get("idle_minutes", "30")),
        int(s.get("max_hours", "8")),
        s.get("security_officer") or None,
        s.get("privacy_officer") or None,
        s.get("risk_scale", "three"),
        int(s.get("risk_review_months", "12")),
        {k: s[f"contact.{k}"] for k in CONTACT_KEYS if s.get(f"contact.{k}")},
    )


def _bounded(value: int | None, what: str, low: int, high: int) -> str | None:
    if value is None:
        return None
    if not low <= value <= high:
        raise InvalidInput(f"{what} must be between {low} and {high}")
    return str(value)


def update_settings(
    p: Practice,
    name: str | None = None,
    timezone: str | None = None,
    warn_days: int | None = None,
    idle_minutes: int | None = None,
    max_hours: int | None = None,
    security_officer: str | None = None,
    privacy_officer: str | None = None,
    risk_scale: str | None = None,
    risk_review_months: int | None = None,
    contact: dict[str, str | None] | None = None,
    request_target_days: int | None = None,
) -> PracticeSettings:
    from ctcm.areas.credentials.service import get_person
    from ctcm.domain.risk import Scale

    for officer in (security_officer, privacy_officer):
        if officer:
            get_person(p, officer)
    if risk_scale is not None and risk_scale not in {s.value for s in Scale}:
        raise InvalidInput("--risk-scale must be three (low/moderate/high) or five (NIST)")
    values = {
        "practice_name": check_text(name, "practice name") if name is not None else None,
        "timezone": check_timezone(timezone) if timezone is not None else None,
        "warn_days": _bounded(warn_days, "--warn-days", 0, 3650),
        "idle_minutes": _bounded(idle_minutes, "--idle-minutes", 1, 24 * 60),
        "max_hours": _bounded(max_hours, "--max-hours", 1, 24 * 7),
        "security_officer": security_officer,
        "privacy_officer": privacy_officer,
        "risk_scale": risk_scale,
        "risk_review_months": _bounded(risk_review_months, "--risk-review-months", 1, 60),
        "privacy.decide_days": _bounded(request_target_days, "--request-target-days", 1, 365),
    }
    for key, value in (contact or {}).items():
        if value is not None:
            values[f"contact.{key}"] = check_text(value, f"--contact-{key.replace('_', '-')}", 300)
    changed = {k: v for k, v in values.items() if v is not None}
    if not changed:
        raise InvalidInput("nothing to change: give at least one option (see --help)")
    p.set_settings(changed)
    p.touch(*(f"setting:{k}" for k in changed))
    return read_settings(p)
