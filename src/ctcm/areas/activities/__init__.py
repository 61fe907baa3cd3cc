"""Forms & logs: activity kinds, log entries with evidence, recurring schedules and their occurrences, training.

The area's declaration (read by ctcm.registry); its functions are imported only when read."""

from ctcm.program.area import Area

AREA = Area(
    key="activities",
    title="Security activities (the compliance calendar)",
    obligations="ctcm.areas.activities.service:activities_due",
    sections=("ctcm.areas.activities.obligations:activities_section",),
    packet=("ctcm.areas.activities.packet:activities_part",),
)
