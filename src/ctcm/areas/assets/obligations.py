"""Vendors and BAAs, devices: what the area owes (its section of status and the digest), as the program model's readers see it."""

from __future__ import annotations

from ctcm.program.area import Section
from ctcm.services.practice import Practice


def vendors_section(p: Practice) -> Section:
    from ctcm.areas.assets.service import vendors_status

    s = vendors_status(p)
    return Section(
        "vendors", s.light, s.to_json(), s.lines, tuple(x.split(" (ctcm ")[0] for x in s.lines)
    )


def devices_section(p: Practice) -> Section:
    from ctcm.areas.assets.service import devices_status

    s = devices_status(p)
    return Section(
        "devices", s.light, s.to_json(), s.lines, tuple(x.split(" (ctcm ")[0] for x in s.lines)
    )
