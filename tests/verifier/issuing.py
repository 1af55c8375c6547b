"""A minimal test-side issuer: sign certificates, build a batch, anchor it, attach proofs.

It drives the real format and the real contracts; the issuer service (issuer/) does the same
with storage, crash safety and rendering around it.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eth_utils import keccak
from web3 import Web3

from node import accounts as demo
from node.bindings import Contracts, KeyAlgorithm, Sender
from verifier import format as fmt
from verifier.merkle import MerkleTree

DAY = 24 * 3600


def chain_time(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def admin(w3: Web3, code: int) -> Sender:
    return Sender(w3, demo.demo_account(demo.demo_centre(code).admin_index))


def operator(w3: Web3, code: int) -> Sender:
    return Sender(w3, demo.demo_account(demo.demo_centre(code).operator_index))


def register_key(contracts: Contracts, code: int) -> tuple[Ed25519PrivateKey, bytes]:
    key = Ed25519PrivateKey.generate()
    public = fmt.public_key_bytes(key)
    kid = fmt.key_id_for(public)
    contracts.consortium.register_key(admin(contracts.consortium.w3, code), kid, KeyAlgorithm.EDDSA, public)
    return key, kid


def make_certificate(w3: Web3, *, centre: int = 460100, **overrides: Any) -> fmt.Certificate:
    return certificate_at(chain_time(w3), centre=centre, **overrides)


def certificate_at(now: int, *, centre: int = 460100, **overrides: Any) -> fmt.Certificate:
    """A certificate issued at `now` (valid 90 days) by `centre`, with a random number and subject."""
    fields: dict[str, Any] = dict(
        number=f"{centre}-2026-{int.from_bytes(os.urandom(3), 'big'):08d}",
        centre_code=centre,
        purpose="housing-loan",
        audience=None,
        issued_at=now,
        valid_until=now + 90 * DAY,
        name="王小明",
        id_masked="460100********1234",
        subject_ref=keccak(os.urandom(32)),
        employer_name="海南省某某科技有限公司",
        employer_account="460100001234",
        account_masked="4601****5678",
        account_status="normal",
        account_opened="2015-03-01",
        deposit_base=800_000,
        employee_rate_bp=1200,
        employer_rate_bp=1200,
        monthly_amount=192_000,
        first_month="2015-03",
        last_month="2026-10",
        months_continuous=140,
        balance=12_345_600,
        loan_outstanding=False,
        supersedes=None,
    )
    fields.update(overrides)
    return fmt.Certificate(**fields)


def issue(
    contracts: Contracts,
    certificates: list[fmt.Certificate],
    key: fmt.PrivateKey,
    kid: bytes,
    *,
    anchor_by: int | None = None,
    anchor: bool = True,
    algorithm: fmt.Algorithm = "EdDSA",
) -> tuple[list[str], MerkleTree, list[fmt.SignedCertificate]]:
    """Sign, batch, anchor (by the certificates' centre unless `anchor_by`), attach proofs."""
    signed = [fmt.sign(c, key, kid, algorithm) for c in certificates]
    digests = [fmt.certificate_digest(s) for s in signed]
    tree = MerkleTree.build(digests)
    if anchor:
        code = anchor_by or certificates[0].centre_code
        contracts.ledger.anchor(operator(contracts.ledger.w3, code), tree.root, len(digests))
    complete = [fmt.with_proof(s, tree.root, tree.proof(i)) for i, s in enumerate(signed)]
    return [fmt.encode(s) for s in complete], tree, complete


def tamper_payload(signed: fmt.SignedCertificate, **changes: Any) -> str:
    """The same signature over different content: what a forger who edits the figures gets."""
    forged = fmt.sign(replace(signed.certificate, **changes), Ed25519PrivateKey.generate(), signed.key_id)
    return fmt.encode(replace(signed, payload=forged.payload))
