"""COSE_Sign1 and digests: signing and verifying a certificate, its key id and digest, and the
batch Merkle proof carried in the unprotected header.

The certificate digest covers only the signed bytes, so attaching the proof does not change it.
`from_cose` treats its input as hostile, as `decode` (verifier/format/text.py) does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, TypeGuard

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from verifier import sm2
from verifier.format.content import _HASH_LENGTH, Certificate, _malformed
from verifier.format.wire import _cbor_loads, _decode_payload, _encode_payload
from verifier.hashing import keccak256 as keccak
from verifier.merkle import MAX_BATCH_SIZE, MAX_PROOF_DEPTH, root_from_proof

if TYPE_CHECKING:
    from verifier.disclosure import MinimalCertificate

DIGEST_DOMAIN = b"HPF1:digest:"

Algorithm: TypeAlias = Literal["EdDSA", "ES256", "SM2"]
PrivateKey: TypeAlias = Ed25519PrivateKey | ec.EllipticCurvePrivateKey | sm2.Sm2PrivateKey

#: COSE algorithm identifiers: RFC 9053's for EdDSA and ES256; SM2 (with SM3 and the default ID)
#: has no registered value, so HPF1 uses one from the private-use range (< -65536, RFC 9053 §16.4).
ALGORITHMS: dict[Algorithm, int] = {"EdDSA": -8, "ES256": -7, "SM2": -65600}
_ALGORITHM_NAMES = {v: k for k, v in ALGORITHMS.items()}

# COSE header labels (RFC 9052) and our private label for the proof: [root tag, siblings].
_HEADER_ALG = 1
_HEADER_KID = 4
PROOF_LABEL = -65537
DISCLOSURES_LABEL = -65538  # a minimal certificate's disclosed fields (verifier/disclosure.py)
_COSE_SIGN1_TAG = b"\xd2"  # CBOR tag 18 in its one-byte form

MAX_DECOMPRESSED_BYTES = 16 * 1024
ROOT_TAG_LENGTH = 4  # the first bytes of the batch root, in the unprotected header
_KEY_ID_LENGTH = 8
_SIGNATURE_LENGTH = 64
_MAX_SIGNATURE_LENGTH = 256  # decode bound; a signature of another length than 64 is BAD_SIGNATURE


@dataclass(frozen=True, kw_only=True)
class SignedCertificate:
    """A certificate as signed: the exact protected-header and payload bytes the signature covers,
    and the batch Merkle proof from the unprotected header: the batch root's tag (its first 4
    bytes) and the siblings. Until the batch is anchored there is no proof: root_tag is None and
    proof is (). The root itself is `computed_root(signed)`."""

    certificate: Certificate | MinimalCertificate
    algorithm: Algorithm
    key_id: bytes
    protected: bytes
    payload: bytes
    signature: bytes
    root_tag: bytes | None = None
    proof: tuple[bytes, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"unknown algorithm {self.algorithm!r}; use one of {', '.join(ALGORITHMS)}")
        if len(self.key_id) != _KEY_ID_LENGTH:
            raise ValueError(f"a key id is {_KEY_ID_LENGTH} bytes")
        if self.root_tag is None:
            if self.proof:
                raise ValueError("a Merkle proof needs its root tag")
            return
        if type(self.root_tag) is not bytes or len(self.root_tag) != ROOT_TAG_LENGTH:
            raise ValueError(f"a root tag is {ROOT_TAG_LENGTH} bytes")
        _check_siblings(self.proof)


def _check_siblings(proof: Sequence[bytes]) -> None:
    if any(type(p) is not bytes or len(p) != _HASH_LENGTH for p in proof):
        raise ValueError(f"every Merkle proof element is {_HASH_LENGTH} bytes")
    if len(proof) > MAX_PROOF_DEPTH:
        raise ValueError(
            f"a Merkle proof has at most {MAX_PROOF_DEPTH} elements (a batch of at most {MAX_BATCH_SIZE})"
        )


def _sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor2.dumps(["Signature1", protected, b"", payload])


def certificate_digest(signed: SignedCertificate) -> bytes:
    """keccak256("HPF1:digest:" ‖ Sig_structure): the certificate's leaf input and on-chain id.

    It covers exactly what the signature covers, so it is fixed at signing: attaching the proof
    (unprotected header) or re-encoding the signature (ECDSA's s / n-s) does not change it."""
    return keccak(DIGEST_DOMAIN + _sig_structure(signed.protected, signed.payload))


def key_id_for(public_key: bytes) -> bytes:
    """The key id (COSE kid, on-chain bytes8): the first 8 bytes of sha256(public key bytes)."""
    return hashlib.sha256(public_key).digest()[:_KEY_ID_LENGTH]


def _is_p256(private_key: object) -> TypeGuard[ec.EllipticCurvePrivateKey]:
    return isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(private_key.curve, ec.SECP256R1)


def public_key_bytes(private_key: PrivateKey) -> bytes:
    """The public key as registered on chain: raw 32 bytes (Ed25519), uncompressed SEC1 point
    of 65 bytes (P-256 and SM2)."""
    if isinstance(private_key, sm2.Sm2PrivateKey):
        return private_key.public_key_bytes()
    if isinstance(private_key, Ed25519PrivateKey):
        return private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
    if _is_p256(private_key):
        return private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    raise TypeError("the signing key must be an Ed25519, a P-256 or an SM2 private key")


def sign(
    certificate: Certificate | MinimalCertificate, private_key: PrivateKey, key_id: bytes, algorithm: Algorithm = "EdDSA"
) -> SignedCertificate:
    """Signs the certificate (COSE_Sign1, no proof yet). ES256 signatures are deterministic
    (RFC 6979) and encoded as raw r ‖ s, 32 bytes each, as COSE requires; SM2 signatures are raw
    r ‖ s too, over SM3 with the default signer ID (verifier/sm2.py), and randomised."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")
    if len(key_id) != _KEY_ID_LENGTH:
        raise ValueError(f"a key id is {_KEY_ID_LENGTH} bytes")
    protected = cbor2.dumps({_HEADER_ALG: ALGORITHMS[algorithm], _HEADER_KID: bytes(key_id)}, canonical=True)
    payload = _encode_payload(certificate)
    to_sign = _sig_structure(protected, payload)
    if algorithm == "EdDSA":
        if not isinstance(private_key, Ed25519PrivateKey):
            raise TypeError("EdDSA needs an Ed25519 private key")
        signature = private_key.sign(to_sign)
    elif algorithm == "SM2":
        if not isinstance(private_key, sm2.Sm2PrivateKey):
            raise TypeError("SM2 needs an SM2 private key")
        signature = sm2.sign(private_key, to_sign)
    else:
        if not _is_p256(private_key):
            raise TypeError("ES256 needs a P-256 private key")
        r, s = decode_dss_signature(
            private_key.sign(to_sign, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
        )
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return SignedCertificate(
        certificate=certificate,
        algorithm=algorithm,
        key_id=bytes(key_id),
        protected=protected,
        payload=payload,
        signature=signature,
    )


def with_proof(signed: SignedCertificate, root: bytes, proof: Sequence[bytes]) -> SignedCertificate:
    """The certificate with its batch's Merkle proof attached: the siblings and the root's tag.
    Raises ValueError unless the proof leads from this certificate's digest to `root` (the full
    batch root): an issuer never hands out a broken proof."""
    proof = tuple(bytes(p) for p in proof)
    if len(root) != _HASH_LENGTH:
        raise ValueError(f"a Merkle root is {_HASH_LENGTH} bytes")
    _check_siblings(proof)
    if root_from_proof(certificate_digest(signed), proof) != root:
        raise ValueError("the Merkle proof does not lead from this certificate's digest to the root")
    return replace(signed, root_tag=bytes(root[:ROOT_TAG_LENGTH]), proof=proof)


def computed_root(signed: SignedCertificate) -> bytes | None:
    """The batch root recomputed from the certificate's digest and its proof's siblings, or None
    when it carries no proof. The proof is valid if the root starts with `signed.root_tag`; the
    root must then be anchored on chain by the issuing centre."""
    if signed.root_tag is None:
        return None
    return root_from_proof(certificate_digest(signed), signed.proof)


def verify_signature(signed: SignedCertificate, public_key: bytes, algorithm: Algorithm) -> bool:
    """True if `signed` carries a valid `algorithm` signature by `public_key` (raw 32 bytes for
    Ed25519, the uncompressed 65-byte point for ES256 and SM2). False when the certificate names
    another algorithm than the key's, the signature is not 64 bytes, or the key bytes are not a
    valid key of that algorithm."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}")
    if signed.algorithm != algorithm or len(signed.signature) != _SIGNATURE_LENGTH:
        return False
    if getattr(signed.certificate, "mismatched", 0):  # a disclosed field not covered by the signature
        return False
    to_sign = _sig_structure(signed.protected, signed.payload)
    if algorithm == "SM2":
        return sm2.verify(bytes(public_key), to_sign, signed.signature)
    try:
        if algorithm == "EdDSA":
            if len(public_key) != 32:
                return False
            Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(signed.signature, to_sign)
        else:
            if len(public_key) != 65 or public_key[0] != 0x04:
                return False
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes(public_key))
            r = int.from_bytes(signed.signature[:32], "big")
            s = int.from_bytes(signed.signature[32:], "big")
            key.verify(encode_dss_signature(r, s), to_sign, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def to_cose(signed: SignedCertificate) -> bytes:
    """The tagged COSE_Sign1 bytes of the certificate (with its proof, if attached): what the
    text form compresses. An issuer stores these; `from_cose` reads them back."""
    unprotected: dict[int, object] = {}
    if signed.root_tag is not None:
        unprotected[PROOF_LABEL] = [signed.root_tag, b"".join(signed.proof)]
    disclosures: tuple[bytes, ...] = getattr(signed.certificate, "disclosures", ())  # a MinimalCertificate's
    if disclosures:
        unprotected[DISCLOSURES_LABEL] = list(disclosures)
    return _COSE_SIGN1_TAG + cbor2.dumps(
        [signed.protected, unprotected, signed.payload, signed.signature], canonical=True
    )


def from_cose(cose: bytes) -> SignedCertificate:
    """Parses COSE_Sign1 bytes (`to_cose`) as `decode` does after decompressing. Raises only
    `MalformedCertificate` and `UnsupportedVersion`."""
    if len(cose) > MAX_DECOMPRESSED_BYTES:
        _malformed(f"The certificate data is more than {MAX_DECOMPRESSED_BYTES} bytes.")
    # 4. COSE_Sign1: [protected bstr, unprotected map, payload bstr, signature bstr], tag 18 optional.
    cose = cose.removeprefix(_COSE_SIGN1_TAG)
    message = _cbor_loads(cose, "COSE_Sign1 structure")
    if not (isinstance(message, list) and len(message) == 4):
        _malformed("The certificate data is not a COSE_Sign1 structure (an array of 4).")
    protected, unprotected, payload, signature = message
    if not (
        type(protected) is bytes
        and isinstance(unprotected, dict)
        and type(payload) is bytes
        and type(signature) is bytes
    ):
        _malformed("The COSE_Sign1 structure has an element of the wrong type.")
    if len(signature) > _MAX_SIGNATURE_LENGTH:
        _malformed(f"The signature is {len(signature)} bytes, more than {_MAX_SIGNATURE_LENGTH}.")
    # 5. Headers.
    algorithm, key_id = _decode_protected(protected)
    root_tag, proof, disclosures = _decode_unprotected(unprotected)
    # 6. Payload (and, in a minimal certificate, the disclosures).
    certificate = _decode_payload(payload, disclosures)
    return SignedCertificate(
        certificate=certificate,
        algorithm=algorithm,
        key_id=key_id,
        protected=protected,
        payload=payload,
        signature=signature,
        root_tag=root_tag,
        proof=proof,
    )


def _decode_protected(data: bytes) -> tuple[Algorithm, bytes]:
    header = _cbor_loads(data, "protected header")
    if not isinstance(header, dict) or any(type(k) is not int for k in header):
        _malformed("The protected header is not a map with integer labels.")
    if set(header) != {_HEADER_ALG, _HEADER_KID}:
        _malformed("The protected header must hold exactly the algorithm (1) and the key id (4).")
    alg, kid = header[_HEADER_ALG], header[_HEADER_KID]
    if type(alg) is not int or alg not in _ALGORITHM_NAMES:
        _malformed(f"The signature algorithm {alg!r} is not EdDSA (-8), ES256 (-7) or SM2 (-65600).")
    if type(kid) is not bytes or len(kid) != _KEY_ID_LENGTH:
        _malformed(f"The key id must be {_KEY_ID_LENGTH} bytes.")
    return _ALGORITHM_NAMES[alg], kid


def _decode_unprotected(header: dict[Any, Any]) -> tuple[bytes | None, tuple[bytes, ...], tuple[bytes, ...]]:
    if any(type(k) is not int or k not in (PROOF_LABEL, DISCLOSURES_LABEL) for k in header):
        _malformed(f"The unprotected header may hold only the Merkle proof ({PROOF_LABEL}) "
                   f"and disclosures ({DISCLOSURES_LABEL}).")
    disclosures: tuple[bytes, ...] = ()
    if DISCLOSURES_LABEL in header:
        value = header[DISCLOSURES_LABEL]
        if not (isinstance(value, list) and value and all(type(v) is bytes for v in value)):
            _malformed("The disclosures are not a non-empty list of byte strings.")
        disclosures = tuple(value)
    if PROOF_LABEL not in header:
        return None, (), disclosures
    value = header[PROOF_LABEL]
    if not (isinstance(value, list) and len(value) == 2 and all(type(v) is bytes for v in value)):
        _malformed("The Merkle proof is not [root tag, siblings] (two byte strings).")
    root_tag, siblings = value
    if len(root_tag) != ROOT_TAG_LENGTH:
        _malformed(f"The Merkle root tag must be {ROOT_TAG_LENGTH} bytes, not {len(root_tag)}.")
    if len(siblings) % _HASH_LENGTH:
        _malformed(f"The Merkle proof's siblings are not a whole number of {_HASH_LENGTH}-byte hashes.")
    if len(siblings) > MAX_PROOF_DEPTH * _HASH_LENGTH:
        depth = f"{MAX_PROOF_DEPTH} (batches hold {MAX_BATCH_SIZE} at most)"
        _malformed(f"The Merkle proof is deeper than {depth}.")
    return root_tag, tuple(siblings[i : i + _HASH_LENGTH] for i in range(0, len(siblings), _HASH_LENGTH)), disclosures
