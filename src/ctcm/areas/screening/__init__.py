"""Exclusion screening: the OIG LEIE and SAM lists imported as files, every active person
screened at hire and monthly, candidates triaged; runs kept as evidence.

The area's declaration (read by ctcm.registry); its functions are imported only when read."""

from ctcm.program.area import Area

AREA = Area(
    key="screening",
    title="Exclusion screening (OIG LEIE, SAM)",
    obligations="ctcm.areas.screening.obligations:screening_due",
    sections=("ctcm.areas.screening.obligations:screening_section",),
    packet=("ctcm.areas.screening.packet:screening_part",),
    person_requirements=("ctcm.areas.screening.obligations:person_requirements",),
)
