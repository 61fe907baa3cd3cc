"""Incidents and breach notices: what the area owes (its section of status and the digest), as the program model's readers see it."""

from __future__ import annotations

from ctcm.program.area import Section
from ctcm.services.practice import Practice


def incidents_section(p: Practice) -> Section:
    from ctcm.areas.incidents import service as incidents
    from ctcm.render.views import incidents_json

    status = incidents.status(p)
    return Section("incidents", status.light, incidents_json(status), status.lines, status.lines)
