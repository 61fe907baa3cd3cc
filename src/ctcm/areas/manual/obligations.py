"""Policies and procedures manual: what the area owes (its section of status and the digest), as the program model's readers see it."""

from __future__ import annotations

from ctcm.program.area import Section
from ctcm.services.practice import Practice


def manual_section(p: Practice) -> Section:
    from ctcm.areas.manual.versions import manual_status

    s = manual_status(p)
    return Section(
        "manual", s.light, s.to_json(), s.lines, tuple(x.split(" (ctcm ")[0] for x in s.lines)
    )
