"""People, their documents and the credential lights; staff submissions and status mails.

The area's declaration (read by ctcm.registry); its functions are imported only when read."""

from ctcm.program.area import Area

AREA = Area(
    key="credentials",
    title="Credentials",
    obligations="ctcm.areas.credentials.obligations:credentials_due",
    packet=("ctcm.areas.credentials.packet:personnel_part",),
)
