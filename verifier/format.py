"""The HPF1 certificate format (docs/format.md), modelled on the EU digital COVID certificate.

    Certificate → CBOR payload → COSE_Sign1 (EdDSA, ES256 or SM2) → zlib → base45 → "HPF1:" + text

The COSE unprotected header carries the batch Merkle proof, attached after the batch is anchored:
the siblings and a 4-byte tag of the batch root (the verifier recomputes the root from the digest
and the siblings, and checks it against the tag). The certificate digest covers only the signed
bytes, so attaching the proof does not change it.
`decode` treats its input as hostile: every failure is a `MalformedCertificate` or an
`UnsupportedVersion`, with bounded work and memory.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeAlias

import cbor2
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from verifier.hashing import keccak256 as keccak

from verifier import sm2
from verifier.b45 import b45decode, b45encode
from verifier.errors import MalformedCertificate, UnsupportedVersion
from verifier.merkle import MAX_BATCH_SIZE, MAX_PROOF_DEPTH, root_from_proof

if TYPE_CHECKING:
    from verifier.disclosure import MinimalCertificate

__all__ = [
    "ACCOUNT_STATUSES",
    "ALGORITHMS",
    "DIGEST_DOMAIN",
    "MAX_DECOMPRESSED_BYTES",
    "MAX_PROOF_DEPTH",
    "MAX_TEXT_LENGTH",
    "PAYLOAD_KEYS",
    "PAYLOAD_VERSION",
    "PREFIX",
    "PROOF_LABEL",
    "PURPOSES",
    "ROOT_TAG_LENGTH",
    "AccountStatus",
    "Algorithm",
    "Certificate",
    "PrivateKey",
    "Purpose",
    "SignedCertificate",
    "certificate_digest",
    "computed_root",
    "decode",
    "encode",
    "from_cose",
    "key_id_for",
    "public_key_bytes",
    "sign",
    "to_cose",
    "verify_signature",
    "with_proof",
]

PREFIX = "HPF1:"
PAYLOAD_VERSION = 1
MINIMAL_PAYLOAD_VERSION = 2  # a minimal certificate (verifier/disclosure.py)
DIGEST_DOMAIN = b"HPF1:digest:"

Algorithm: TypeAlias = Literal["EdDSA", "ES256", "SM2"]
AccountStatus: TypeAlias = Literal["normal", "sealed", "closed"]
Purpose: TypeAlias = Literal[
    "housing-loan", "commercial-loan", "rental", "settlement", "employment", "other"
]
PrivateKey: TypeAlias = Ed25519PrivateKey | ec.EllipticCurvePrivateKey | sm2.Sm2PrivateKey

#: COSE algorithm identifiers: RFC 9053's for EdDSA and ES256; SM2 (with SM3 and the default ID)
#: has no registered value, so HPF1 uses one from the private-use range (< -65536, RFC 9053 §16.4).
ALGORITHMS: dict[str, int] = {"EdDSA": -8, "ES256": -7, "SM2": -65600}
_ALGORITHM_NAMES = {v: k for k, v in ALGORITHMS.items()}
ACCOUNT_STATUSES: tuple[str, ...] = ("normal", "sealed", "closed")
#: What the certificate is for: code -> (integer on the wire, Chinese label).
PURPOSES: dict[str, tuple[int, str]] = {
    "housing-loan": (1, "住房公积金贷款"),
    "commercial-loan": (2, "商业住房贷款"),
    "rental": (3, "租房"),
    "settlement": (4, "落户"),
    "employment": (5, "入职/资格审查"),
    "other": (6, "其他"),
}
_PURPOSE_BY_WIRE = {wire: code for code, (wire, _) in PURPOSES.items()}

# COSE header labels (RFC 9052) and our private label for the proof: [root tag, siblings].
_HEADER_ALG = 1
_HEADER_KID = 4
PROOF_LABEL = -65537
DISCLOSURES_LABEL = -65538  # a minimal certificate's disclosed fields (verifier/disclosure.py)
_COSE_SIGN1_TAG = b"\xd2"  # CBOR tag 18 in its one-byte form

# Limits: a QR code holds at most 4,296 alphanumeric characters, so anything longer is not ours.
MAX_TEXT_LENGTH = 8000
MAX_DECOMPRESSED_BYTES = 16 * 1024
ROOT_TAG_LENGTH = 4  # the first bytes of the batch root, in the unprotected header
_MAX_CBOR_DEPTH = 8
_MAX_UINT = 2**53 - 1  # every integer stays exact in JSON and JavaScript
_KEY_ID_LENGTH = 8
_SIGNATURE_LENGTH = 64
_MAX_SIGNATURE_LENGTH = 256  # decode bound; a signature of another length than 64 is BAD_SIGNATURE
_HASH_LENGTH = 32

# Payload map keys. Small integers encode in one byte; key 0 is the schema version.
_VERSION_KEY = 0
PAYLOAD_KEYS: dict[str, int] = {
    "number": 1,
    "centre_code": 2,
    # 3 was the centre name: no longer in the payload (it is on chain), never to be reused.
    "purpose": 4,
    "audience": 5,
    "issued_at": 6,
    "valid_until": 7,
    "name": 8,
    "id_masked": 9,
    "subject_ref": 10,
    "employer_name": 11,
    "employer_account": 12,
    "account_masked": 13,
    "account_status": 14,
    "account_opened": 15,
    "deposit_base": 16,
    "employee_rate_bp": 17,
    "employer_rate_bp": 18,
    "monthly_amount": 19,
    "first_month": 20,
    "last_month": 21,
    "months_continuous": 22,
    "balance": 23,
    "loan_outstanding": 24,
    "supersedes": 25,
}
_OPTIONAL_FIELDS = frozenset({"audience", "supersedes"})
_FIELD_BY_KEY = {key: name for name, key in PAYLOAD_KEYS.items()}

_NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,39}")
_ID_MASKED_RE = re.compile(r"[0-9*]{17}[0-9X*]")
_ID_MIN_MASKED = 8
_ACCOUNT_RE = re.compile(r"[0-9A-Za-z-]{1,32}")
_ACCOUNT_MASKED_RE = re.compile(r"[0-9A-Za-z*-]{1,32}")
_OTHER_PREFIX_RE = re.compile(r"(HPF[0-9]{1,4}):")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_RE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
# Control, format (bidi overrides), surrogate, private-use and unassigned characters, and line
# breaks: none belongs in a name, and some can make a certificate display differently than it reads.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _malformed(message: str) -> NoReturn:
    raise MalformedCertificate(message)


# ---------------------------------------------------------------------------------------------
# Certificate content
# ---------------------------------------------------------------------------------------------


def _check_uint(name: str, value: object, low: int = 0, high: int = _MAX_UINT) -> None:
    if type(value) is not int:
        _malformed(f"Field '{name}' must be an integer, not {type(value).__name__}.")
    if not low <= value <= high:
        _malformed(f"Field '{name}' must be between {low} and {high}, not {value}.")


def _check_text(name: str, value: object, max_length: int, pattern: re.Pattern[str] | None = None) -> None:
    if type(value) is not str:
        _malformed(f"Field '{name}' must be a text string, not {type(value).__name__}.")
    if not 1 <= len(value) <= max_length:
        _malformed(f"Field '{name}' must be 1 to {max_length} characters long, not {len(value)}.")
    # isprintable() is False for every forbidden category (and for non-ASCII spaces, which are
    # allowed): only then look at each character's category.
    if value != value.strip() or (
        not value.isprintable() and any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in value)
    ):
        _malformed(f"Field '{name}' has surrounding spaces or control characters.")
    if pattern is not None and not pattern.fullmatch(value):
        _malformed(f"Field '{name}' does not have the required form: {value!r}.")


def _check_date(name: str, value: object) -> None:
    _check_text(name, value, 10, _DATE_RE)
    assert isinstance(value, str)
    try:
        date.fromisoformat(value)
    except ValueError:
        _malformed(f"Field '{name}' is not a calendar date: {value!r}.")


def _check_month(name: str, value: object) -> int:
    """Returns the month as a count (year * 12 + month - 1), for comparing and counting."""
    _check_text(name, value, 7, _MONTH_RE)
    assert isinstance(value, str)
    return int(value[:4]) * 12 + int(value[5:]) - 1


@dataclass(frozen=True, kw_only=True)
class Certificate:
    """A deposit certificate's content. Money in integer fen, rates in basis points (1200 = 12%),
    dates 'YYYY-MM-DD', months 'YYYY-MM', times unix seconds. Invalid content raises
    `MalformedCertificate`, whether it was built here or decoded."""

    number: str
    centre_code: int
    purpose: Purpose
    audience: int | None = None
    issued_at: int
    valid_until: int
    name: str
    id_masked: str
    subject_ref: bytes
    employer_name: str
    employer_account: str
    account_masked: str
    account_status: AccountStatus
    account_opened: str
    deposit_base: int
    employee_rate_bp: int
    employer_rate_bp: int
    monthly_amount: int
    first_month: str
    last_month: str
    months_continuous: int
    balance: int
    loan_outstanding: bool
    supersedes: str | None = None

    def __post_init__(self) -> None:
        _check_certificate(self)

    def to_json(self) -> dict[str, Any]:
        """The content as plain JSON values (subject_ref as lowercase hex), keyed by field name,
        plus "purpose_zh", the purpose's Chinese label."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.hex() if isinstance(value, bytes) else value
            if f.name == "purpose":
                out["purpose_zh"] = PURPOSES[self.purpose][1]
        return out


def _check_certificate(c: Certificate) -> None:
    _check_text("number", c.number, 40, _NUMBER_RE)
    _check_uint("centre_code", c.centre_code, 100_000, 999_999)  # administrative-division code
    if type(c.purpose) is not str or c.purpose not in PURPOSES:
        _malformed(f"Field 'purpose' must be one of {', '.join(PURPOSES)}, not {c.purpose!r}.")
    if c.audience is not None:
        _check_uint("audience", c.audience, 1_000_000, 2**32 - 1)  # an institution id on chain
    _check_uint("issued_at", c.issued_at)
    _check_uint("valid_until", c.valid_until)
    if c.valid_until <= c.issued_at:
        _malformed("Field 'valid_until' must be later than 'issued_at'.")
    _check_text("name", c.name, 64)
    _check_text("id_masked", c.id_masked, 18, _ID_MASKED_RE)
    if c.id_masked.count("*") < _ID_MIN_MASKED:
        _malformed(f"Field 'id_masked' must have {_ID_MIN_MASKED} or more of its 18 digits masked ('*').")
    if type(c.subject_ref) is not bytes or len(c.subject_ref) != _HASH_LENGTH:
        _malformed(f"Field 'subject_ref' must be {_HASH_LENGTH} bytes.")
    _check_text("employer_name", c.employer_name, 64)
    _check_text("employer_account", c.employer_account, 32, _ACCOUNT_RE)
    _check_text("account_masked", c.account_masked, 32, _ACCOUNT_MASKED_RE)
    if "*" not in c.account_masked:
        _malformed("Field 'account_masked' must have masked digits ('*').")
    if type(c.account_status) is not str or c.account_status not in ACCOUNT_STATUSES:
        _malformed(f"Field 'account_status' must be one of {', '.join(ACCOUNT_STATUSES)}.")
    _check_date("account_opened", c.account_opened)
    _check_uint("deposit_base", c.deposit_base)
    _check_uint("employee_rate_bp", c.employee_rate_bp, 0, 10_000)
    _check_uint("employer_rate_bp", c.employer_rate_bp, 0, 10_000)
    _check_uint("monthly_amount", c.monthly_amount)
    first = _check_month("first_month", c.first_month)
    last = _check_month("last_month", c.last_month)
    if last < first:
        _malformed("Field 'last_month' must not be before 'first_month'.")
    _check_uint("months_continuous", c.months_continuous, 0, last - first + 1)
    _check_uint("balance", c.balance)
    if type(c.loan_outstanding) is not bool:
        _malformed(f"Field 'loan_outstanding' must be true or false, not {c.loan_outstanding!r}.")
    if c.supersedes is not None:
        _check_text("supersedes", c.supersedes, 40, _NUMBER_RE)
        if c.supersedes == c.number:
            _malformed("Field 'supersedes' must name another certificate than this one.")


# On the wire, dates, months, the purpose and the account status are small integers (20150701, 201507, 1, 0):
# every byte saved is QR area. The Python API keeps the readable forms.
_DATE_FIELDS = frozenset({"account_opened"})
_MONTH_FIELDS = frozenset({"first_month", "last_month"})


def _to_wire(name: str, value: object) -> object:
    if name == "account_status":
        return ACCOUNT_STATUSES.index(str(value))
    if name == "purpose":
        return PURPOSES[str(value)][0]
    if name in _DATE_FIELDS or name in _MONTH_FIELDS:
        return int(str(value).replace("-", ""))
    return value


def _from_wire(name: str, value: object) -> object:
    if name == "account_status":
        if type(value) is not int or not 0 <= value < len(ACCOUNT_STATUSES):
            _malformed("Field 'account_status' must be 0 (normal), 1 (sealed) or 2 (closed).")
        return ACCOUNT_STATUSES[value]
    if name == "purpose":
        if type(value) is not int or value not in _PURPOSE_BY_WIRE:
            _malformed(f"Field 'purpose' must be a purpose code 1 to {len(PURPOSES)}.")
        return _PURPOSE_BY_WIRE[value]
    if name in _DATE_FIELDS:
        if type(value) is not int or not 10000101 <= value <= 99991231:
            _malformed(f"Field '{name}' must be a date as the integer YYYYMMDD.")
        return f"{value // 10000:04d}-{value // 100 % 100:02d}-{value % 100:02d}"
    if name in _MONTH_FIELDS:
        if type(value) is not int or not 100001 <= value <= 999912:
            _malformed(f"Field '{name}' must be a month as the integer YYYYMM.")
        return f"{value // 100:04d}-{value % 100:02d}"
    return value


def _encode_payload(c: Certificate | MinimalCertificate) -> bytes:
    if not isinstance(c, Certificate):  # payload version 2 (verifier/disclosure.py)
        return c.encode_payload()
    payload: dict[int, object] = {_VERSION_KEY: PAYLOAD_VERSION}
    for name, key in PAYLOAD_KEYS.items():
        value = getattr(c, name)
        if value is not None:  # optional fields are left out, never null
            payload[key] = _to_wire(name, value)
    return cbor2.dumps(payload, canonical=True)


def _decode_payload(data: bytes, disclosures: tuple[bytes, ...] = ()) -> Certificate | MinimalCertificate:
    payload = _cbor_loads(data, "payload")
    if not isinstance(payload, dict):
        _malformed("The payload is not a CBOR map.")
    if any(type(k) is not int for k in payload):
        _malformed("The payload has a key that is not an integer.")
    if _VERSION_KEY not in payload:
        _malformed("The payload has no schema version (key 0).")
    version = payload[_VERSION_KEY]
    if type(version) is not int:
        _malformed("The payload's schema version (key 0) is not an integer.")
    if version == MINIMAL_PAYLOAD_VERSION:
        from verifier.disclosure import decode_minimal  # noqa: PLC0415 - it builds on this module

        return decode_minimal(payload, disclosures)
    if version != PAYLOAD_VERSION:
        raise UnsupportedVersion(
            f"The payload has schema version {version}; this verifier reads versions {PAYLOAD_VERSION} "
            f"and {MINIMAL_PAYLOAD_VERSION}."
        )
    if disclosures:
        _malformed("A full (version 1) certificate carries no disclosures.")
    unknown = sorted(k for k in payload if k != _VERSION_KEY and k not in _FIELD_BY_KEY)
    if unknown:
        _malformed(f"The payload has unknown key {unknown[0]}.")
    values: dict[str, Any] = {}
    for name, key in PAYLOAD_KEYS.items():
        if key in payload:
            values[name] = _from_wire(name, payload[key])
        elif name not in _OPTIONAL_FIELDS:
            _malformed(f"The payload lacks field '{name}' (key {key}).")
    for name in _OPTIONAL_FIELDS:
        if name in values and values[name] is None:
            _malformed(f"Field '{name}' is null; an absent value is left out of the payload.")
    return Certificate(**values)


# ---------------------------------------------------------------------------------------------
# Signed certificate (COSE_Sign1)
# ---------------------------------------------------------------------------------------------


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


def _is_p256(private_key: object) -> bool:
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


# ---------------------------------------------------------------------------------------------
# Text encoding
# ---------------------------------------------------------------------------------------------


def to_cose(signed: SignedCertificate) -> bytes:
    """The tagged COSE_Sign1 bytes of the certificate (with its proof, if attached): what the
    text form compresses. An issuer stores these; `from_cose` reads them back."""
    unprotected: dict[int, object] = {}
    if signed.root_tag is not None:
        unprotected[PROOF_LABEL] = [signed.root_tag, b"".join(signed.proof)]
    if getattr(signed.certificate, "disclosures", ()):
        unprotected[DISCLOSURES_LABEL] = list(signed.certificate.disclosures)  # type: ignore[union-attr]
    return _COSE_SIGN1_TAG + cbor2.dumps(
        [signed.protected, unprotected, signed.payload, signed.signature], canonical=True
    )


def encode(signed: SignedCertificate) -> str:
    """The certificate as the "HPF1:" text that goes into the QR code and the PDF."""
    cose = to_cose(signed)
    if len(cose) > MAX_DECOMPRESSED_BYTES:
        raise ValueError(f"the certificate is {len(cose)} bytes, over the limit of {MAX_DECOMPRESSED_BYTES}")
    text = PREFIX + b45encode(zlib.compress(cose, 9))
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"the certificate is {len(text)} characters, over the limit of {MAX_TEXT_LENGTH}")
    return text


def decode(text: str) -> SignedCertificate:
    """Parses "HPF1:" text into a `SignedCertificate`. Checks structure and content, not the
    signature or the proof (those need the chain). Raises only `MalformedCertificate` and
    `UnsupportedVersion`."""
    # 1. Text: bounded, trimmed, with our prefix. Trimming never eats base45 data: a valid
    #    base45 string never ends in its one whitespace character, the space.
    if not isinstance(text, str):
        _malformed("A certificate is text starting with 'HPF1:'.")
    too_long = f"The text is longer than any certificate ({MAX_TEXT_LENGTH} characters)."
    if len(text) > 2 * MAX_TEXT_LENGTH:  # some whitespace around is fine, megabytes of it are not
        _malformed(too_long)
    text = text.strip()
    if len(text) > MAX_TEXT_LENGTH:
        _malformed(too_long)
    if not text.startswith(PREFIX):
        other = _OTHER_PREFIX_RE.match(text)
        if other:
            raise UnsupportedVersion(f"The format {other[1]} is not supported; this verifier reads HPF1.")
        _malformed("The text is not a certificate: it does not start with 'HPF1:'.")
    # 2. base45.
    try:
        compressed = b45decode(text[len(PREFIX) :])
    except ValueError:
        _malformed("The text after 'HPF1:' is not valid base45.")
    # 3. zlib, bounded: a small input must not expand into a large allocation.
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, MAX_DECOMPRESSED_BYTES)
    except zlib.error:
        _malformed("The certificate data is not a valid zlib stream.")
    if inflater.unconsumed_tail and inflater.decompress(inflater.unconsumed_tail, 1):
        _malformed(f"The certificate data expands to more than {MAX_DECOMPRESSED_BYTES} bytes.")
    if not inflater.eof:
        _malformed("The certificate data is a truncated zlib stream.")
    if inflater.unused_data:
        _malformed("The certificate data has bytes after its zlib stream.")
    return from_cose(cose)


def from_cose(cose: bytes) -> SignedCertificate:
    """Parses COSE_Sign1 bytes (`to_cose`) as `decode` does after decompressing. Raises only
    `MalformedCertificate` and `UnsupportedVersion`."""
    if len(cose) > MAX_DECOMPRESSED_BYTES:
        _malformed(f"The certificate data is more than {MAX_DECOMPRESSED_BYTES} bytes.")
    # 4. COSE_Sign1: [protected bstr, unprotected map, payload bstr, signature bstr], tag 18 optional.
    if cose.startswith(_COSE_SIGN1_TAG):
        cose = cose[len(_COSE_SIGN1_TAG) :]
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
    name: Algorithm = _ALGORITHM_NAMES[alg]  # type: ignore[assignment]
    return name, kid


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


# ---------------------------------------------------------------------------------------------
# CBOR, plain: no tags, no indefinite lengths, no duplicate keys, nothing after the item.
# ---------------------------------------------------------------------------------------------


def _reject_tag(*_: object) -> NoReturn:
    raise ValueError("CBOR tags are not allowed here")


class _NoTags(dict[int, Callable[..., Any]]):
    """Overrides every semantic tag cbor2 knows: tags would bring dates, big numbers, sets and
    shared (even cyclic) references into a structure that only ever holds plain values. cbor2
    looks decoders up by tag number, so answering every lookup covers tags it may add later;
    tests/verifier/test_format.py checks that a bignum still fails."""

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: int) -> Callable[..., Any]:
        return _reject_tag

    def get(self, key: int, default: Any = None) -> Callable[..., Any]:  # type: ignore[override]
        return _reject_tag


_NO_TAGS = _NoTags()


def _cbor_loads(data: bytes, what: str) -> Any:
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(
            stream,
            semantic_decoders=_NO_TAGS,
            tag_hook=_reject_tag,
            max_depth=_MAX_CBOR_DEPTH,
            allow_indefinite=False,
            allow_duplicate_keys=False,
        ).decode()
    except Exception as exc:  # noqa: BLE001 - hostile input; cbor2 raises more than CBORDecodeError
        raise MalformedCertificate(f"The {what} is not valid CBOR.") from exc
    if stream.tell() != len(data):
        _malformed(f"The {what} has bytes after its CBOR data.")
    return value
