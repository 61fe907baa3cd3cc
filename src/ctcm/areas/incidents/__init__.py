"""Incidents, the breach risk assessment and the notice deadlines.

The area's declaration (read by ctcm.registry); its functions are imported only when read."""

from ctcm.program.area import Area

AREA = Area(
    key="incidents",
    title="Incidents and breach notices",
    obligations="ctcm.areas.incidents.service:incidents_due",
    sections=("ctcm.areas.incidents.obligations:incidents_section",),
    packet=("ctcm.areas.incidents.packet:incidents_part",),
)
