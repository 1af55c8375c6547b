"""SM2 signatures with SM3 (GB/T 32918.2, GB/T 32905), the national ("国密") suite of HPF1.

Every primitive comes from GmSSL 3.2 through its CPython binding `gmssl_pyx` (docs/crypto.md says
why that library). This module only adapts encodings to what HPF1 puts on the wire and on chain:

- a public key is the uncompressed point `04 ‖ X ‖ Y` (65 bytes), as for P-256;
- a signature is raw `r ‖ s`, 32 bytes each, big-endian (GmSSL speaks DER; the DER is read and
  written by `cryptography`'s ECDSA-Sig-Value helpers, the same ASN.1 SEQUENCE of two INTEGERs);
- the signed message goes through SM3 with the signer's Z value computed for the standard
  default ID `1234567812345678` (GB/T 35276), as OpenSSL's `-pkeyopt distid:1234567812345678`.

SM2 signatures are randomised (the library draws k for each signature; it has no deterministic
mode), so the same certificate signed twice has two different, equally valid, signatures.

Speed: the binding's message-level `sm2_sign` sets up a signing context on every call (the signer's
Z value and GmSSL 3.2's table of 32 precomputed k·G points), about ten times the cost of one
signature. So a key computes its Z once (`_z`: SM3 over the ID and the curve and key coordinates,
GB/T 32918.2 §5.5, with the curve constants taken from the binding) and signs e = SM3(Z ‖ M) with
the binding's `sm2_sign_sm3_digest`. Verification stays on the binding's message-level
`sm2_verify`, which computes Z itself: every signature this module makes is checked against the
library's own Z (`Sm2PrivateKey.from_bytes`, tests/verifier/test_sm2.py) and against OpenSSL.
"""

from __future__ import annotations

import base64
import textwrap

import gmssl_pyx
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from gmssl_pyx.sm2_utils import g_default_ecc_table as _CURVE  # noqa: N812 — a module constant, named as one

__all__ = [
    "DEFAULT_ID",
    "PUBLIC_KEY_LENGTH",
    "SIGNATURE_LENGTH",
    "Sm2PrivateKey",
    "check_public_key",
    "sign",
    "sm3",
    "verify",
]

DEFAULT_ID = b"1234567812345678"
PUBLIC_KEY_LENGTH = 65
PRIVATE_KEY_LENGTH = 32
SIGNATURE_LENGTH = 64
_HALF = 32


def check_public_key(public_key: bytes) -> bytes:
    """`public_key` if it is an uncompressed SM2 point on the curve (65 bytes, `04 ‖ X ‖ Y`);
    ValueError with one sentence otherwise."""
    if type(public_key) is not bytes or len(public_key) != PUBLIC_KEY_LENGTH or public_key[0] != 0x04:
        raise ValueError(f"an SM2 public key is the uncompressed point 04 ‖ X ‖ Y ({PUBLIC_KEY_LENGTH} bytes)")
    try:
        gmssl_pyx.normalize_sm2_public_key(public_key)
    except gmssl_pyx.InvalidValueError:
        raise ValueError("the SM2 public key is not a point on the SM2 curve") from None
    return public_key


class Sm2PrivateKey:
    """An SM2 private key (the 32-byte scalar) with its public point. Made by `generate` or
    loaded with `from_bytes`; `private_bytes()` is what the issuer encrypts at rest."""

    __slots__ = ("_private", "_public", "_z")

    def __init__(self, private: bytes, public: bytes) -> None:
        if len(private) != PRIVATE_KEY_LENGTH:
            raise ValueError(f"an SM2 private key is {PRIVATE_KEY_LENGTH} bytes")
        self._public = check_public_key(bytes(public))
        self._private = bytes(private)
        self._z = _z(self._public)

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        public, private = gmssl_pyx.sm2_key_generate()
        return cls(private, b"\x04" + public)

    @classmethod
    def from_bytes(cls, private: bytes, public: bytes) -> Sm2PrivateKey:
        """The key pair, checked: a test signature by `private` must verify with `public`."""
        key = cls(private, public)
        if not verify(key.public_key_bytes(), b"hpf-trust SM2 key check", key.sign(b"hpf-trust SM2 key check")):
            raise ValueError("the SM2 private key does not belong to the public key")
        return key

    def private_bytes(self) -> bytes:
        return self._private

    def public_key_bytes(self) -> bytes:
        """The uncompressed point, 65 bytes, as registered on chain."""
        return self._public

    def sign(self, message: bytes) -> bytes:
        return sign(self, message)

    def __repr__(self) -> str:  # never the private scalar
        return f"Sm2PrivateKey(public={self._public.hex()})"


def _z(public_key: bytes) -> bytes:
    """Z = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) for the default ID (GB/T 32918.2 §5.5)."""
    constants = b"".join(bytes.fromhex(_CURVE[name]) for name in ("a", "b", "g"))
    entl = (len(DEFAULT_ID) * 8).to_bytes(2, "big")
    return sm3(entl + DEFAULT_ID + constants + public_key[1:])


def sign(key: Sm2PrivateKey, message: bytes) -> bytes:
    """SM2 signature of SM3(Z ‖ message), Z for the default ID: raw r ‖ s, 64 bytes."""
    der = gmssl_pyx.sm2_sign_sm3_digest(key.private_bytes(), sm3(key._z + bytes(message)))
    r, s = decode_dss_signature(der)
    return r.to_bytes(_HALF, "big") + s.to_bytes(_HALF, "big")


def verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """True if `signature` (raw r ‖ s) is `public_key`'s SM2 signature of `message` under the
    default ID. False for a signature of another length, r or s out of range, or a public key
    that is not an uncompressed point on the curve."""
    if len(signature) != SIGNATURE_LENGTH:
        return False
    try:
        check_public_key(bytes(public_key))
    except ValueError:
        return False
    r = int.from_bytes(signature[:_HALF], "big")
    s = int.from_bytes(signature[_HALF:], "big")
    if r == 0 or s == 0:
        return False
    try:
        return bool(gmssl_pyx.sm2_verify(bytes(public_key[1:]), bytes(message), encode_dss_signature(r, s),
                                         signer_id=DEFAULT_ID))
    except gmssl_pyx.GmsslInnerError:
        return False


def sm3(data: bytes) -> bytes:
    """SM3 digest (32 bytes)."""
    return bytes(gmssl_pyx.sm3_hash(bytes(data)))


# SubjectPublicKeyInfo (X.509) for the SM2 curve, so outside tools (OpenSSL) can take the key.
_SM2_CURVE_OID = "1.2.156.10197.1.301"


def _register_curve() -> None:
    from asn1crypto import keys  # noqa: PLC0415 — asn1crypto only for the DER/PEM forms

    if _SM2_CURVE_OID not in keys.NamedCurve._map:
        keys.NamedCurve.register("sm2p256v1", _SM2_CURVE_OID, 32)


def public_key_der(public_key: bytes) -> bytes:
    """The public key as a DER SubjectPublicKeyInfo (id-ecPublicKey, curve SM2 1.2.156.10197.1.301),
    the form `openssl pkey -pubin -inform DER` reads. Encoded by asn1crypto."""
    from asn1crypto import keys  # noqa: PLC0415 — asn1crypto only for the DER/PEM forms

    _register_curve()
    info = keys.PublicKeyInfo({
        "algorithm": keys.PublicKeyAlgorithm({
            "algorithm": "ec",
            "parameters": keys.ECDomainParameters(name="named", value="sm2p256v1"),
        }),
        "public_key": check_public_key(bytes(public_key)),
    })
    return bytes(info.dump())


def public_key_pem(public_key: bytes) -> str:
    body = "\n".join(textwrap.wrap(base64.b64encode(public_key_der(public_key)).decode("ascii"), 64))
    return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n"


def public_key_from_der(der: bytes) -> bytes:
    """The 65-byte point of an SM2 SubjectPublicKeyInfo (e.g. `openssl pkey -pubout -outform DER`)."""
    from asn1crypto import keys  # noqa: PLC0415 — asn1crypto only for the DER/PEM forms

    _register_curve()
    info = keys.PublicKeyInfo.load(bytes(der))
    params = info["algorithm"]["parameters"]
    if info["algorithm"]["algorithm"].native != "ec" or params.chosen.dotted != _SM2_CURVE_OID:
        raise ValueError("not an SM2 public key")
    return check_public_key(bytes(info["public_key"].native))
