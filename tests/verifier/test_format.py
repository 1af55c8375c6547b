"""The HPF1 certificate format: round trips, the digest, signatures, hostile input, the QR budget
and the published test vectors (docs/test-vectors)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import zlib
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

import base45
import cbor2
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier.errors import HpfVerifierError, MalformedCertificate, UnsupportedVersion
from verifier.format import (
    MAX_DECOMPRESSED_BYTES,
    MAX_TEXT_LENGTH,
    PREFIX,
    PROOF_LABEL,
    PURPOSES,
    ROOT_TAG_LENGTH,
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
from verifier.merkle import MAX_BATCH_SIZE, MAX_PROOF_DEPTH, MerkleTree, root_from_proof, verify_proof

ROOT = Path(__file__).resolve().parents[2]
VECTORS_DIR = ROOT / "docs" / "test-vectors"
QR_MAX_VERSION = 22  # docs/design.md §3: error correction Q, version ≤ 22


def _load_script() -> ModuleType:
    path = ROOT / "scripts" / "make_test_vectors.py"
    spec = importlib.util.spec_from_file_location("make_test_vectors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vectors_script = _load_script()
demo_certificate = vectors_script.demo_certificate
ED_KEY: Ed25519PrivateKey = vectors_script.demo_ed25519_key()
P256_KEY: ec.EllipticCurvePrivateKey = vectors_script.demo_p256_key()
KEYS: dict[str, PrivateKey] = {"EdDSA": ED_KEY, "ES256": P256_KEY}


def _sign(algorithm: Algorithm = "EdDSA", **overrides: Any) -> SignedCertificate:
    key = KEYS[algorithm]
    return sign(demo_certificate(**overrides), key, key_id_for(public_key_bytes(key)), algorithm)


def _batch(signed: SignedCertificate, batch_size: int = 5, index: int = 2) -> MerkleTree:
    digests = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(batch_size)]
    digests[index] = certificate_digest(signed)
    return MerkleTree.build(digests)


def _anchored(signed: SignedCertificate, batch_size: int = 5, index: int = 2) -> SignedCertificate:
    tree = _batch(signed, batch_size, index)
    return with_proof(signed, tree.root, tree.proof(index))


def _with_header(signed: SignedCertificate, unprotected: dict[int, Any]) -> str:
    """The certificate's text with another unprotected header (the signature covers none of it)."""
    return _cose_text(b"\xd2" + cbor2.dumps([signed.protected, unprotected, signed.payload, signed.signature]))


def _cose_text(cose: bytes) -> str:
    return PREFIX + base45.b45encode(zlib.compress(cose)).decode("ascii")


def _with_payload(signed: SignedCertificate, changes: dict[int, Any], drop: tuple[int, ...] = ()) -> str:
    """The certificate's text with its payload map changed (signature left as it was)."""
    payload = cbor2.loads(signed.payload)
    payload.update(changes)
    for key in drop:
        del payload[key]
    return _cose_text(b"\xd2" + cbor2.dumps([signed.protected, {}, cbor2.dumps(payload), signed.signature]))


def _reason(text: str) -> str:
    with pytest.raises(HpfVerifierError) as info:
        decode(text)
    assert type(info.value) in (MalformedCertificate, UnsupportedVersion)
    assert str(info.value).endswith("."), "messages are one sentence"
    return info.value.reason


# --- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256"])
@pytest.mark.parametrize("anchored", [False, True], ids=["no-proof", "proof"])
def test_round_trip(algorithm: Algorithm, anchored: bool) -> None:
    signed = _sign(algorithm)
    if anchored:
        signed = _anchored(signed)
    text = encode(signed)
    assert text.startswith("HPF1:")
    back = decode(text)
    assert back == signed
    assert back.certificate == demo_certificate()
    assert back.algorithm == algorithm
    assert back.key_id == key_id_for(public_key_bytes(KEYS[algorithm]))
    assert verify_signature(back, public_key_bytes(KEYS[algorithm]), algorithm)
    if anchored:
        root = _batch(signed).root
        assert back.root_tag == root[:ROOT_TAG_LENGTH] and len(back.proof) == 3
        assert computed_root(back) == root
        assert verify_proof(certificate_digest(back), list(back.proof), root)
    else:
        assert back.root_tag is None and back.proof == ()
        assert computed_root(back) is None


def test_optional_fields_round_trip() -> None:
    signed = _sign(
        audience=None, supersedes="460100-2025-00000001", account_status="closed", loan_outstanding=True
    )
    back = decode(encode(signed))
    assert back.certificate.audience is None
    assert back.certificate.supersedes == "460100-2025-00000001"
    assert back.certificate.account_status == "closed"
    assert 5 not in cbor2.loads(signed.payload), "an absent audience is left out, not null"


def test_batch_of_one_has_an_empty_proof() -> None:
    signed = _sign()
    tree = MerkleTree.build([certificate_digest(signed)])
    back = decode(encode(with_proof(signed, tree.root, [])))
    assert back.root_tag == tree.root[:4] and back.proof == ()
    assert computed_root(back) == tree.root == MerkleTree.build([certificate_digest(signed)]).levels[0][0]
    assert cbor2.loads(zlib.decompress(base45.b45decode(encode(back)[5:]))[1:])[1] == {
        PROOF_LABEL: [tree.root[:4], b""]
    }


def test_decode_strips_surrounding_whitespace() -> None:
    signed = _sign()
    assert decode(f"  \n{encode(signed)}\r\n ") == signed


def test_decode_accepts_untagged_cose() -> None:
    signed = _sign()
    untagged = cbor2.dumps([signed.protected, {}, signed.payload, signed.signature])
    assert decode(_cose_text(untagged)) == signed


def test_signing_is_deterministic() -> None:
    assert _sign("ES256") == _sign("ES256")
    assert encode(_sign("EdDSA")) == encode(_sign("EdDSA"))


# --- digest ----------------------------------------------------------------------------------


def test_digest_is_independent_of_the_proof() -> None:
    signed = _sign()
    digest = certificate_digest(signed)
    assert len(digest) == 32
    anchored = _anchored(signed)
    assert certificate_digest(anchored) == digest
    assert certificate_digest(decode(encode(anchored))) == digest
    assert certificate_digest(decode(encode(_anchored(signed, batch_size=9, index=7)))) == digest


def test_digest_definition() -> None:
    signed = _sign()
    sig_structure = cbor2.dumps(["Signature1", signed.protected, b"", signed.payload])
    from eth_utils import keccak

    assert certificate_digest(signed) == keccak(b"HPF1:digest:" + sig_structure)


def test_digest_changes_with_content_and_key() -> None:
    a = certificate_digest(_sign())
    assert certificate_digest(_sign(balance=12345601)) != a
    assert certificate_digest(_sign("ES256")) != a


# --- signatures ------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256"])
def test_tampered_payload_fails_the_signature(algorithm: Algorithm) -> None:
    signed = _sign(algorithm)
    tampered = decode(_with_payload(signed, {23: 99_999_999}))
    assert tampered.certificate.balance == 99_999_999
    assert not verify_signature(tampered, public_key_bytes(KEYS[algorithm]), algorithm)
    assert certificate_digest(tampered) != certificate_digest(signed)


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256"])
def test_signature_from_another_key_fails(algorithm: Algorithm) -> None:
    signed = _sign(algorithm)
    other = Ed25519PrivateKey.generate() if algorithm == "EdDSA" else ec.generate_private_key(ec.SECP256R1())
    assert not verify_signature(signed, public_key_bytes(other), algorithm)


def test_flipped_signature_bit_fails() -> None:
    signed = _sign()
    bad = replace(signed, signature=bytes([signed.signature[0] ^ 1]) + signed.signature[1:])
    assert not verify_signature(bad, public_key_bytes(ED_KEY), "EdDSA")


def test_algorithm_must_match_the_key() -> None:
    signed = _sign("ES256")
    assert not verify_signature(signed, public_key_bytes(ED_KEY), "EdDSA")
    assert not verify_signature(_sign("EdDSA"), public_key_bytes(P256_KEY), "ES256")


@pytest.mark.parametrize(
    "algorithm, public_key",
    [
        ("EdDSA", b""),
        ("EdDSA", b"\x01" * 31),
        ("ES256", b"\x04" + b"\x01" * 64),  # not on the curve
        ("ES256", b"\x02" + b"\x01" * 32),  # compressed points are not the registered form
    ],
)
def test_malformed_public_key_verifies_nothing(algorithm: Algorithm, public_key: bytes) -> None:
    assert not verify_signature(_sign(algorithm), public_key, algorithm)


def test_es256_signature_is_raw_r_s() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    signed = _sign("ES256")
    assert len(signed.signature) == 64
    r, s = int.from_bytes(signed.signature[:32], "big"), int.from_bytes(signed.signature[32:], "big")
    der = encode_dss_signature(r, s)
    to_sign = cbor2.dumps(["Signature1", signed.protected, b"", signed.payload])
    P256_KEY.public_key().verify(der, to_sign, ec.ECDSA(hashes.SHA256()))


def test_keys_and_key_ids() -> None:
    ed, p256 = public_key_bytes(ED_KEY), public_key_bytes(P256_KEY)
    assert len(ed) == 32
    assert len(p256) == 65 and p256[0] == 4
    assert key_id_for(ed) == hashlib.sha256(ed).digest()[:8]
    assert cbor2.loads(_sign("ES256").protected) == {1: -7, 4: key_id_for(p256)}
    assert cbor2.loads(_sign("EdDSA").protected) == {1: -8, 4: key_id_for(ed)}


def test_sign_rejects_mismatched_arguments() -> None:
    cert = demo_certificate()
    with pytest.raises(TypeError):
        sign(cert, P256_KEY, b"\x01" * 8, "EdDSA")
    with pytest.raises(TypeError):
        sign(cert, ED_KEY, b"\x01" * 8, "ES256")
    with pytest.raises(TypeError):
        sign(cert, ec.generate_private_key(ec.SECP384R1()), b"\x01" * 8, "ES256")
    with pytest.raises(ValueError):
        sign(cert, ED_KEY, b"\x01" * 7)
    with pytest.raises(ValueError):
        sign(cert, ED_KEY, b"\x01" * 8, "RS256")  # type: ignore[arg-type]


def test_with_proof_refuses_a_proof_that_does_not_lead_to_the_root() -> None:
    signed = _sign()
    tree = MerkleTree.build([certificate_digest(signed), b"\x07" * 32])
    with pytest.raises(ValueError):
        with_proof(signed, b"\x00" * 32, tree.proof(0))
    with pytest.raises(ValueError):
        with_proof(signed, tree.root, tree.proof(1))
    with pytest.raises(ValueError):
        with_proof(signed, tree.root[:31], tree.proof(0))
    with pytest.raises(ValueError):
        with_proof(signed, tree.root[:ROOT_TAG_LENGTH], tree.proof(0))  # the full root, not the tag


def test_with_proof_stores_the_root_tag_and_the_siblings() -> None:
    signed = _sign()
    tree = _batch(signed, batch_size=MAX_BATCH_SIZE, index=37)
    anchored = with_proof(signed, tree.root, tree.proof(37))
    assert anchored.root_tag == tree.root[:4] and anchored.proof == tuple(tree.proof(37))
    assert len(anchored.proof) == MAX_PROOF_DEPTH
    assert computed_root(anchored) == tree.root
    header = cbor2.loads(zlib.decompress(base45.b45decode(encode(anchored)[5:]))[1:])[1]
    assert header == {PROOF_LABEL: [tree.root[:4], b"".join(tree.proof(37))]}, "siblings are one byte string"


@pytest.mark.parametrize(
    "root_tag, proof",
    [
        (None, (b"\x01" * 32,)),  # siblings without a tag
        (b"\x01" * 3, ()),
        (b"\x01" * 32, ()),  # the full root where the tag goes
        (b"\x01" * 4, (b"\x02" * 31,)),
        (b"\x01" * 4, (b"\x02" * 32,) * (MAX_PROOF_DEPTH + 1)),
    ],
)
def test_signed_certificate_rejects_a_malformed_proof(root_tag: bytes | None, proof: tuple[bytes, ...]) -> None:
    with pytest.raises(ValueError):
        replace(_sign(), root_tag=root_tag, proof=proof)


def test_a_proof_from_another_batch_does_not_match_the_tag() -> None:
    """What PROOF_INVALID catches: a genuine certificate carrying another batch's proof header."""
    signed = _sign()
    other = _anchored(_sign(number="460100-2026-00000999"), batch_size=9, index=4)
    assert other.root_tag is not None
    pasted = decode(_with_header(signed, {PROOF_LABEL: [other.root_tag, b"".join(other.proof)]}))
    assert verify_signature(pasted, public_key_bytes(ED_KEY), "EdDSA")
    root = computed_root(pasted)
    assert root is not None and root[:4] != pasted.root_tag
    # Its own siblings under another batch's tag fail the same way.
    own = _anchored(signed)
    swapped = decode(encode(replace(own, root_tag=other.root_tag)))
    assert computed_root(swapped) == computed_root(own) == _batch(signed).root
    assert _batch(signed).root[:4] != swapped.root_tag


def test_a_full_depth_proof_is_read_and_a_deeper_one_is_malformed() -> None:
    signed = _sign()
    full = _anchored(signed, batch_size=MAX_BATCH_SIZE, index=63)
    assert full.root_tag is not None and len(full.proof) == MAX_PROOF_DEPTH
    assert decode(encode(full)) == full
    deeper = b"".join(full.proof) + b"\x07" * 32
    with pytest.raises(MalformedCertificate, match="deeper than 6"):
        decode(_with_header(signed, {PROOF_LABEL: [full.root_tag, deeper]}))


# --- Merkle tree limits ----------------------------------------------------------------------


def test_a_batch_holds_at_most_64_certificates() -> None:
    assert (MAX_BATCH_SIZE, MAX_PROOF_DEPTH) == (64, 6)
    digests = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(MAX_BATCH_SIZE + 1)]
    tree = MerkleTree.build(digests[:MAX_BATCH_SIZE])
    assert all(len(tree.proof(i)) == MAX_PROOF_DEPTH for i in range(MAX_BATCH_SIZE))
    with pytest.raises(ValueError, match="at most 64"):
        MerkleTree.build(digests)


@pytest.mark.parametrize("size", [1, 2, 3, 5, 33, 64])
def test_root_from_proof_folds_to_the_batch_root(size: int) -> None:
    digests = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(size)]
    tree = MerkleTree.build(digests)
    for i, digest in enumerate(digests):
        assert root_from_proof(digest, tree.proof(i)) == tree.root
        assert verify_proof(digest, tree.proof(i), tree.root)
    if size > 1:
        assert root_from_proof(digests[0], tree.proof(1)) != tree.root
    with pytest.raises(ValueError):
        root_from_proof(digests[0], [b"\x01" * 31])


# --- content validation ----------------------------------------------------------------------

BAD_CONTENT: list[tuple[str, object]] = [
    ("number", ""),
    ("number", "460100 2026"),
    ("number", 460100),
    ("centre_code", 46010),
    ("centre_code", "460100"),
    ("centre_code", True),
    ("purpose", ""),
    ("purpose", "住房贷款"),
    ("purpose", "Housing-Loan"),
    ("purpose", 1),
    ("name", " 欧阳明华"),
    ("name", "欧阳\u202e明华"),
    ("audience", 460100),
    ("audience", 2**32),
    ("issued_at", -1),
    ("issued_at", 1.5),
    ("valid_until", 1767225600),
    ("name", "王\n小明"),
    ("name", "x" * 65),
    ("id_masked", "460100199001011234"),
    ("id_masked", "460100********123"),
    ("id_masked", "460100****X***1234"),
    ("subject_ref", b"\x00" * 31),
    ("subject_ref", "00" * 32),
    ("employer_account", "账户"),
    ("account_masked", "460100125678"),
    ("account_status", "frozen"),
    ("account_status", 0),
    ("account_opened", "2015-02-30"),
    ("account_opened", "2015-7-1"),
    ("account_opened", "２０１５-07-01"),
    ("deposit_base", -1),
    ("deposit_base", 8500.0),
    ("deposit_base", 2**53),
    ("employee_rate_bp", 10_001),
    ("monthly_amount", None),
    ("first_month", "2015-13"),
    ("first_month", "2015-07-01"),
    ("last_month", "2015-06"),
    ("months_continuous", 127),
    ("months_continuous", -1),
    ("balance", -1),
    ("balance", True),
    ("loan_outstanding", 0),
    ("loan_outstanding", None),
    ("supersedes", "460100-2026-00000123"),
    ("supersedes", ""),
]


@pytest.mark.parametrize("field, value", BAD_CONTENT, ids=[f"{f}={v!r}"[:40] for f, v in BAD_CONTENT])
def test_invalid_content_cannot_be_built(field: str, value: object) -> None:
    with pytest.raises(MalformedCertificate, match=field):
        demo_certificate(**{field: value})


WIRE_FIELDS = {
    "number": 1, "centre_code": 2, "audience": 5, "issued_at": 6, "valid_until": 7,
    "name": 8, "id_masked": 9, "subject_ref": 10, "deposit_base": 16, "months_continuous": 22,
    "balance": 23, "loan_outstanding": 24, "supersedes": 25,
}


@pytest.mark.parametrize(
    "field, value", [(f, v) for f, v in BAD_CONTENT if f in WIRE_FIELDS and v is not None],
    ids=[f"{f}={v!r}"[:40] for f, v in BAD_CONTENT if f in WIRE_FIELDS and v is not None],
)
def test_invalid_content_is_malformed_on_decode(field: str, value: object) -> None:
    text = _with_payload(_sign(), {WIRE_FIELDS[field]: value})
    with pytest.raises(MalformedCertificate, match=field):
        decode(text)


@pytest.mark.parametrize(
    "key, value, field",
    [
        (4, 0, "purpose"),
        (4, 7, "purpose"),
        (4, True, "purpose"),
        (4, "housing-loan", "purpose"),
        (4, "住房公积金贷款", "purpose"),
        (14, 3, "account_status"),
        (14, "normal", "account_status"),
        (15, "2015-07-01", "account_opened"),
        (15, 20150230, "account_opened"),
        (15, 2015070, "account_opened"),
        (20, 201513, "first_month"),
        (20, 201500, "first_month"),
        (21, "2025-12", "last_month"),
        (5, None, "audience"),
        (25, None, "supersedes"),
    ],
)
def test_wire_forms_are_strict(key: int, value: object, field: str) -> None:
    with pytest.raises(MalformedCertificate, match=field):
        decode(_with_payload(_sign(), {key: value}))


def test_missing_field_is_malformed() -> None:
    with pytest.raises(MalformedCertificate, match="subject_ref"):
        decode(_with_payload(_sign(), {}, drop=(10,)))


def test_unknown_payload_key_is_malformed() -> None:
    with pytest.raises(MalformedCertificate, match="unknown key 26"):
        decode(_with_payload(_sign(), {26: 1}))
    with pytest.raises(MalformedCertificate, match="unknown key 3"):  # the centre name, dropped
        decode(_with_payload(_sign(), {3: "海口市住房公积金管理局"}))
    with pytest.raises(MalformedCertificate, match="not an integer"):
        decode(_with_payload(_sign(), {"1": "x"}))


@pytest.mark.parametrize("version", [3, 0, 99])  # 2 is the minimal certificate (test_disclosure.py)
def test_other_payload_version_is_unsupported(version: int) -> None:
    assert _reason(_with_payload(_sign(), {0: version})) == "UNSUPPORTED_VERSION"


@pytest.mark.parametrize("changes, drop", [({0: "1"}, ()), ({0: True}, ()), ({0: 1.0}, ()), ({}, (0,))])
def test_bad_or_missing_version_is_malformed(changes: dict[int, Any], drop: tuple[int, ...]) -> None:
    assert _reason(_with_payload(_sign(), changes, drop)) == "MALFORMED"


def test_to_json_is_plain_json() -> None:
    cert = demo_certificate()
    data = cert.to_json()
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["subject_ref"] == cert.subject_ref.hex()
    assert data["balance"] == 12345600 and data["audience"] == 91000001 and data["supersedes"] is None
    assert data["account_opened"] == "2015-07-01" and data["last_month"] == "2025-12"
    assert data["purpose"] == "housing-loan" and data["purpose_zh"] == "住房公积金贷款"
    assert set(data) == set(Certificate.__dataclass_fields__) | {"purpose_zh"}
    assert "centre_name" not in data


def test_purposes_table() -> None:
    assert PURPOSES == {
        "housing-loan": (1, "住房公积金贷款"),
        "commercial-loan": (2, "商业住房贷款"),
        "rental": (3, "租房"),
        "settlement": (4, "落户"),
        "employment": (5, "入职/资格审查"),
        "other": (6, "其他"),
    }


@pytest.mark.parametrize("purpose", sorted(PURPOSES))
def test_every_purpose_round_trips_as_its_wire_integer(purpose: str) -> None:
    signed = _sign(purpose=purpose)
    assert cbor2.loads(signed.payload)[4] == PURPOSES[purpose][0]
    back = decode(encode(signed)).certificate
    assert back.purpose == purpose
    assert back.to_json()["purpose_zh"] == PURPOSES[purpose][1]


# --- hostile text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, reason",
    [
        ("", "MALFORMED"),
        ("HPF1:", "MALFORMED"),
        ("hello", "MALFORMED"),
        ("hpf1:NCF", "MALFORMED"),
        ("HC1:NCFOXN%TS3DH", "MALFORMED"),
        ("HPF1:GGW", "MALFORMED"),  # a base45 triple above 0xFFFF
        ("HPF1:A", "MALFORMED"),  # a base45 length of 3n + 1
        ("HPF1:中文", "MALFORMED"),
        ("HPF2:NCFOXN", "UNSUPPORTED_VERSION"),
        ("HPF10:NCFOXN", "UNSUPPORTED_VERSION"),
        ("HPF1:" + "0" * (MAX_TEXT_LENGTH + 1), "MALFORMED"),
        ("HPF1:" + "0" * 10**6, "MALFORMED"),
    ],
    ids=lambda v: repr(v)[:20] if isinstance(v, str) else None,
)
def test_bad_text(text: str, reason: str) -> None:
    assert _reason(text) == reason


def test_non_text_input_is_malformed() -> None:
    with pytest.raises(MalformedCertificate):
        decode(b"HPF1:NCF")  # type: ignore[arg-type]


def test_zlib_bomb_is_malformed() -> None:
    bomb = zlib.compress(b"\xd2\x84" + b"\x00" * 2**20, 9)
    text = PREFIX + base45.b45encode(bomb).decode("ascii")
    assert len(text) < MAX_TEXT_LENGTH
    with pytest.raises(MalformedCertificate, match="expands to more than"):
        decode(text)


def test_just_under_the_decompression_limit_is_read() -> None:
    # A COSE structure of exactly the limit: decoding gets past zlib (and fails later, on content).
    padding = MAX_DECOMPRESSED_BYTES - 8  # tag, array head, two empty bstrs, a map, a 3-byte bstr head
    cose = b"\xd2" + cbor2.dumps([b"", {}, b"\x00" * padding, b""])
    assert len(cose) == MAX_DECOMPRESSED_BYTES
    with pytest.raises(MalformedCertificate) as info:
        decode(_cose_text(cose))
    assert "zlib" not in str(info.value) and "expands" not in str(info.value)


@pytest.mark.parametrize(
    "data, cause",
    [
        (zlib.compress(b"\xd2\x84")[:-3], "truncated"),
        (zlib.compress(b"\xd2\x80") + b"\x00", "after its zlib stream"),
        (b"\xd2\x84\x40\xa0\x40\x40", "zlib"),
    ],
)
def test_bad_zlib_is_malformed(data: bytes, cause: str) -> None:
    with pytest.raises(MalformedCertificate, match=cause):
        decode(PREFIX + base45.b45encode(data).decode("ascii"))


def _cose_parts(signed: SignedCertificate) -> list[Any]:
    return [signed.protected, {}, signed.payload, signed.signature]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda p: {1: p},  # a map
        lambda p: p[:3],  # three elements
        lambda p: [*p, b""],  # five elements
        lambda p: [cbor2.loads(p[0]), *p[1:]],  # protected header not a bstr
        lambda p: [p[0], [], p[2], p[3]],  # unprotected header not a map
        lambda p: [p[0], p[1], cbor2.loads(p[2]), p[3]],  # payload not a bstr
        lambda p: [p[0], p[1], p[2], p[3] * 5],  # 320 bytes: longer than any signature (another length is BAD_SIGNATURE)
        lambda p: [cbor2.dumps({1: -8}), *p[1:]],  # no kid
        lambda p: [cbor2.dumps({1: -8, 4: b"\x01" * 8, 3: 0}), *p[1:]],  # extra protected label
        lambda p: [cbor2.dumps({1: -35, 4: b"\x01" * 8}), *p[1:]],  # ES384
        lambda p: [cbor2.dumps({1: "EdDSA", 4: b"\x01" * 8}), *p[1:]],
        lambda p: [cbor2.dumps({1: -8, 4: b"\x01" * 7}), *p[1:]],
        lambda p: [cbor2.dumps({1: -8, 4: b"\x01" * 8}) + b"\x00", *p[1:]],  # bytes after the header
        lambda p: [p[0], {4: b"\x01" * 8}, p[2], p[3]],  # kid in the unprotected header
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 4]}, p[2], p[3]],
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 4, b"\x02" * 32, b""]}, p[2], p[3]],
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 4, b"\x02" * 31]}, p[2], p[3]],  # not whole hashes
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 4, b"\x02" * 33]}, p[2], p[3]],
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 3, b""]}, p[2], p[3]],  # short tag
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 5, b""]}, p[2], p[3]],
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 32, b""]}, p[2], p[3]],  # a full root, not a tag
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 4, b"\x02" * 32 * 7]}, p[2], p[3]],  # deeper than 6
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 4, [b"\x02" * 32]]}, p[2], p[3]],  # a list of siblings
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 32, [b"\x02" * 32]]}, p[2], p[3]],  # the old [root, [..]]
        lambda p: [p[0], {PROOF_LABEL: [1, b""]}, p[2], p[3]],
        lambda p: [p[0], {PROOF_LABEL: b"\x01" * 36}, p[2], p[3]],
        lambda p: [p[0], {PROOF_LABEL: [b"\x01" * 4, b""], -65538: b""}, p[2], p[3]],  # another label
        lambda p: [p[0], p[1], p[2] + b"\x00", p[3]],  # bytes after the payload
        lambda p: [p[0], p[1], cbor2.dumps([1]), p[3]],  # payload not a map
    ],
)
def test_wrong_cose_structure_is_malformed(mutate: Any) -> None:
    parts = mutate(_cose_parts(_sign()))
    assert _reason(_cose_text(b"\xd2" + cbor2.dumps(parts))) == "MALFORMED"


@pytest.mark.parametrize(
    "cose",
    [
        bytes.fromhex("d3") + cbor2.dumps([b"", {}, b"", b""]),  # tag 19, not 18
        bytes.fromhex("d812") + cbor2.dumps([b"", {}, b"", b""]),  # tag 18 in a two-byte head
        bytes.fromhex("d2d2") + cbor2.dumps([b"", {}, b"", b""]),  # tagged twice
        bytes.fromhex("d81c81d81d00"),  # a shared reference to itself: a cycle
        bytes.fromhex("9f01ff"),  # indefinite length
        b"\xd2\x84" + b"\x81" * 40 + b"\x00",  # nested too deep
        b"",
    ],
)
def test_cbor_outside_the_plain_subset_is_malformed(cose: bytes) -> None:
    assert _reason(_cose_text(cose)) == "MALFORMED"


@pytest.mark.parametrize(
    "value",
    [cbor2.CBORTag(2, b"\x01\x00"), cbor2.CBORTag(1, 1767225600), cbor2.CBORTag(0, "2026-01-01T00:00:00Z")],
    ids=["bignum", "epoch", "datetime"],
)
def test_tags_inside_the_payload_are_malformed(value: object) -> None:
    assert _reason(_with_payload(_sign(), {6: value})) == "MALFORMED"


def test_duplicate_payload_keys_are_malformed() -> None:
    signed = _sign()
    entries = cbor2.loads(signed.payload)
    body = b"".join(cbor2.dumps(k) + cbor2.dumps(v) for k, v in entries.items())
    head = b"\xb8" + bytes([len(entries) + 1])
    payload = head + body + cbor2.dumps(23) + cbor2.dumps(0)  # a second balance
    text = _cose_text(b"\xd2" + cbor2.dumps([signed.protected, {}, payload, signed.signature]))
    assert _reason(text) == "MALFORMED"


def test_bytes_after_the_cose_structure_are_malformed() -> None:
    signed = _sign()
    assert _reason(_cose_text(b"\xd2" + cbor2.dumps(_cose_parts(signed)) + b"\x00")) == "MALFORMED"


# --- properties: decode never fails in any other way -----------------------------------------


def _decode_safely(text: str) -> None:
    try:
        signed = decode(text)
    except (MalformedCertificate, UnsupportedVersion):
        return
    # Whatever decodes can be digested, checked, encoded and reported without an error.
    certificate_digest(signed)
    verify_signature(signed, public_key_bytes(ED_KEY), "EdDSA")
    verify_signature(signed, public_key_bytes(P256_KEY), "ES256")
    json.dumps(signed.certificate.to_json())
    assert decode(encode(signed)).certificate == signed.certificate


VALID_TEXTS = [encode(_anchored(_sign("EdDSA"))), encode(_sign("ES256"))]
BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(st.text(max_size=200))
def test_random_text_never_crashes(text: str) -> None:
    _decode_safely(text)
    _decode_safely(PREFIX + text)


@PROPERTY_SETTINGS
@given(st.text(alphabet=BASE45_ALPHABET, max_size=300))
def test_random_base45_never_crashes(text: str) -> None:
    _decode_safely(PREFIX + text)


@PROPERTY_SETTINGS
@given(st.binary(max_size=600), st.booleans())
def test_random_bytes_never_crash(data: bytes, compress: bool) -> None:
    _decode_safely(PREFIX + base45.b45encode(zlib.compress(data) if compress else data).decode("ascii"))


_cbor_leaf = st.one_of(
    st.integers(min_value=-(2**64), max_value=2**64), st.binary(max_size=40), st.text(max_size=10),
    st.booleans(), st.none(), st.floats(allow_nan=True),
)
_cbor_values = st.recursive(
    _cbor_leaf,
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.integers(-70000, 30), children, max_size=6),
    max_leaves=30,
)


@PROPERTY_SETTINGS
@given(_cbor_values)
def test_random_cbor_structures_never_crash(value: object) -> None:
    _decode_safely(_cose_text(b"\xd2" + cbor2.dumps(value)))


@PROPERTY_SETTINGS
@given(st.dictionaries(st.integers(0, 27), _cbor_leaf, max_size=28), st.booleans())
def test_random_payloads_never_crash(changes: dict[int, Any], drop_some: bool) -> None:
    signed = _sign()
    base = cbor2.loads(signed.payload)
    if drop_some:
        base = {k: v for k, v in base.items() if k not in changes}
    else:
        base.update(changes)
    cose = b"\xd2" + cbor2.dumps([signed.protected, {}, cbor2.dumps(base), signed.signature])
    _decode_safely(_cose_text(cose))


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(VALID_TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        char = draw(st.sampled_from(BASE45_ALPHABET + "a中\x00\n"))
        if kind == "flip":
            text = text[:i] + char + text[i + 1 :]
        elif kind == "truncate":
            text = text[:i]
        elif kind == "insert":
            text = text[:i] + char + text[i:]
        else:
            text = text[:i] + text[i + 1 :]
    return text


@PROPERTY_SETTINGS
@given(_mutated())
def test_mutated_certificates_never_crash(text: str) -> None:
    _decode_safely(text)


@PROPERTY_SETTINGS
@given(st.data())
def test_mutated_compressed_bytes_never_crash(data: st.DataObject) -> None:
    raw = bytearray(zlib.compress(zlib.decompress(base45.b45decode(VALID_TEXTS[0][len(PREFIX) :]))))
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] ^= data.draw(st.integers(1, 255))
    _decode_safely(PREFIX + base45.b45encode(bytes(raw)).decode("ascii"))


# --- QR budget -------------------------------------------------------------------------------


def _realistic_signed() -> SignedCertificate:
    """The certificate of docs/design.md §3's budget: Chinese names (the longest of the test data),
    audience set, a purpose."""
    return _sign(name="欧阳明华")


def _realistic_text() -> str:
    """The realistic certificate with a full-depth proof: one of a batch of 64 (6 siblings)."""
    return encode(_anchored(_realistic_signed(), batch_size=MAX_BATCH_SIZE, index=45))


def _qr_version(text: str) -> int:
    qr = segno.make(text, error="q", micro=False, boost_error=False)
    assert qr.mode == "alphanumeric", "base45 is the QR alphanumeric alphabet"
    return int(qr.version)


def test_realistic_certificate_has_a_full_depth_proof() -> None:
    back = decode(_realistic_text())
    assert len(back.proof) == MAX_PROOF_DEPTH == 6
    assert back.certificate.name == "欧阳明华"
    assert back.certificate.employer_name == "海南省某某科技有限公司"


def test_qr_size_does_not_grow() -> None:
    # Measured: 797 characters (796 … 799 across the 64 positions), version 22 at Q, whose capacity
    # is 822. A change that makes it larger must say why.
    text = _realistic_text()
    assert len(text) <= 800
    assert _qr_version(text) <= QR_MAX_VERSION


def test_realistic_certificate_fits_the_qr_budget() -> None:
    assert _qr_version(_realistic_text()) <= QR_MAX_VERSION


def test_batch_of_one_fits_the_qr_budget() -> None:
    signed = _realistic_signed()
    alone = with_proof(signed, MerkleTree.build([certificate_digest(signed)]).root, [])
    assert alone.proof == ()
    assert _qr_version(encode(alone)) <= QR_MAX_VERSION


def test_certificate_without_proof_fits_the_qr_budget() -> None:
    assert _qr_version(encode(_realistic_signed())) <= QR_MAX_VERSION


# --- published test vectors ------------------------------------------------------------------

VECTOR_FILES = sorted(VECTORS_DIR.glob("*.json"))


def test_vectors_are_published() -> None:
    names = {p.stem for p in VECTOR_FILES}
    assert {"valid-eddsa", "valid-es256", "proof-invalid", "bad-signature-tampered-payload"} <= names
    reasons = {json.loads(p.read_text(encoding="utf-8"))["expected"]["decode"] for p in VECTOR_FILES}
    assert reasons == {"ok", "MALFORMED", "UNSUPPORTED_VERSION"}


def test_vectors_are_up_to_date() -> None:
    """The files are exactly what scripts/make_test_vectors.py writes today."""
    expected = vectors_script.rendered_vectors()
    assert sorted(expected) == [p.name for p in VECTOR_FILES]
    for path in VECTOR_FILES:
        assert path.read_text(encoding="utf-8") == expected[path.name], f"{path.name}: rerun the script"


@pytest.mark.parametrize("path", VECTOR_FILES, ids=lambda p: p.stem)
def test_vector(path: Path) -> None:
    vector = json.loads(path.read_text(encoding="utf-8"))
    expected = vector["expected"]
    public_key = bytes.fromhex(vector["public_key"])
    assert bytes.fromhex(vector["key_id"]) == key_id_for(public_key)
    if expected["decode"] != "ok":
        assert _reason(vector["hpf1"]) == expected["decode"]
        assert expected["signature"] is None and expected["digest"] is None
        assert expected["proof_valid"] is None and vector["certificate"] is None
        return
    signed = decode(vector["hpf1"])
    digest = certificate_digest(signed)
    # "algorithm" is the key's, as registered; a certificate whose header claims another says so
    assert signed.algorithm == vector.get("claimed_algorithm", vector["algorithm"])
    assert signed.key_id.hex() == vector["key_id"]
    assert verify_signature(signed, public_key, vector["algorithm"]) is expected["signature"]
    assert digest.hex() == expected["digest"]
    assert signed.certificate.to_json() == vector["certificate"]
    assert [c.to_json() for c in getattr(signed.certificate, "claims", ())] == vector.get("claims", [])
    root = computed_root(signed)
    if signed.root_tag is None:
        assert root is None
        assert expected["proof_valid"] is None and vector["proof"] is None
    else:
        assert root is not None
        assert root.startswith(signed.root_tag) is expected["proof_valid"]
        proof = vector["proof"]
        assert proof["root_tag"] == signed.root_tag.hex() and proof["root"].startswith(proof["root_tag"])
        assert proof["siblings"] == [p.hex() for p in signed.proof]
        assert proof["leaf"] == MerkleTree.build([digest]).root.hex()
        # The stated root is the batch's: the proof leads there exactly when it is valid.
        assert verify_proof(digest, list(signed.proof), bytes.fromhex(proof["root"])) is expected["proof_valid"]
        assert (root.hex() == proof["root"]) is expected["proof_valid"]
    assert encode(signed) == vector["hpf1"].strip()
