"""As of a date (``--as-of``, the audit packet): the program's records (analyses and sign-offs,
tasks, incidents, manual versions) recorded after the cutoff are not seen, and a task closed
after the day reads as open. People and documents count from their start and issue dates,
vendors and devices from their in-service dates (``Repository.cutoff``, ``in_effect_day``), so a
back-dated onboarding counts in earlier packets; every packet CSV also says when each row was
recorded (``recorded_at``)."""

from __future__ import annotations

from typing import Any

# when each record was entered (as opposed to the date it states): key column, time column
_RECORDED = {
    "people": ("id", "created_at"),
    "documents": ("id", "created_at"),
    "vendors": ("key", "created_at"),
    "devices": ("key", "created_at"),
    "risk_tasks": ("id", "created_at"),
    "incidents": ("id", "created_at"),
    "manual_acks": ("person_id || '/' || version", "recorded_at"),
}


class AsOf:
    """Mixed into the repository parts: ``as_of_cutoff`` is a UTC timestamp, or None (today)."""

    as_of_cutoff: str | None = None
    conn: Any

    def _cut(self) -> str:
        return self.as_of_cutoff or "9999"

    def recorded_at(self, table: str) -> dict[str, str]:
        """When each row of ``table`` was recorded, by its key (as text): a packet shows it
        beside the date the record states, so a back-entered record never reads as made at
        the time."""
        key, column = _RECORDED[table]  # a fixed list: never a name from input
        return {str(k): v for k, v in self.conn.execute(f"SELECT {key}, {column} FROM {table}")}
