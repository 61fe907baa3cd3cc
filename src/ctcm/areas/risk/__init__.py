"""The Security Rule risk analysis, its scenarios and ratings, the mitigation plan and the yearly review.

The area's declaration (read by ctcm.registry); its functions are imported only when read."""

from ctcm.program.area import Area

AREA = Area(
    key="risk",
    title="Risk analysis and mitigation plan",
    obligations="ctcm.areas.risk.obligations:risk_due",
    packet=("ctcm.areas.risk.packet:risk_part",),
)
