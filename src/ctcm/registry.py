"""The program areas, in one place: one line per area package (``ctcm/areas/<key>/``), whose
``AREA`` declares its obligations, its sections of status and the digest, and its packet parts
(ctcm.program.area). ``ctcm due``, the calendar, the ICS feed, status, the dashboard, the digest
and the packet read the areas only through here.

Packages are imported only when read (``ctcm --help`` imports none), and an area's functions
only when called.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module
from typing import Any

from ctcm.program.area import Area

AREA_PACKAGES = (
    "ctcm.areas.credentials",
    "ctcm.areas.risk",
    "ctcm.areas.activities",
    "ctcm.areas.incidents",
    "ctcm.areas.assets",
    "ctcm.areas.manual",
    "ctcm.areas.screening",
    "ctcm.areas.privacy",
)

# The packet's frame around the areas' parts: the status page first; the reminder ledger and
# the audit trail last.
PACKET_FIRST = ("ctcm.services.packetparts:status_part",)
PACKET_LAST = ("ctcm.services.packetparts:reminders_part", "ctcm.services.packetparts:audit_part")


@cache
def areas() -> tuple[Area, ...]:
    return tuple(import_module(name).AREA for name in AREA_PACKAGES)


@cache
def load(ref: str) -> Callable[..., Any]:
    """The function a ``"module:function"`` entry names."""
    module, _, name = ref.partition(":")
    return getattr(import_module(module), name)  # type: ignore[no-any-return]


def obligation_functions() -> list[tuple[Area, Callable[..., Any]]]:
    return [(a, load(a.obligations)) for a in areas()]


def section_functions() -> list[Callable[..., Any]]:
    return [load(ref) for a in areas() for ref in a.sections]


def packet_functions() -> list[Callable[..., Any]]:
    refs = [*PACKET_FIRST, *(ref for a in areas() for ref in a.packet), *PACKET_LAST]
    return [load(ref) for ref in refs]


def person_requirement_functions() -> list[Callable[..., Any]]:
    return [load(ref) for a in areas() for ref in a.person_requirements]
