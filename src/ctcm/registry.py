"""The program areas, in one place: what each one shows in status and the digest (its
sections), what is due (``ctcm due``, the calendar, the ICS feed) and what it adds to the audit
packet. A new area is its own module(s) plus one line here.

Entries name their functions as ``"module:function"`` and are imported only when read, so a
command pays for the areas it uses (``ctcm --help`` imports none).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    title: str
    due: str  # (practice, until) -> Iterable[DueItem]
    sections: tuple[str, ...] = ()  # (practice) -> Section, in status and the digest
    packet: tuple[str, ...] = ()  # (practice, PacketSpec) -> list[PacketFile]


AREAS: tuple[Area, ...] = (
    Area("credentials", "Credentials", "ctcm.services.program:credentials_due",
         packet=("ctcm.services.packetparts:personnel_part",)),
    Area("risk", "Risk analysis and mitigation plan", "ctcm.services.program:risk_due",
         packet=("ctcm.services.packetparts:risk_part",)),
    Area("activities", "Security activities (the compliance calendar)",
         "ctcm.services.activities:activities_due",
         ("ctcm.services.program:activities_section",),
         ("ctcm.services.packetparts:activities_part",)),
    Area("incidents", "Incidents and breach notices", "ctcm.services.incidents:incidents_due",
         ("ctcm.services.program:incidents_section",),
         ("ctcm.services.packetparts:incidents_part",)),
    Area("assets", "Vendors and BAAs, devices", "ctcm.services.assets:assets_due",
         ("ctcm.services.program:vendors_section", "ctcm.services.program:devices_section"),
         ("ctcm.services.packetparts:assets_part",)),
    Area("manual", "Policies and procedures manual", "ctcm.services.manualversions:manual_due",
         ("ctcm.services.program:manual_section",),
         ("ctcm.services.packetparts:manual_part",)),
)  # fmt: skip

# The packet's frame around the areas' parts: the status page first; the reminder ledger and
# the audit trail last.
PACKET_FIRST = ("ctcm.services.packetparts:status_part",)
PACKET_LAST = ("ctcm.services.packetparts:reminders_part", "ctcm.services.packetparts:audit_part")


@cache
def load(ref: str) -> Callable[..., Any]:
    """The function a ``"module:function"`` entry names."""
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)  # type: ignore[no-any-return]


def due_functions() -> list[tuple[Area, Callable[..., Any]]]:
    return [(a, load(a.due)) for a in AREAS]


def section_functions() -> list[Callable[..., Any]]:
    return [load(ref) for a in AREAS for ref in a.sections]


def packet_functions() -> list[Callable[..., Any]]:
    refs = [*PACKET_FIRST, *(ref for a in AREAS for ref in a.packet), *PACKET_LAST]
    return [load(ref) for ref in refs]
