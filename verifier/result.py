"""The result objects the CLI, the API and the web page all render."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    FAIL = "fail"
    UNKNOWN = "unknown"  # the check could not run (e.g. the chain is unreachable)
    ERROR = "error"  # the check itself broke; counts like UNKNOWN, never as a pass


class Verdict(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    INDETERMINATE = "INDETERMINATE"


# Reason codes are a public contract (DESIGN.md §4): never rename one once published.
REASON_CODES = (
    "MALFORMED",
    "UNSUPPORTED_VERSION",
    "BAD_SIGNATURE",
    "UNKNOWN_KEY",
    "ISSUER_NOT_MEMBER",
    "KEY_NOT_VALID_AT_ANCHOR",
    "PROOF_INVALID",
    "NOT_ANCHORED",
    "REVOKED",
    "EXPIRED",
    "WRONG_AUDIENCE",
    "CHAIN_UNAVAILABLE",
    "NODE_BEHIND",
)


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    name: str
    stage: str
    status: Status
    reason: str | None
    message_zh: str
    message_en: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.stage,
            "status": str(self.status),
            "reason": self.reason,
            "message": self.message_en,
            "message_zh": self.message_zh,
        }


@dataclass(frozen=True, kw_only=True)
class VerificationResult:
    verdict: Verdict
    checks: tuple[CheckResult, ...]
    certificate: dict[str, Any] | None
    blacklist: dict[str, Any]
    digest: str | None
    chain: dict[str, Any] | None
    #: the headline for people (verifier/explain.py): why, and what to do next
    summary: dict[str, Any] | None = None
    #: a minimal certificate's signed threshold statements (verifier/disclosure.py); [] otherwise
    claims: list[dict[str, Any]] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        return [c.reason for c in self.checks if c.reason and c.status is not Status.OK]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "reasons": self.reasons,
            "checks": [c.to_json() for c in self.checks],
            "certificate": self.certificate,
            "blacklist": self.blacklist,
            "digest": self.digest,
            "chain": self.chain,
            **({"summary": self.summary} if self.summary is not None else {}),
            "claims": self.claims,
        }


def decide(checks: tuple[CheckResult, ...] | list[CheckResult]) -> Verdict:
    """INVALID if any check failed; INDETERMINATE if any could not run; else VALID.

    An empty pipeline is INVALID on purpose: nothing checked is nothing proven.
    """
    if not checks:
        return Verdict.INVALID
    statuses = {c.status for c in checks}
    if Status.FAIL in statuses:
        return Verdict.INVALID
    if statuses & {Status.UNKNOWN, Status.ERROR}:
        return Verdict.INDETERMINATE
    return Verdict.VALID
