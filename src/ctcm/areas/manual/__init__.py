"""The manual's answers, adopted versions, their retention, and staff acknowledgments.

The area's declaration (read by ctcm.registry); its functions are imported only when read."""

from ctcm.program.area import Area

AREA = Area(
    key="manual",
    title="Policies and procedures manual",
    obligations="ctcm.areas.manual.versions:manual_due",
    sections=("ctcm.areas.manual.obligations:manual_section",),
    packet=("ctcm.areas.manual.packet:manual_part",),
    person_requirements=("ctcm.areas.manual.acks:ack_requirements",),
)
