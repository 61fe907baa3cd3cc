"""The outside world of one ctcm run (variables, terminal, clock, keyring), injected as one object.

The CLI builds it from the real process; tests build it with a fixed clock, a fake terminal and a
test keyring. Nothing below the CLI reads ``os.environ``, the system clock or stdin directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ctcm.clock import Clock, SystemClock

PromptSecret = Callable[[str], str]


def _no_prompt(_: str) -> str:  # pragma: no cover - replaced whenever a terminal exists
    raise RuntimeError("no terminal")


def default_vault_path(env: Mapping[str, str]) -> Path:
    """``--vault`` > ``CTCM_VAULT`` > the platform's user data dir + ``ctcm/default``."""
    if env.get("CTCM_VAULT"):
        return Path(env["CTCM_VAULT"]).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("ctcm", appauthor=False)) / "default"


@dataclass
class Environment:
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Clock = field(default_factory=SystemClock)
    vault_path: Path | None = None
    as_of: date | None = None
    user: str | None = None
    identity: Path | None = None
    interactive: bool = False
    prompt_secret: PromptSecret = _no_prompt
    keyring: Callable[[], Any] | None = None  # returns a keyring backend; None: import keyring
    lock_timeout: float | None = None
    warn: Callable[[str], None] | None = None  # one-line warnings to stderr
    said: set[str] = field(default_factory=set)  # notices already given in this process
    command: str | None = None  # the command being run ("person add"): services/roles.py

    def __post_init__(self) -> None:
        if self.env.get("CTCM_TODAY") and not isinstance(self.clock, RehearsalClock):
            self.clock = RehearsalClock(self.clock, self.env["CTCM_TODAY"])

    @property
    def rehearsal_day(self) -> date | None:
        """``CTCM_TODAY``: the whole process runs on this date, writes included (rehearsals
        and tests); everything it records says so."""
        return self.clock.day if isinstance(self.clock, RehearsalClock) else None

    @property
    def vault(self) -> Path:
        return self.vault_path or default_vault_path(self.env)

    def get_keyring(self) -> Any:
        if self.env.get("CTCM_NO_KEYRING"):
            return None
        if self.keyring is not None:
            return self.keyring()
        import keyring

        return keyring.get_keyring()

    @property
    def keyring_trust(self) -> frozenset[str]:
        raw = self.env.get("CTCM_KEYRING_TRUST", "")
        return frozenset(x.strip() for x in raw.split(",") if x.strip())

    @property
    def effective_lock_timeout(self) -> float:
        if self.lock_timeout is not None:
            return self.lock_timeout
        try:
            return float(self.env.get("CTCM_LOCK_TIMEOUT", "30"))
        except ValueError:
            return 30.0


class RehearsalClock:
    """The clock moved to another calendar day (``CTCM_TODAY``), time of day kept."""

    def __init__(self, base: Clock, text: str) -> None:
        self.base = base
        self.text = text
        try:
            self.day: date = date.fromisoformat(text.strip())
        except ValueError:
            self.day = date.min
        if not date(1900, 1, 1) <= self.day <= date(2199, 12, 31):
            self.day = date.min

    def now(self) -> datetime:
        if self.day == date.min:
            from ctcm.errors import UsageError

            raise UsageError(
                f"CTCM_TODAY={self.text!r} is not a date from 1900 to 2199 (YYYY-MM-DD)"
            )
        real = self.base.now()
        return real + timedelta(days=(self.day - real.date()).days)
