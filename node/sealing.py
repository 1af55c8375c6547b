"""Sealing access-trace references to the consortium's trace key (docs/privacy.md).

A trace record's reference (a certificate digest or a subject reference, 32 bytes) goes on chain
only as an HPKE (RFC 9180) ciphertext: X25519 key encapsulation, HKDF-SHA256, ChaCha20-Poly1305,
base mode, a fresh ephemeral key per record. The output is 80 bytes (enc 32 ‖ ciphertext 32 ‖
tag 16); two records of the same reference share no byte. The `info` binds the purpose code and
the key version, so a record's clear fields cannot be swapped onto another's ciphertext.

The private half of the trace key is held by the member centres only, off chain, as the
consortium HMAC key is. HPKE itself is the `cryptography` package's (OpenSSL / its Rust core).
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

__all__ = [
    "DEMO_TRACE_PRIVATE_KEY",
    "REF_LENGTH",
    "SEALED_LENGTH",
    "open_sealed",
    "seal",
    "trace_public_key",
]

REF_LENGTH = 32
SEALED_LENGTH = 80
_INFO = b"hpf-trust access record v1"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)

#: The DEMO trace key's private half (local network only; a real consortium generates its own
#: and shares it among member centres off chain, like the consortium HMAC key).
DEMO_TRACE_PRIVATE_KEY: bytes = hashlib.sha256(b"hpf-trust DEMO trace key, local network only").digest()


def _info(purpose: int, key_version: int) -> bytes:
    return _INFO + bytes([purpose]) + key_version.to_bytes(2, "big")


def trace_public_key(private_key: bytes) -> bytes:
    """The 32-byte X25519 public key (what AccessTrace stores) of a 32-byte private key."""
    return X25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal(public_key: bytes, ref: bytes, *, purpose: int, key_version: int) -> bytes:
    """`ref` sealed to the trace key `public_key`: 80 bytes, different every call."""
    if len(ref) != REF_LENGTH:
        raise ValueError(f"a trace reference is {REF_LENGTH} bytes, not {len(ref)}")
    sealed = _SUITE.encrypt(bytes(ref), X25519PublicKey.from_public_bytes(bytes(public_key)),
                            info=_info(purpose, key_version))
    if len(sealed) != SEALED_LENGTH:  # pragma: no cover - fixed by the suite
        raise AssertionError(f"HPKE output of {len(sealed)} bytes")
    return bytes(sealed)


def open_sealed(private_key: X25519PrivateKey, sealed: bytes, *, purpose: int, key_version: int) -> bytes | None:
    """The reference inside `sealed`, or None when it was not sealed to this key for this purpose
    and key version (or was tampered with)."""
    if len(sealed) != SEALED_LENGTH:
        return None
    try:
        ref = _SUITE.decrypt(bytes(sealed), private_key, info=_info(purpose, key_version))
    except (InvalidTag, ValueError):
        return None
    return bytes(ref) if len(ref) == REF_LENGTH else None
