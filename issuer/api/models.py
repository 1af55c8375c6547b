"""What the portal API answers, as `…Public` models: the OpenAPI document describes each route's
JSON. The routes and issuer/api/services.py build the bodies; these models describe them, and let
fields the domain adds through (`extra="allow"`) rather than dropping them. A field with a
default is one a body may leave out (those routes answer with `response_model_exclude_unset`)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Public(BaseModel):
    """An answer of the API: its documented fields, and any the domain adds."""

    model_config = ConfigDict(extra="allow")


class OkPublic(Public):
    ok: bool


class HealthPublic(Public):
    status: str
    centre: int
    issuer: dict[str, Any] = Field(description="running, and last_error or why it is not running")


# --- public -------------------------------------------------------------------------------------

class CentrePublic(Public):
    centre: int
    centre_name: str


class CentreNamePublic(Public):
    code: int
    name: str


class CentresPublic(Public):
    centres: list[CentreNamePublic]


class CertificateTextPublic(Public):
    number: str
    hpf1: str = Field(description="the certificate's HPF1 text, to verify")


# --- employee -----------------------------------------------------------------------------------

class AccountPublic(Public):
    """The logged-in employee's account, amounts in fen with their yuan text."""

    name: str
    id_masked: str
    employer_name: str
    personal_account_masked: str
    status: str
    status_zh: str
    opened: str
    balance: int
    balance_yuan: str
    deposit_base: int
    deposit_base_yuan: str
    monthly_amount: int
    monthly_amount_yuan: str
    first_month: str | None
    last_month: str | None
    months_paid: int
    months_continuous: int
    loan_outstanding: bool


class LoginPublic(Public):
    account: AccountPublic
    session_seconds: int


class MePublic(Public):
    account: AccountPublic
    centre: int
    centre_name: str


class PurposePublic(Public):
    id: str
    name: str
    validity_days: int
    minimal: str = Field(description="what the minimal certificate shows, in Chinese")
    minimal_is_full: bool


class PurposesPublic(Public):
    purposes: list[PurposePublic]


class InstitutionNamePublic(Public):
    id: int
    name: str


class InstitutionsPublic(Public):
    institutions: list[InstitutionNamePublic]


class CertificatePublic(Public):
    """A certificate of the centre; `text` (HPF1) once it is anchored."""

    number: str
    centre: int
    purpose: str
    purpose_zh: str
    audience: int | None
    issued_at: str
    valid_until: str
    status: str
    digest: str | None
    root: str | None
    anchored_at: str | None
    anchored_block: int | None
    revoked_at: str | None
    revocation_reason: str | None
    text: str | None
    ready: bool = Field(description="anchored and not revoked: offered for download")


class IssuedCertificatePublic(CertificatePublic):
    existing: bool = Field(description="an equal current certificate was offered instead of a new one")
    superseded: str | None = Field(default=None, description="the number of the certificate it replaces")
    superseded_revoked: Any = Field(default=None, description="whether that one was revoked on chain")


class CertificatesPublic(Public):
    certificates: list[CertificatePublic]


class AccessPublic(Public):
    institution: int
    institution_name: str | None
    purpose: str
    purpose_zh: str
    time: str
    block: int
    tx: str
    refused: bool = Field(description="a verification by an institution it was not for (WRONG_AUDIENCE)")


class AccessesPublic(Public):
    number: str
    accesses: list[AccessPublic]


class BlacklistEntryPublic(Public):
    id: int
    centre: int
    reason: str
    reason_zh: str
    under_appeal: bool
    listed_at: int
    expires_at: int
    expires_in_days: int


class OwnBlacklistEntryPublic(BlacklistEntryPublic):
    centre_name: str | None


class MyBlacklistPublic(Public):
    listed: bool
    entries: list[OwnBlacklistEntryPublic]
    how_to_appeal_zh: str


# --- staff --------------------------------------------------------------------------------------

class IssuanceStatusPublic(Public):
    """Certificates and batches by state, the last anchored batch, the signing key, the batcher."""

    centre: int
    certificates: dict[str, int]
    batches: dict[str, int]
    waiting_for_anchor: int
    last_anchored: dict[str, Any]
    signing_key: dict[str, Any] | None
    batch_size: int
    batch_timeout: float
    last_error: str | None


class ListedPublic(Public):
    entry_id: int
    id_masked: str
    subject: str
    expires_at: int
    case_hash: str


class BlacklistCheckPublic(Public):
    id_masked: str
    subject: str
    listed: bool
    entries: list[BlacklistEntryPublic]
    source: str
    index_block: int | None
    chain_block: int | None
    index_behind_blocks: int | None


class BlacklistChecksPublic(Public):
    checks: list[dict[str, Any]] = Field(description="who checked the person, and when (from the chain)")


class BlacklistStatsPublic(Public):
    """Active entries by centre and reason; entries expiring soon."""


# --- governance (staff) -------------------------------------------------------------------------

class GovernanceRowPublic(Public):
    """One row of a consortium listing (members, institutions, proposals, the audit log), as
    issuer/governance.py builds it."""


class PreviewPublic(Public):
    action: str
    does: str
    does_zh: str


class GovernanceStepPublic(Public):
    """What a proposal step did (issuer/governance.py `Desk.propose` / `Desk.step`)."""


class AppealStepPublic(Public):
    entry_id: int
    under_appeal: bool
    tx: str = Field(description="the transaction that recorded it")


class LiftPublic(Public):
    entry_id: int
    lifted: bool
    tx: str = Field(description="the transaction that recorded it")
