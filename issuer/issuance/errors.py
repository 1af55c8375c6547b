"""The errors of issuance: a certificate cannot be issued, revoked or found as asked."""

from __future__ import annotations

from typing import ClassVar

from issuer.errors import EXIT_USAGE, HpfIssuerError

__all__ = ["BadRequest", "IssuanceError", "NotFound"]


class IssuanceError(HpfIssuerError):
    """A certificate cannot be issued or revoked as asked; nothing was written."""


class BadRequest(IssuanceError):
    """The request itself is wrong (unknown purpose, closed account, bad number): asking again
    the same way fails again."""

    exit_code: ClassVar[int] = EXIT_USAGE
    http_status: ClassVar[int] = 400


class NotFound(IssuanceError):
    """No such account or certificate at this centre."""

    exit_code: ClassVar[int] = EXIT_USAGE
    http_status: ClassVar[int] = 404
