"""Reading certificates back: a stored certificate with its HPF1 text (put together once it is
anchored, never before), by row id, number or account, and the issuer's status counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from issuer.db import Batch, BatchState, Certificate, CertificateStatus, session_scope
from issuer.issuance.errors import NotFound
from verifier import format as fmt
from verifier.merkle import MerkleTree

__all__ = ["IssuedCertificate", "Reader", "batch_digests", "certificate_text", "issued_certificate"]

_DIGESTS_MAX = 4096  # batches whose leaves a reader keeps


@dataclass(frozen=True, kw_only=True)
class IssuedCertificate:
    """A certificate as the issuer stores it. `text` (the HPF1 string with its proof) is set only
    once the certificate is anchored; before that it must not be handed out."""

    id: int
    number: str
    centre: int
    account_id: int
    purpose: str
    audience: int | None
    issued_at: datetime
    valid_until: datetime
    status: CertificateStatus
    digest: bytes | None
    text: str | None
    root: bytes | None = None
    anchored_at: datetime | None = None
    anchored_block: int | None = None
    revoked_at: datetime | None = None
    revocation_reason: str | None = None

    @property
    def ready(self) -> bool:
        return self.text is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "centre": self.centre,
            "purpose": self.purpose,
            "purpose_zh": fmt.PURPOSES[self.purpose][1] if self.purpose in fmt.PURPOSES else self.purpose,
            "audience": self.audience,
            "issued_at": self.issued_at.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "status": self.status.value,
            "digest": self.digest.hex() if self.digest else None,
            "root": self.root.hex() if self.root else None,
            "anchored_at": self.anchored_at.isoformat() if self.anchored_at else None,
            "anchored_block": self.anchored_block,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "revocation_reason": self.revocation_reason,
            "text": self.text,
        }


def certificate_text(cose: bytes, digests: Sequence[bytes], leaf_index: int) -> str:
    """The HPF1 text of a stored certificate: its COSE_Sign1 with the proof through its batch
    (the batch's certificate digests in leaf order). Deterministic."""
    tree = MerkleTree.build(list(digests))
    return fmt.encode(fmt.with_proof(fmt.from_cose(cose), tree.root, tree.proof(leaf_index)))


def batch_digests(s: Session, batch_id: int) -> list[bytes]:
    """The batch's certificate digests in leaf order (the leaves of its Merkle tree)."""
    return list(s.scalars(select(Certificate.digest).where(Certificate.batch_id == batch_id)
                          .order_by(Certificate.leaf_index)))


def issued_certificate(s: Session, c: Certificate, digests: dict[int, list[bytes]] | None = None) -> IssuedCertificate:
    """The stored certificate `c`, with its text when it is anchored (or revoked); `digests` caches
    batches' leaves, which never change once anchored."""
    batch = c.batch
    text = None
    if c.status in (CertificateStatus.ANCHORED, CertificateStatus.REVOKED) and batch is not None:
        cache = digests if digests is not None else {}
        if batch.id not in cache:
            if len(cache) > _DIGESTS_MAX:
                cache.clear()
            cache[batch.id] = batch_digests(s, batch.id)
        assert c.cose is not None and c.leaf_index is not None
        text = certificate_text(c.cose, cache[batch.id], c.leaf_index)
    return IssuedCertificate(
        id=c.id,
        number=c.number,
        centre=c.centre_code,
        account_id=c.account_id,
        purpose=c.purpose,
        audience=c.audience,
        issued_at=c.issued_at,
        valid_until=c.valid_until,
        status=c.status,
        digest=c.digest,
        text=text,
        root=batch.root if batch is not None else None,
        anchored_at=batch.anchored_at if batch is not None else None,
        anchored_block=batch.anchored_block if batch is not None else None,
        revoked_at=c.revoked_at,
        revocation_reason=c.revocation_reason,
    )


class Reader:
    """One centre's certificates as stored, and counts of them by state."""

    def __init__(self, *, engine: Engine, centre: int) -> None:
        self.engine = engine
        self.centre = centre
        self._digests: dict[int, list[bytes]] = {}  # anchored batches' leaves never change

    def certificate_by_id(self, cert_id: int) -> IssuedCertificate:
        with session_scope(self.engine) as s:
            c = s.get(Certificate, cert_id)
            if c is None or c.centre_code != self.centre:
                raise NotFound(f"No certificate {cert_id}.", message_zh="没有该证明。")
            return issued_certificate(s, c, self._digests)

    def by_number(self, s: Session, number: str) -> Certificate:
        c = s.scalars(select(Certificate).where(Certificate.number == number,
                                                Certificate.centre_code == self.centre)).first()
        if c is None:
            raise NotFound(f"Centre {self.centre} has no certificate {number}.",
                           message_zh=f"本中心没有编号为 {number} 的证明。")
        return c

    def certificate(self, number: str) -> IssuedCertificate:
        with session_scope(self.engine) as s:
            return issued_certificate(s, self.by_number(s, number), self._digests)

    def certificates(self, account_id: int) -> list[IssuedCertificate]:
        with session_scope(self.engine) as s:
            rows = s.scalars(select(Certificate).where(Certificate.account_id == account_id,
                                                       Certificate.centre_code == self.centre)
                             .order_by(Certificate.id.desc()))
            return [issued_certificate(s, c, self._digests) for c in rows]

    def counts(self) -> dict[str, Any]:
        """Certificates and batches by state, and the last anchored batch."""
        with session_scope(self.engine) as s:
            certs = dict(s.execute(select(Certificate.status, func.count()).where(
                Certificate.centre_code == self.centre).group_by(Certificate.status)).all())
            batches = dict(s.execute(select(Batch.state, func.count()).where(
                Batch.centre_code == self.centre).group_by(Batch.state)).all())
            last = s.scalars(select(Batch).where(Batch.centre_code == self.centre,
                                                 Batch.state == BatchState.ANCHORED)
                             .order_by(Batch.id.desc()).limit(1)).first()
        return {
            "centre": self.centre,
            "certificates": {k.value: v for k, v in certs.items()},
            "batches": {k.value: v for k, v in batches.items()},
            "waiting_for_anchor": certs.get(CertificateStatus.SIGNED, 0),
            "last_anchored": {
                "root": last.root.hex() if last and last.root else None,
                "leaf_count": last.leaf_count if last else None,
                "anchored_at": last.anchored_at.isoformat() if last and last.anchored_at else None,
                "block": last.anchored_block if last else None,
            },
        }
