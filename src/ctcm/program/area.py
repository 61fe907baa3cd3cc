"""The one protocol every program area declares itself through (pure: names, not imports).

An area is a package under ``ctcm.areas`` whose ``__init__`` holds ``AREA = Area(...)``:
- ``obligations``: ``(practice, until) -> Iterable[DueItem]``, what the area owes, each with its
  date and light (overdue ones included), read by ``ctcm due``, the calendar and the ICS feed;
  recurring obligations come from the program model (``ctcm.program.model``: occurrences and the
  evidence that closes them);
- ``sections``: ``(practice) -> Section``, the area's part of ``status``, the dashboard and the
  digest;
- ``packet``: ``(practice, PacketSpec) -> list[PacketFile]``, its files in the audit packet;
- ``person_requirements``: ``(practice, people) -> {person id: (RequirementStatus, ...)}``,
  what the area adds to each person's own light beside their documents (the manual's
  acknowledgment; exclusion screening).

Functions are named ``"module:function"`` and imported only when read, so a command pays for
the areas it uses. A new area is its own package plus one line in ``ctcm.registry``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ctcm.domain.credentials import Light


@dataclass(frozen=True, slots=True)
class Area:
    key: str
    title: str
    obligations: str
    sections: tuple[str, ...] = ()
    packet: tuple[str, ...] = ()
    person_requirements: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """One area's part of the security program section of status and the digest."""

    key: str
    light: Light
    data: dict[str, object]  # its JSON under program.KEY
    lines: tuple[str, ...]  # for a person at a terminal (may name commands)
    plain: tuple[str, ...]  # for an email (no commands)
