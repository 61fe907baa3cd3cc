"""Security activities (the compliance calendar): what the area owes (its section of status and the digest), as the program model's readers see it."""

from __future__ import annotations

from ctcm.program.area import Section
from ctcm.services.practice import Practice


def activities_section(p: Practice) -> Section:
    from ctcm.areas.activities.service import activities_status
    from ctcm.render.views import activities_json, activity_lines

    acts = activities_status(p)
    lines = tuple(activity_lines(acts))
    plain = tuple(line.split(" (ctcm ")[0] for line in lines)
    return Section("activities", acts.light, activities_json(acts), lines, plain)
