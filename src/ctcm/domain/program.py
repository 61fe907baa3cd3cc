"""What every program area offers the places that read them all (``ctcm due``, and later the
calendar, the digest and the packet): dated actions, each with its light."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ctcm.domain.credentials import Light


@dataclass(frozen=True, slots=True)
class DueItem:
    """One dated action: what is due on ``on`` (or overdue since), for whom, how urgent."""

    on: date
    area: str  # the program area's key: "credentials", "risk", ...
    what: str
    who: str | None  # a person id, when the action is one person's
    light: Light
    ref: str  # a stable reference ("doc:ann:state-license", "task:3")

    @property
    def sort_key(self) -> tuple[date, int, str, str]:
        return (self.on, -self.light.severity, self.area, self.who or "")
