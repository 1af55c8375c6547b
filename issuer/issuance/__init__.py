"""Issuance: certificates signed on request or in bulk, gathered into Merkle batches, anchored on
the ledger, then handed out with their proofs; revocation and the issuer's read queries.

`Issuer` (service.py) is what callers use; this package re-exports what other modules import.
"""

from issuer.issuance.content import DEFAULT_VALIDITY_DAYS, certificate_content, mask_account
from issuer.issuance.errors import BadRequest, IssuanceError, NotFound
from issuer.issuance.reading import IssuedCertificate, certificate_text
from issuer.issuance.service import REVOCATION_REASONS, Issuer
from issuer.issuance.wiring import open_issuer

__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "REVOCATION_REASONS",
    "BadRequest",
    "IssuanceError",
    "IssuedCertificate",
    "Issuer",
    "NotFound",
    "certificate_content",
    "certificate_text",
    "mask_account",
    "open_issuer",
]
