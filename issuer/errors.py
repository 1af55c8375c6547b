"""The one root exception of `issuer`, and the domain errors a user can act on.

Each message is one sentence in English; `message_zh` says the same in Chinese for the portal and
the operator's console. `exit_code` is what a CLI command exits with when the error stops it;
`http_status` is what the portal API answers with (issuer/api/errors.py reads it, nothing maps
classes to statuses): 409 "not possible now" unless the class says otherwise; bad input is 400.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "ConfigurationError",
    "HpfIssuerError",
    "ImportFileError",
    "InvalidCentreCode",
    "InvalidIdNumber",
]

EXIT_FAILURE = 1
EXIT_USAGE = 64


class HpfIssuerError(Exception):
    """Root of every error `issuer` raises. The message is one sentence a user can act on."""

    exit_code: ClassVar[int] = EXIT_FAILURE
    http_status: ClassVar[int] = 409

    def __init__(self, message: str, *, message_zh: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


class ConfigurationError(HpfIssuerError):
    """A setting the operation needs is missing or malformed (e.g. the consortium key)."""

    http_status: ClassVar[int] = 503  # the service cannot do it until its operator fixes the setting


class InvalidIdNumber(HpfIssuerError, ValueError):
    """Not a valid resident ID number (GB 11643-1999). `reason` is a stable short code:
    `empty`, `length`, `characters`, `region`, `birth_date`, `check_digit`."""

    exit_code: ClassVar[int] = EXIT_USAGE
    http_status: ClassVar[int] = 400

    def __init__(self, message: str, *, message_zh: str, reason: str) -> None:
        super().__init__(message, message_zh=message_zh)
        self.reason = reason


class InvalidCentreCode(HpfIssuerError, ValueError):
    """Not a six-digit administrative-division code of a province we know."""

    exit_code: ClassVar[int] = EXIT_USAGE
    http_status: ClassVar[int] = 400


class ImportFileError(HpfIssuerError):
    """The import file cannot be read as a whole: missing, not text, no header, unknown columns."""

    exit_code: ClassVar[int] = EXIT_USAGE
    http_status: ClassVar[int] = 400
