"""Credentials: what the area owes (its dated actions), as the program model's readers see it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from ctcm.domain.credentials import Light, Reason
from ctcm.domain.program import DueItem
from ctcm.services.practice import Practice


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def credentials_due(p: Practice, until: date) -> Iterable[DueItem]:
    """Documents missing or expired (due today), expiring by ``until``, waivers ending."""
    from ctcm.areas.credentials.service import evaluate_active

    today = p.today
    for status in evaluate_active(p):
        person = status.person
        for r in status.requirements:
            if r.kind == "screening":
                continue  # owed to the screening area (areas/screening/obligations.py)
            ref = f"doc:{person.id}:{r.doctype}"
            if r.reason is Reason.UNACKNOWLEDGED and r.expires is not None:
                late = " (overdue)" if r.status is Light.RED else ""
                yield DueItem(
                    r.expires,
                    "manual",
                    f"{r.name}: read and acknowledge by {_long(r.expires)}{late}",
                    person.id,
                    r.status,
                    f"manual:{person.id}:v{r.manual_version}",
                )
            elif r.reason is Reason.MISSING:
                what = "missing, the practice obtains it" if r.provided else "missing, send it"
                yield DueItem(today, "credentials", f"{r.name}: {what}", person.id, Light.RED, ref)
            elif r.reason is Reason.EXPIRED and r.expires is not None:
                yield DueItem(
                    r.expires,
                    "credentials",
                    f"{r.name}: expired on {_long(r.expires)}, renew as soon as possible",
                    person.id,
                    Light.RED,
                    ref,
                )
            elif r.status is Light.WAIVED and r.waived_until and r.waived_until <= until:
                yield DueItem(
                    r.waived_until,
                    "credentials",
                    f"{r.name}: waiver ends on {_long(r.waived_until)}",
                    person.id,
                    Light.YELLOW,
                    ref,
                )
            elif r.expires is not None and r.expires <= until and r.status is not Light.WAIVED:
                yield DueItem(
                    r.expires,
                    "credentials",
                    f"{r.name}: expires on {_long(r.expires)}",
                    person.id,
                    r.status,
                    ref,
                )
