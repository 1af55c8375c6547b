"""The one root exception of `verifier`, and the decode failures a verdict reports.

A decode error's `reason` is the public reason code (docs/design.md §4) the decode check reports: a
stable contract, never renamed once published.
"""

from __future__ import annotations

from typing import ClassVar

from verifier.reasons import Reason


class HpfVerifierError(Exception):
    """Root of every error `verifier` raises. The message is one sentence a user can act on."""


class MalformedCertificate(HpfVerifierError):
    """The text is not an HPF1 certificate: wrong prefix, bad encoding, or content out of range."""

    reason: ClassVar[Reason] = Reason.MALFORMED


class UnsupportedVersion(HpfVerifierError):
    """The certificate is of a format or schema version this verifier does not read."""

    reason: ClassVar[Reason] = Reason.UNSUPPORTED_VERSION
