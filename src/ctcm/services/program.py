"""What every area owes, read through the registry (ctcm.registry): ``ctcm due`` and the
status sections, in the registry's order."""

from __future__ import annotations

from datetime import date

from ctcm.domain.program import DueItem
from ctcm.program.area import Section
from ctcm.services.practice import Practice


def due(p: Practice, days: int, person: str | None = None) -> tuple[date, list[DueItem]]:
    """Every action due within ``days`` from today (overdue ones included), by date."""
    from datetime import timedelta

    from ctcm.areas.credentials.service import get_person
    from ctcm.errors import InvalidInput

    if not 0 <= days <= 3650:
        raise InvalidInput("--days must be between 0 and 3650")
    if person is not None:
        get_person(p, person)
    until = p.today + timedelta(days=days)
    from ctcm.registry import obligation_functions

    items = [
        item
        for _, area_due in obligation_functions()
        for item in area_due(p, until)
        if person is None or item.who == person
    ]
    p.touch("due", *([f"person:{person}"] if person else []))
    return until, sorted(items, key=lambda i: i.sort_key)


def program_sections(p: Practice) -> list[Section]:
    """Each area's sections beside the risk analysis, in the registry's order."""
    from ctcm.registry import section_functions

    return [build(p) for build in section_functions()]
