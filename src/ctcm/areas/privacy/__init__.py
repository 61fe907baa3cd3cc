"""Privacy Rule records: patients' requests (access, amendment, accounting, restrictions,
confidential communications) with their legal clocks, complaints, sanctions and the notice of
privacy practices.

The area's declaration (read by ctcm.registry); its functions are imported only when read."""

from ctcm.program.area import Area

AREA = Area(
    key="privacy",
    title="Privacy Rule records (patient requests, complaints, sanctions, the NPP)",
    obligations="ctcm.areas.privacy.obligations:privacy_due",
    sections=("ctcm.areas.privacy.obligations:privacy_section",),
    packet=("ctcm.areas.privacy.packet:privacy_part",),
)
