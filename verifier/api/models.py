"""What the verifier API answers, as `…Public` models: the OpenAPI document describes each
route's JSON. The bodies are built by the domain (`VerificationResult.to_json`, the same JSON as
`hpf verify --json`); these models describe them and let fields a newer verifier adds through
(`extra="allow"`) rather than dropping them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    """An answer of the API: its documented fields, and any the domain adds."""

    model_config = ConfigDict(extra="allow")


class CheckPublic(Public):
    name: str
    stage: str
    status: str = Field(description="OK, FAIL, ERROR or SKIPPED")
    reason: str | None = Field(description="a public reason code (docs/verifier.md), null when OK")
    message: str
    message_zh: str


class VerificationPublic(Public):
    """One certificate's verification: the same JSON as `hpf verify --json`."""

    verdict: str = Field(description="VALID, INVALID or INDETERMINATE")
    reasons: list[str]
    checks: list[CheckPublic]
    certificate: dict[str, Any] | None = Field(description="the certificate's fields, when it could be read")
    blacklist: dict[str, Any]
    digest: str | None
    chain: dict[str, Any] | None
    summary: dict[str, Any] | None = Field(default=None, description="the headline for people (absent when none)")
    claims: list[dict[str, Any]]


class UploadVerificationPublic(VerificationPublic):
    """The first certificate of an upload; `results` holds all of them when there are several."""

    results: list[VerificationPublic] | None = Field(default=None, description="only with several QR codes")


class BatchPublic(Public):
    results: list[VerificationPublic]


class BlacklistStatusPublic(Public):
    subject: str = Field(description="the subject reference, 0x and 64 hex digits")
    listed: bool
    entries: list[dict[str, Any]] = Field(description="the active entries across all centres")


class InstitutionPublic(Public):
    institution: int
    name: str | None


class HealthPublic(Public):
    status: str
    chain: dict[str, Any] = Field(description="configured, and when it is: reachable, block or error")
    trace_pending: dict[int, int] = Field(description="institution -> access records not yet on chain")
