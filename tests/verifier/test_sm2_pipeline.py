"""SM2 certificates through the whole verification pipeline against a real anvil node: the same
checks and reason codes as Ed25519, the algorithm as registered on chain deciding."""

from __future__ import annotations

from dataclasses import replace

import cbor2
import pytest

from node.bindings import KeyAlgorithm
from verifier import format as fmt
from verifier import sm2
from verifier.merkle import MerkleTree
from verifier.pipeline import Verifier
from verifier.result import Verdict

from .issuing import DAY, admin, chain_time, issue, make_certificate, operator, register_key

pytestmark = pytest.mark.integration
DANZHOU = 460400


def _register_sm2(c, code: int = DANZHOU) -> tuple[sm2.Sm2PrivateKey, bytes]:  # type: ignore[no-untyped-def]
    key = sm2.Sm2PrivateKey.generate()
    kid = fmt.key_id_for(key.public_key_bytes())
    c.consortium.register_key(admin(c.consortium.w3, code), kid, KeyAlgorithm.SM2, key.public_key_bytes())
    return key, kid


def _verdict(reader, text: str) -> tuple[Verdict, list[str]]:  # type: ignore[no-untyped-def]
    r = Verifier(reader).verify(text)
    return r.verdict, r.reasons


def test_sm2_certificates_are_valid_and_the_key_reads_back(chain, reader) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    key, kid = _register_sm2(c)
    info = c.consortium.key(kid)
    assert info.algorithm is KeyAlgorithm.SM2 and bytes(info.public_key) == key.public_key_bytes()
    texts, _, _ = issue(c, [make_certificate(w3, centre=DANZHOU) for _ in range(3)], key, kid, algorithm="SM2")
    result = Verifier(reader).verify(texts[1])
    assert result.verdict is Verdict.VALID, result.to_json()
    assert fmt.decode(texts[1]).algorithm == "SM2"


def test_sm2_bad_inputs_are_bad_signature(chain, reader) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    key, kid = _register_sm2(c)
    _, _, signed = issue(c, [make_certificate(w3, centre=DANZHOU) for _ in range(2)], key, kid,
                         algorithm="SM2")
    first = signed[0]
    # content changed after signing
    forged = fmt.sign(replace(first.certificate, balance=1), key, kid, "SM2")
    assert _verdict(reader, fmt.encode(replace(first, payload=forged.payload)))[1][0] == "BAD_SIGNATURE"
    # a signature of the wrong length (and the DER form GmSSL and OpenSSL speak)
    for signature in (first.signature[:63], first.signature + b"\x00", b""):
        assert _verdict(reader, fmt.encode(replace(first, signature=signature))) == (Verdict.INVALID, ["BAD_SIGNATURE"])


def test_algorithm_confusion_is_bad_signature(chain, reader) -> None:  # type: ignore[no-untyped-def]
    """A certificate claiming SM2 under a key registered as Ed25519 (and the reverse) fails."""
    w3, c = chain
    ed, ed_kid = register_key(c, DANZHOU)  # registered as EdDSA
    claimed_sm2 = cbor2.dumps({1: fmt.ALGORITHMS["SM2"], 4: ed_kid}, canonical=True)
    cert = make_certificate(w3, centre=DANZHOU)
    genuine = fmt.sign(cert, ed, ed_kid)
    payload = genuine.payload
    to_sign = cbor2.dumps(["Signature1", claimed_sm2, b"", payload])
    confused = replace(genuine, algorithm="SM2", protected=claimed_sm2, signature=ed.sign(to_sign))
    tree = MerkleTree.build([fmt.certificate_digest(confused)])
    c.ledger.anchor(operator(w3, DANZHOU), tree.root, 1)
    assert _verdict(reader, fmt.encode(fmt.with_proof(confused, tree.root, []))) == (Verdict.INVALID, ["BAD_SIGNATURE"])
    # an SM2 key's certificate relabelled EdDSA
    key, kid = _register_sm2(c)
    _, _, signed = issue(c, [make_certificate(w3, centre=DANZHOU)], key, kid, algorithm="SM2")
    relabelled = replace(signed[0], algorithm="EdDSA", protected=cbor2.dumps({1: -8, 4: kid}, canonical=True))
    assert _verdict(reader, fmt.encode(relabelled))[1][0] == "BAD_SIGNATURE"


def test_retired_sm2_key_cannot_back_date(chain, reader) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    key, kid = _register_sm2(c)
    claimed = chain_time(w3)
    c.consortium.retire_key(admin(w3, DANZHOU), kid)
    texts, _, _ = issue(c, [make_certificate(w3, centre=DANZHOU, issued_at=claimed - DAY)], key, kid,
                        algorithm="SM2")
    assert _verdict(reader, texts[0]) == (Verdict.INVALID, ["KEY_NOT_VALID_AT_ANCHOR"])

