"""The result objects the CLI, the API and the web page all render."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from verifier.reasons import Reason


class Status(StrEnum):
    OK = "ok"
    FAIL = "fail"
    UNKNOWN = "unknown"  # the check could not run (e.g. the chain is unreachable)
    ERROR = "error"  # the check itself broke (reason CHECK_ERROR); counts like UNKNOWN, never as a pass
    SKIPPED = "skipped"  # not run: an earlier check did not establish its input and names the reason


class Verdict(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    INDETERMINATE = "INDETERMINATE"


# Reason codes are a public contract (docs/design.md §4): `verifier.reasons.Reason` holds them.
REASON_CODES = tuple(r.value for r in Reason)


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    name: str
    stage: str
    status: Status
    reason: Reason | None
    message_zh: str
    message_en: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "stage": self.stage,
            "status": str(self.status),
            "reason": None if self.reason is None else str(self.reason),
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
        return [str(c.reason) for c in self.checks if c.reason and c.status is not Status.OK]

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
    """INVALID if any check failed; INDETERMINATE if any could not run, broke or was skipped;
    else VALID (every check OK).

    An empty pipeline is INVALID on purpose: nothing checked is nothing proven. A skipped check
    follows an earlier one that did not pass, so it never decides alone; if it ever did, it
    would not count as a pass.
    """
    if not checks:
        return Verdict.INVALID
    statuses = {c.status for c in checks}
    if Status.FAIL in statuses:
        return Verdict.INVALID
    if statuses - {Status.OK}:
        return Verdict.INDETERMINATE
    return Verdict.VALID
