"""Issuance: certificates signed on request or in bulk, gathered into Merkle batches, anchored on
the ledger, then handed out with their proofs; revocation and the issuer's read queries.

`Issuer` (service.py, which lists the modules) is what callers use; this package re-exports what
other modules import.
"""

from issuer.issuance.bulk import IssueAllReport
from issuer.issuance.content import (
    DEFAULT_VALIDITY_DAYS,
    AccountFacts,
    account_summary,
    certificate_content,
    mask_account,
)
from issuer.issuance.errors import BadRequest, IssuanceError, NotFound
from issuer.issuance.reading import IssuedCertificate, certificate_text
from issuer.issuance.revocation import REVOCATION_REASONS
from issuer.issuance.service import Issuer
from issuer.issuance.signing import sign_certificates
from issuer.issuance.wiring import open_issuer

__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "REVOCATION_REASONS",
    "AccountFacts",
    "BadRequest",
    "IssuanceError",
    "IssueAllReport",
    "IssuedCertificate",
    "Issuer",
    "NotFound",
    "account_summary",
    "certificate_content",
    "certificate_text",
    "mask_account",
    "open_issuer",
    "sign_certificates",
]
