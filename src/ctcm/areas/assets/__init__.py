"""Vendors and their BAAs and reviews; devices, their audits and disposal.

The area's declaration (read by ctcm.registry); its functions are imported only when read."""

from ctcm.program.area import Area

AREA = Area(
    key="assets",
    title="Vendors and BAAs, devices",
    obligations="ctcm.areas.assets.service:assets_due",
    sections=(
        "ctcm.areas.assets.obligations:vendors_section",
        "ctcm.areas.assets.obligations:devices_section",
    ),
    packet=("ctcm.areas.assets.packet:assets_part",),
)
