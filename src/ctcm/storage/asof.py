"""As of a date (``--as-of``, the audit packet): the program's records (analyses and sign-offs,
tasks, vendors, devices, incidents, manual versions) recorded after the cutoff are not seen.
People and documents have their own rule (``Repository.cutoff``, the packet's)."""

from __future__ import annotations


class AsOf:
    """Mixed into the repository parts: ``as_of_cutoff`` is a UTC timestamp, or None (today)."""

    as_of_cutoff: str | None = None

    def _cut(self) -> str:
        return self.as_of_cutoff or "9999"
