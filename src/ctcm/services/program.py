"""The program areas, in one registry: each area lists its dated actions for ``ctcm due`` (and
the calendar, digest and packet as they come). A new area adds its module and one line here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from ctcm.domain.credentials import Light, Reason
from ctcm.domain.program import DueItem
from ctcm.services.practice import Practice


@dataclass(frozen=True, slots=True)
class ProgramArea:
    key: str
    title: str
    due: Callable[[Practice, date], Iterable[DueItem]]


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def credentials_due(p: Practice, until: date) -> Iterable[DueItem]:
    """Documents missing or expired (due today), expiring by ``until``, waivers ending."""
    from ctcm.services.credentials import evaluate_active

    today = p.today
    for status in evaluate_active(p):
        person = status.person
        for r in status.requirements:
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
                yield DueItem(
                    today, "credentials", f"{r.name}: missing, send it", person.id, Light.RED, ref
                )
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


def risk_due(p: Practice, until: date) -> Iterable[DueItem]:
    """Mitigation tasks due by ``until`` (or overdue), and the risk analysis cycle."""
    from ctcm.services.riskprogram import program_status

    today = p.today
    for t in p.repo.tasks():
        if not t.status.closed and t.due <= until:
            late = t.due < today
            yield DueItem(
                t.due,
                "risk",
                f"Security task {t.id}: {t.action}" + (" (overdue)" if late else ""),
                t.owner,
                Light.RED if late else Light.YELLOW,
                f"task:{t.id}",
            )
    program = program_status(p)
    if program.last_full is None:
        draft = f" ({program.draft.describe()})" if program.draft else ""
        yield DueItem(
            today,
            "risk",
            f"No finalized risk analysis on record{draft}",
            p.settings.get("security_officer"),
            Light.RED,
            "risk-analysis",
        )
    elif program.review_due is not None and program.review_due <= until:
        late = program.review_due < today
        yield DueItem(
            program.review_due,
            "risk",
            f"Review the risk analysis (#{program.last_full.id}); a yearly review is best practice",
            p.settings.get("security_officer"),
            Light.RED if late else Light.YELLOW,
            "risk-analysis",
        )


def due(p: Practice, days: int, person: str | None = None) -> tuple[date, list[DueItem]]:
    """Every action due within ``days`` from today (overdue ones included), by date."""
    from datetime import timedelta

    from ctcm.errors import InvalidInput
    from ctcm.services.credentials import get_person

    if not 0 <= days <= 3650:
        raise InvalidInput("--days must be between 0 and 3650")
    if person is not None:
        get_person(p, person)
    until = p.today + timedelta(days=days)
    from ctcm.registry import due_functions

    items = [
        item
        for _, area_due in due_functions()
        for item in area_due(p, until)
        if person is None or item.who == person
    ]
    p.touch("due", *([f"person:{person}"] if person else []))
    return until, sorted(items, key=lambda i: i.sort_key)


@dataclass(frozen=True, slots=True)
class Section:
    """One area's part of the security program section of status and the digest."""

    key: str
    light: Light
    data: dict[str, object]  # its JSON under program.KEY
    lines: tuple[str, ...]  # for a person at a terminal (may name commands)
    plain: tuple[str, ...]  # for an email (no commands)


def activities_section(p: Practice) -> Section:
    from ctcm.render.views import activities_json, activity_lines
    from ctcm.services.activities import activities_status

    acts = activities_status(p)
    lines = tuple(activity_lines(acts))
    plain = tuple(line.split(" (ctcm ")[0] for line in lines)
    return Section("activities", acts.light, activities_json(acts), lines, plain)


def incidents_section(p: Practice) -> Section:
    from ctcm.render.views import incidents_json
    from ctcm.services import incidents

    status = incidents.status(p)
    return Section("incidents", status.light, incidents_json(status), status.lines, status.lines)


def vendors_section(p: Practice) -> Section:
    from ctcm.services.assets import vendors_status

    s = vendors_status(p)
    return Section(
        "vendors", s.light, s.to_json(), s.lines, tuple(x.split(" (ctcm ")[0] for x in s.lines)
    )


def devices_section(p: Practice) -> Section:
    from ctcm.services.assets import devices_status

    s = devices_status(p)
    return Section(
        "devices", s.light, s.to_json(), s.lines, tuple(x.split(" (ctcm ")[0] for x in s.lines)
    )


def manual_section(p: Practice) -> Section:
    from ctcm.services.manualversions import manual_status

    s = manual_status(p)
    return Section(
        "manual", s.light, s.to_json(), s.lines, tuple(x.split(" (ctcm ")[0] for x in s.lines)
    )


def program_sections(p: Practice) -> list[Section]:
    """Each area's sections beside the risk analysis, in the registry's order."""
    from ctcm.registry import section_functions

    return [build(p) for build in section_functions()]
