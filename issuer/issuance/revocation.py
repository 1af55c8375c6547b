"""Revoking a certificate: on chain first (the ledger checks the Merkle proof of inclusion and
that this centre anchored it), then in the issuer's database."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, update

from issuer.db import Certificate, CertificateStatus, session_scope
from issuer.db.models import utcnow
from issuer.db.numbers import parse_certificate_number
from issuer.issuance.errors import BadRequest, IssuanceError
from issuer.issuance.reading import IssuedCertificate, Reader, batch_digests
from node.bindings import RevocationReason
from node.errors import ContractError
from verifier.merkle import MerkleTree

__all__ = ["REVOCATION_REASONS", "Revocations", "Revoker"]

#: Revocation reasons as the CLI and API name them.
REVOCATION_REASONS: dict[str, RevocationReason] = {
    "superseded": RevocationReason.SUPERSEDED,
    "issued-in-error": RevocationReason.ISSUED_IN_ERROR,
    "account-changed": RevocationReason.ACCOUNT_CHANGED,
    "key-compromised": RevocationReason.KEY_COMPROMISED,
    "other": RevocationReason.OTHER,
}

#: Sends a revocation to the ledger: (digest, root, proof, reason code).
Revoker = Callable[[bytes, bytes, list[bytes], RevocationReason], None]


class Revocations:
    """One centre's revocations; `revoker` None: this issuer has no chain connection."""

    def __init__(self, *, engine: Engine, reader: Reader, revoker: Revoker | None) -> None:
        self.engine = engine
        self.reader = reader
        self.revoker = revoker

    def revoke(self, number: str, reason: str, *, code: RevocationReason = RevocationReason.OTHER) -> IssuedCertificate:
        """Revoke an anchored certificate of this centre on chain, then record it here."""
        text = reason.strip()
        if not text:
            raise BadRequest("Give the reason for revoking the certificate.", message_zh="请填写撤销原因。")
        if code is RevocationReason.NONE:
            raise BadRequest("A revocation needs a reason code.", message_zh="撤销需要原因代码。")
        try:
            parse_certificate_number(number)
        except ValueError:
            raise BadRequest(f"{number!r} is not a certificate number (e.g. 460100-2026-00000123).",
                             message_zh=f"{number!r} 不是证明编号（例如 460100-2026-00000123）。") from None
        with session_scope(self.engine) as s:
            c = self.reader.by_number(s, number)
            if c.status is CertificateStatus.REVOKED:
                raise BadRequest(f"Certificate {number} is already revoked.", message_zh=f"证明 {number} 已撤销。")
            if c.status is not CertificateStatus.ANCHORED or c.batch is None or c.batch.root is None:
                raise BadRequest(f"Certificate {number} is not anchored yet; revoke it once it is.",
                                 message_zh=f"证明 {number} 尚未上链，上链后才能撤销。")
            digests = batch_digests(s, c.batch.id)
            root, digest, index = c.batch.root, c.digest, c.leaf_index
        assert digest is not None and index is not None
        proof = MerkleTree.build(digests).proof(index)
        if self.revoker is None:
            raise IssuanceError("This issuer cannot send revocations (no chain connection).")
        try:
            self.revoker(digest, root, proof, code)
        except ContractError as exc:
            if exc.error != "CertificateLedgerAlreadyRevoked":
                raise IssuanceError(f"The chain refused the revocation: {exc}.",
                                    message_zh="区块链拒绝了撤销操作。") from exc
        with session_scope(self.engine) as s:
            s.execute(update(Certificate).where(Certificate.number == number).values(
                status=CertificateStatus.REVOKED, revoked_at=utcnow(), revocation_reason=text))
        return self.reader.certificate(number)
