"""Writes docs/test-vectors/*.json: HPF1 certificates and what a verifier must make of them.

Deterministic: DEMO keys from fixed seeds, fixed content, ES256 signed per RFC 6979, so a rerun
rewrites the same bytes (tests/verifier/test_format.py checks that). SM2 signatures are randomised
(the library draws k; GB/T 32918.2 has no deterministic variant), so for SM2 the script reuses the
signature already in docs/test-vectors when it still verifies over the same bytes, and signs anew
only what changed. Rerun after a format change:

    .venv/bin/python scripts/make_test_vectors.py

The broken vectors are built here layer by layer with cbor2/zlib/base45 directly, not through
`verifier.format.encode`, so they also cross-check the encoder. Hex is lowercase without 0x.
"""

from __future__ import annotations

import hashlib
import json
import sys
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import base45
import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from verifier import sm2
from verifier.disclosure import make_minimal
from verifier.errors import MalformedCertificate, UnsupportedVersion
from verifier.format import (
    ALGORITHMS,
    DISCLOSURES_LABEL,
    PREFIX,
    PROOF_LABEL,
    Algorithm,
    Certificate,
    PrivateKey,
    SignedCertificate,
    certificate_digest,
    computed_root,
    decode,
    encode,
    key_id_for,
    public_key_bytes,
    sign,
    verify_signature,
    with_proof,
)
from verifier.merkle import MerkleTree, leaf_hash

VECTORS_DIR = Path(__file__).resolve().parent.parent / "docs" / "test-vectors"

_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def demo_ed25519_key() -> Ed25519PrivateKey:
    """DEMO ONLY: a published Ed25519 key. Never register it on a real network."""
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"hpf-trust DEMO Ed25519 key 1").digest())


def demo_p256_key() -> ec.EllipticCurvePrivateKey:
    """DEMO ONLY: a published P-256 key. Never register it on a real network."""
    seed = int.from_bytes(hashlib.sha256(b"hpf-trust DEMO P-256 key 1").digest(), "big")
    return ec.derive_private_key(seed % (_P256_ORDER - 1) + 1, ec.SECP256R1())


#: DEMO ONLY: a published SM2 key pair (made once by GmSSL; the binding derives no public key from
#: a seed). Never register it on a real network.
_DEMO_SM2_PRIVATE = "41006b77df873f1f80cf67f6677d4c91eff45d5a24b671ebc6b79383fd899d78"
_DEMO_SM2_PUBLIC = (
    "043ab94dc08ba6b6183a4ae56dbacc3b6573a625a8f77fca7697be4e890543a6d4"
    "8da7d2ebf65256ff317d0d6b9220068c3a3b8ffa33976807fef9d53526e03e37"
)


def demo_sm2_key() -> sm2.Sm2PrivateKey:
    """DEMO ONLY: a published SM2 key. Never register it on a real network."""
    return sm2.Sm2PrivateKey.from_bytes(bytes.fromhex(_DEMO_SM2_PRIVATE), bytes.fromhex(_DEMO_SM2_PUBLIC))


def _previous_sm2_signatures() -> dict[bytes, bytes]:
    """Sig_structure -> SM2 signature, from the SM2 vectors already written that still verify."""
    found: dict[bytes, bytes] = {}
    for path in sorted(VECTORS_DIR.glob("*.json")):
        vector = json.loads(path.read_text(encoding="utf-8"))
        if vector.get("algorithm") != "SM2" or vector["expected"]["decode"] != "ok":
            continue
        signed = decode(vector["hpf1"])
        to_sign = cbor2.dumps(["Signature1", signed.protected, b"", signed.payload])
        if sm2.verify(bytes.fromhex(vector["public_key"]), to_sign, signed.signature):
            found[to_sign] = signed.signature
    return found


_SM2_SIGNATURES: dict[bytes, bytes] = {}


def _sm2_signature(key: sm2.Sm2PrivateKey, to_sign: bytes) -> bytes:
    if to_sign not in _SM2_SIGNATURES:
        _SM2_SIGNATURES[to_sign] = key.sign(to_sign)
    return _SM2_SIGNATURES[to_sign]


def demo_certificate(**overrides: Any) -> Certificate:
    """A realistic certificate of a made-up person (DEMO data)."""
    fields: dict[str, Any] = {
        "number": "460100-2026-00000123",
        "centre_code": 460100,
        "purpose": "housing-loan",
        "audience": 91000001,
        "issued_at": 1767225600,  # 2026-01-01 00:00 UTC
        "valid_until": 1769904000,  # 2026-02-01 00:00 UTC
        "name": "王小明",
        "id_masked": "460100********1234",
        "subject_ref": hashlib.sha256(b"hpf-trust DEMO subject 1").digest(),
        "employer_name": "海南省某某科技有限公司",
        "employer_account": "460100012345",
        "account_masked": "4601******5678",
        "account_status": "normal",
        "account_opened": "2015-07-01",
        "deposit_base": 850000,
        "employee_rate_bp": 1200,
        "employer_rate_bp": 1200,
        "monthly_amount": 204000,
        "first_month": "2015-07",
        "last_month": "2025-12",
        "months_continuous": 126,
        "balance": 12345600,
        "loan_outstanding": False,
        "supersedes": None,
    }
    fields.update(overrides)
    return Certificate(**fields)


def _algorithm_of(key: PrivateKey) -> Algorithm:
    if isinstance(key, sm2.Sm2PrivateKey):
        return "SM2"
    return "EdDSA" if isinstance(key, Ed25519PrivateKey) else "ES256"


def _sign_raw(payload: bytes, key: PrivateKey) -> tuple[bytes, bytes]:
    """Signs arbitrary payload bytes (even invalid ones) as an issuer would: (protected, signature)."""
    alg = ALGORITHMS[_algorithm_of(key)]
    protected = cbor2.dumps({1: alg, 4: key_id_for(public_key_bytes(key))})
    to_sign = cbor2.dumps(["Signature1", protected, b"", payload])
    if isinstance(key, sm2.Sm2PrivateKey):
        return protected, _sm2_signature(key, to_sign)
    if isinstance(key, Ed25519PrivateKey):
        return protected, key.sign(to_sign)
    r, s = decode_dss_signature(key.sign(to_sign, ec.ECDSA(hashes.SHA256(), deterministic_signing=True)))
    return protected, r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _text_of(cose: bytes) -> str:
    return PREFIX + base45.b45encode(zlib.compress(cose, 9)).decode("ascii")


def _cose(protected: bytes, unprotected: dict[int, Any], payload: bytes, signature: bytes) -> bytes:
    return b"\xd2" + cbor2.dumps([protected, unprotected, payload, signature])


def _vector(
    description: str,
    text: str,
    key: PrivateKey,
    *,
    decode_as: str = "ok",
    because: str = "",
    signature: bool | None = None,
    proof_valid: bool | None = None,
    batch_root: bytes | None = None,
) -> dict[str, Any]:
    """The vector for `text`. The expectations are stated by the caller and checked against the
    reference implementation here, so a vector records intent, not whatever the code did.
    `batch_root` is the full root of the batch whose tag the certificate carries."""
    public_key = public_key_bytes(key)
    algorithm = _algorithm_of(key)
    expected: dict[str, Any] = {"decode": "ok", "signature": None, "digest": None, "proof_valid": None}
    certificate = None
    claims: list[dict[str, Any]] = []
    proof = None
    claimed = None
    try:
        signed = decode(text)
    except (MalformedCertificate, UnsupportedVersion) as exc:
        expected["decode"] = exc.reason
        if because.lower() not in str(exc).lower():
            raise AssertionError(f"{description!r} failed for another cause: {exc}") from exc
    else:
        claimed = signed.algorithm
        digest = certificate_digest(signed)
        expected["signature"] = verify_signature(signed, public_key, algorithm)
        expected["digest"] = digest.hex()
        root = computed_root(signed)
        if root is not None and signed.root_tag is not None:
            expected["proof_valid"] = root.startswith(signed.root_tag)
            if batch_root is None or not batch_root.startswith(signed.root_tag):
                raise AssertionError(f"{description!r}: give the root that its root tag names")
            proof = {
                "leaf": leaf_hash(digest).hex(),
                "siblings": [p.hex() for p in signed.proof],
                "root_tag": signed.root_tag.hex(),
                "root": batch_root.hex(),
            }
        certificate = signed.certificate.to_json()
        claims = [c.to_json() for c in getattr(signed.certificate, "claims", ())]
    intended = (decode_as, signature, proof_valid)
    if (expected["decode"], expected["signature"], expected["proof_valid"]) != intended:
        raise AssertionError(f"{description!r}: expected {intended}, got {expected}")
    vector = {
        "description": description,
        "hpf1": text,
        "expected": expected,
        "public_key": public_key.hex(),
        "algorithm": algorithm,
        "key_id": key_id_for(public_key).hex(),
        "certificate": certificate,
        "proof": proof,
    }
    if claimed is not None and claimed != algorithm:  # algorithm confusion: the header lies
        vector["claimed_algorithm"] = claimed
    if claims:  # a minimal certificate's signed statements (verify --json lists them as "claims")
        vector["claims"] = claims
    return vector


def _signed(key: PrivateKey, **overrides: Any) -> SignedCertificate:
    signed = sign(demo_certificate(**overrides), key, key_id_for(public_key_bytes(key)), _algorithm_of(key))
    if isinstance(key, sm2.Sm2PrivateKey):
        to_sign = cbor2.dumps(["Signature1", signed.protected, b"", signed.payload])
        signed = replace(signed, signature=_sm2_signature(key, to_sign))
    return signed


def _with_clear(payload: bytes, changes: dict[int, Any]) -> bytes:
    values = cbor2.loads(payload)
    values.update(changes)
    return cbor2.dumps(values, canonical=True)


def build_vectors() -> dict[str, dict[str, Any]]:
    """Every vector, by file name (without .json)."""
    ed, p256, gm = demo_ed25519_key(), demo_p256_key(), demo_sm2_key()
    _SM2_SIGNATURES.clear()
    _SM2_SIGNATURES.update(_previous_sm2_signatures())

    # A batch of three: two EdDSA certificates and one ES256, anchored under one root.
    batch = [
        _signed(ed),
        _signed(
            p256,
            number="460100-2026-00000124",
            name="李华",
            audience=None,
            balance=0,
            id_masked="460100********567X",
            subject_ref=hashlib.sha256(b"hpf-trust DEMO subject 2").digest(),
        ),
        _signed(
            ed,
            number="460100-2026-00000125",
            supersedes="460100-2026-00000099",
            account_status="sealed",
            loan_outstanding=True,
        ),
    ]
    tree = MerkleTree.build([certificate_digest(s) for s in batch])
    anchored = [with_proof(s, tree.root, tree.proof(i)) for i, s in enumerate(batch)]
    alone = _signed(ed, number="460100-2026-00000126", purpose="other", audience=None)
    alone_root = MerkleTree.build([certificate_digest(alone)]).root
    alone = with_proof(alone, alone_root, [])
    valid_text = encode(anchored[0])
    proof_header = {PROOF_LABEL: [tree.root[:4], b"".join(tree.proof(0))]}
    first = anchored[0]
    valid_cose = cbor2.dumps([first.protected, proof_header, first.payload, first.signature])

    def payload_with(changes: dict[int, Any]) -> bytes:
        payload = cbor2.loads(anchored[0].payload)
        payload.update(changes)
        return cbor2.dumps(payload, canonical=True)

    def signed_text(payload: bytes, key: PrivateKey = ed) -> str:
        protected, signature = _sign_raw(payload, key)
        return _text_of(_cose(protected, {}, payload, signature))

    payload_map = cbor2.loads(anchored[0].payload)
    tampered = payload_with({23: 99_999_999})  # balance
    # Another batch of three, and the proof header of its first certificate pasted onto ours.
    other = MerkleTree.build([hashlib.sha256(b"hpf-trust DEMO other %d" % i).digest() for i in range(3)])
    wrong_proof = replace(anchored[0], root_tag=other.root[:4], proof=tuple(other.proof(0)))

    # The national suite: a batch of two SM2 certificates of centre 460400 (Danzhou).
    sm2_batch = [
        _signed(gm, number="460400-2026-00000007", centre_code=460400, id_masked="460400********1234"),
        _signed(gm, number="460400-2026-00000008", centre_code=460400, id_masked="460400********567X",
                name="陈静", purpose="rental", audience=None, supersedes="460400-2026-00000003",
                subject_ref=hashlib.sha256(b"hpf-trust DEMO subject 3").digest()),
    ]
    sm2_tree = MerkleTree.build([certificate_digest(s) for s in sm2_batch])
    sm2_anchored = [with_proof(s, sm2_tree.root, sm2_tree.proof(i)) for i, s in enumerate(sm2_batch)]
    sm2_first = sm2_anchored[0]
    sm2_proof_header = {PROOF_LABEL: [sm2_tree.root[:4], b"".join(sm2_tree.proof(0))]}
    sm2_payload = cbor2.loads(sm2_first.payload)
    sm2_payload[23] = 99_999_999  # balance
    sm2_tampered = cbor2.dumps(sm2_payload, canonical=True)
    # Algorithm confusion: an Ed25519 signature under a header that claims SM2.
    confused_protected = cbor2.dumps({1: ALGORITHMS["SM2"], 4: key_id_for(public_key_bytes(ed))})
    confused_signature = ed.sign(cbor2.dumps(["Signature1", confused_protected, b"", anchored[0].payload]))
    # Minimal certificates (payload version 2, verifier/disclosure.py), salts from a fixed seed.
    counter = iter(range(10_000))

    def demo_salt(n: int) -> bytes:
        return hashlib.sha256(b"hpf-trust DEMO salt %d" % next(counter)).digest()[:n]

    rental = make_minimal(demo_certificate(number="460100-2026-00000127", purpose="rental", audience=None),
                          salt=demo_salt)
    minimal = sign(rental, ed, key_id_for(public_key_bytes(ed)), "EdDSA")
    minimal_root = MerkleTree.build([certificate_digest(minimal)]).root
    minimal = with_proof(minimal, minimal_root, [])
    withheld = replace(minimal, certificate=rental.without(["account_status"]))

    def minimal_with(index: int, salt: bytes | None = None, value: Any = None) -> str:
        """The minimal certificate with its `index`-th disclosure's salt or value replaced."""
        disclosures = list(rental.disclosures)
        item = cbor2.loads(disclosures[index])
        item[0] = salt if salt is not None else item[0]
        item[2] = value if value is not None else item[2]
        disclosures[index] = cbor2.dumps(item, canonical=True)
        header = {PROOF_LABEL: [minimal_root[:4], b""], DISCLOSURES_LABEL: disclosures}
        return _text_of(_cose(minimal.protected, header, minimal.payload, minimal.signature))

    ok = {"signature": True, "proof_valid": True, "batch_root": tree.root}
    sm2_ok = {"signature": True, "proof_valid": True, "batch_root": sm2_tree.root}
    malformed = {"decode_as": "MALFORMED"}
    unsupported = {"decode_as": "UNSUPPORTED_VERSION"}
    return {
        "valid-eddsa": _vector(
            "EdDSA certificate, first of a batch of three, with its Merkle proof.", valid_text, ed, **ok
        ),
        "valid-es256": _vector(
            "ES256 certificate (raw r||s signature) in the same batch; no audience, zero balance.",
            encode(anchored[1]), p256, **ok,
        ),
        "valid-eddsa-supersedes": _vector(
            "EdDSA certificate that supersedes an earlier one; sealed account, loan outstanding.",
            encode(anchored[2]), ed, **ok,
        ),
        "valid-batch-of-one": _vector(
            "A batch of one: the proof is empty and the root is the certificate's leaf.",
            encode(alone), ed, **{**ok, "batch_root": alone_root},
        ),
        "valid-no-proof": _vector(
            "Signed but not yet anchored: no proof in the unprotected header. Decodes; proof_valid is null.",
            encode(batch[0]), ed, signature=True,
        ),
        "malformed-no-prefix": _vector(
            "The base45 text without the 'HPF1:' prefix.", valid_text[len(PREFIX):], ed,
            because="does not start with", **malformed,
        ),
        "malformed-bad-base45": _vector(
            "A lowercase letter (not in the base45 alphabet) in the text.",
            valid_text[:40] + "a" + valid_text[41:], ed, because="base45", **malformed,
        ),
        "malformed-bad-zlib": _vector(
            "The COSE bytes base45-encoded without zlib compression.",
            PREFIX + base45.b45encode(b"\xd2" + valid_cose).decode("ascii"), ed, because="zlib", **malformed,
        ),
        "malformed-zlib-bomb": _vector(
            "A 1 KiB zlib stream that expands to 1 MiB: rejected after 16 KiB, never inflated in full.",
            PREFIX + base45.b45encode(zlib.compress(b"\x00" * 2**20, 9)).decode("ascii"), ed,
            because="expands to more than", **malformed,
        ),
        "malformed-not-cose": _vector(
            "Valid zlib and CBOR, but a map instead of the COSE_Sign1 array of four.",
            _text_of(cbor2.dumps({1: anchored[0].payload})), ed, because="COSE_Sign1", **malformed,
        ),
        "malformed-cose-three-elements": _vector(
            "A COSE_Sign1 array missing its signature.",
            _text_of(b"\xd2" + cbor2.dumps([anchored[0].protected, {}, anchored[0].payload])), ed,
            because="COSE_Sign1", **malformed,
        ),
        "malformed-negative-balance": _vector(
            "Correctly signed, but the balance is negative: content is checked at decode.",
            signed_text(payload_with({23: -1})), ed, because="'balance'", **malformed,
        ),
        "malformed-missing-field": _vector(
            "Correctly signed, but the payload lacks the subject reference (key 10).",
            signed_text(cbor2.dumps({k: v for k, v in payload_map.items() if k != 10})), ed,
            because="'subject_ref'", **malformed,
        ),
        "unsupported-version-payload-3": _vector(
            "Correctly signed, but the payload's schema version (key 0) is 3 (1 is the full certificate, "
            "2 the minimal one).",
            signed_text(payload_with({0: 3})), ed, because="schema version 3", **unsupported,
        ),
        "unsupported-version-prefix-hpf2": _vector(
            "A valid certificate's text under the prefix 'HPF2:'.", "HPF2:" + valid_text[len(PREFIX):], ed,
            because="HPF2", **unsupported,
        ),
        "bad-signature-tampered-payload": _vector(
            "The balance changed after signing; signature and proof are the original ones. "
            "Decodes, but the signature fails and the proof no longer leads to the root.",
            _text_of(_cose(anchored[0].protected, proof_header, tampered, anchored[0].signature)),
            ed, signature=False, proof_valid=False, batch_root=tree.root,
        ),
        "valid-sm2": _vector(
            "SM2 certificate (national suite: SM2 with SM3, default ID 1234567812345678; raw r||s; COSE alg "
            "-65600), first of a batch of two, with its Merkle proof. Check with OpenSSL: docs/format.md.",
            encode(sm2_first), gm, **sm2_ok,
        ),
        "valid-sm2-supersedes": _vector(
            "SM2 certificate, second of the same batch: no audience, supersedes an earlier one.",
            encode(sm2_anchored[1]), gm, **sm2_ok,
        ),
        "bad-signature-sm2-tampered-payload": _vector(
            "SM2: the balance changed after signing; signature and proof are the original ones. "
            "Decodes, but the SM2 signature fails and the proof no longer leads to the root.",
            _text_of(_cose(sm2_first.protected, sm2_proof_header, sm2_tampered, sm2_first.signature)),
            gm, signature=False, proof_valid=False, batch_root=sm2_tree.root,
        ),
        "bad-signature-sm2-wrong-length": _vector(
            "SM2: the signature is 63 bytes (its last byte cut). Decodes; the signature fails (BAD_SIGNATURE).",
            _text_of(_cose(sm2_first.protected, sm2_proof_header, sm2_first.payload, sm2_first.signature[:63])),
            gm, signature=False, proof_valid=True, batch_root=sm2_tree.root,
        ),
        "bad-signature-algorithm-confusion": _vector(
            "The header claims SM2 (-65600) but the signature is the Ed25519 key's, and that key is registered "
            "as EdDSA: a verifier checks with the registered algorithm, so the signature fails.",
            _text_of(_cose(confused_protected, {}, anchored[0].payload, confused_signature)),
            ed, signature=False,
        ),
        "valid-minimal-rental": _vector(
            "A minimal certificate for renting (payload version 2): name and account status disclosed "
            "with their salts, the other fields withheld behind one salted digest, two signed threshold "
            "statements; a batch of one.",
            encode(minimal), ed, **{**ok, "batch_root": minimal_root},
        ),
        "valid-minimal-withheld-by-holder": _vector(
            "The same signed minimal certificate with the account status's disclosure removed by the "
            "holder: same digest, still valid, the status is not shown.",
            encode(withheld), ed, **{**ok, "batch_root": minimal_root},
        ),
        "bad-signature-minimal-salt": _vector(
            "The minimal certificate with a disclosed field's salt changed: its digest is not among the "
            "signed ones, so the signature check fails (BAD_SIGNATURE) and the field is not shown.",
            minimal_with(0, salt=b"\x00" * 8), ed, signature=False, proof_valid=True, batch_root=minimal_root,
        ),
        "bad-signature-minimal-value": _vector(
            "The minimal certificate with the disclosed name changed (salt kept): BAD_SIGNATURE, not shown.",
            minimal_with(0, value="李四"), ed, signature=False, proof_valid=True, batch_root=minimal_root,
        ),
        "malformed-minimal-field-in-clear": _vector(
            "A signed minimal payload (version 2) that also carries the balance in clear: a minimal "
            "certificate holds withholdable fields only as disclosures.",
            signed_text(_with_clear(minimal.payload, {23: 1})), ed, because="in clear", **malformed,
        ),
        "proof-invalid": _vector(
            "Genuine signature, but the proof (siblings and root tag) is another batch's certificate's: "
            "the root recomputed from this digest does not start with the tag.",
            encode(wrong_proof), ed, signature=True, proof_valid=False, batch_root=other.root,
        ),
    }


def _render(vector: dict[str, Any]) -> str:
    return json.dumps(vector, ensure_ascii=False, indent=2) + "\n"


def rendered_vectors() -> dict[str, str]:
    """File name → file text, exactly as written."""
    return {f"{name}.json": _render(v) for name, v in build_vectors().items()}


def main() -> int:
    VECTORS_DIR.mkdir(parents=True, exist_ok=True)
    files = rendered_vectors()
    for stale in VECTORS_DIR.glob("*.json"):
        if stale.name not in files:
            stale.unlink()
    for name, text in files.items():
        (VECTORS_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} vectors to {VECTORS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
