"""Prints the QR size of the full certificate and of each purpose's minimal certificate
(docs/privacy.md): the budget's realistic worst case (a four-character name, a long employer
name, an audience) with a full-depth proof (one of a batch of 64).

    .venv/bin/python scripts/disclosure_sizes.py
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier import disclosure as sd
from verifier import format as fmt
from verifier.merkle import MAX_BATCH_SIZE, MerkleTree


def main() -> int:
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"hpf-trust DEMO sizes key").digest())
    kid = fmt.key_id_for(fmt.public_key_bytes(key))
    print("| certificate | characters | QR version (Q) |\n|---|---:|---:|")
    for purpose in fmt.PURPOSES:
        full = fmt.Certificate(
            number="460100-2026-00000123", centre_code=460100, purpose=purpose, audience=91000001,  # type: ignore[arg-type]
            issued_at=1767225600, valid_until=1769904000, name="欧阳明华", id_masked="460100********1234",
            subject_ref=hashlib.sha256(b"subject").digest(), employer_name="海南省某某科技有限公司",
            employer_account="460100012345", account_masked="4601******5678", account_status="normal",
            account_opened="2015-07-01", deposit_base=876_500, employee_rate_bp=1200, employer_rate_bp=1200,
            monthly_amount=210_360, first_month="2015-07", last_month="2025-12", months_continuous=126,
            balance=12_345_678, loan_outstanding=False)
        signed = fmt.sign(sd.for_purpose(full), key, kid)
        leaves = [fmt.certificate_digest(signed)] + [hashlib.sha256(bytes([i])).digest()
                                                     for i in range(MAX_BATCH_SIZE - 1)]
        tree = MerkleTree.build(leaves)
        text = fmt.encode(fmt.with_proof(signed, tree.root, tree.proof(0)))
        version = segno.make(text, error="q", micro=False, boost_error=False).version
        kind = "minimal" if isinstance(signed.certificate, sd.MinimalCertificate) else "full"
        print(f"| {purpose} ({kind}) | {len(text)} | {version} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
