"""The one error type of ctcm and its documented exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (documented in docs/reference.md, "Exit codes")."""

    OK = 0
    ERROR = 1
    USAGE = 2
    THRESHOLD = 3
    DELIVERY_FAILED = 4
    LOCKED = 5
    BUSY = 75


class CtcmError(Exception):
    """A user-facing failure: one line of text and an exit code.

    Services and lower layers raise it (or a subclass); the CLI edge prints ``str(err)`` on
    stderr and exits with ``err.exit_code``. The message must never contain a secret.
    """

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InvalidInput(CtcmError):
    """Bad user input: a malformed date, an unknown choice, a bad CSV row."""


class UsageError(CtcmError):
    """Options that do not go together (exit 2, like a usage error of the command line)."""

    exit_code = ExitCode.USAGE


class NotFound(CtcmError):
    """An id, key or file that does not exist."""


class AlreadyExists(CtcmError):
    """Creating something whose id or key is taken."""


class VaultError(CtcmError):
    """The vault cannot be opened or written: missing, corrupt, wrong key, unsupported."""


class WrongKey(VaultError):
    """The passphrase, identity or session does not open the vault."""


class VaultLocked(CtcmError):
    """No key source is available without a prompt."""

    exit_code = ExitCode.LOCKED


class VaultBusy(CtcmError):
    """Another process holds the vault lock past the timeout."""

    exit_code = ExitCode.BUSY


class DeliveriesFailed(CtcmError):
    """Some messages could not be delivered; they are retried on the next run."""

    exit_code = ExitCode.DELIVERY_FAILED


class MailServerUnreachable(DeliveriesFailed):
    """The mail server cannot be reached: nothing more is sent in this run."""


class ThresholdReached(CtcmError):
    """``--fail-on`` found a person at or past the given light."""

    exit_code = ExitCode.THRESHOLD
