"""Signing keys at rest: made, encrypted and loaded for each suite.

| algorithm | key | stored as |
|---|---|---|
| EdDSA | Ed25519 | PKCS#8 PEM, encrypted by `cryptography`'s best available (AES-256-CBC, PBKDF2-HMAC-SHA256) |
| ES256 | P-256 | the same |
| SM2 | SM2 (GmSSL) | the national suite: SM4-GCM under a key from PBKDF2-HMAC-SM3 (below) |

The SM2 blob is `MAGIC` followed by a CBOR map (cbor2): `{"v": 1, "kdf": "pbkdf2-hmac-sm3",
"iterations": n, "salt": 16 bytes, "cipher": "sm4-gcm", "nonce": 12 bytes, "tag": 16 bytes,
"ciphertext": bytes, "public_key": 65 bytes}`. The plaintext is the 32-byte private scalar; the
GCM associated data is "hpf-trust signing key " ‖ key id, so a blob copied onto another key's row
does not decrypt. PBKDF2 comes from `cryptography` (OpenSSL's PKCS5_PBKDF2_HMAC with SM3), SM4-GCM
from GmSSL (`gmssl_pyx`): nothing here is a hand-written primitive. Existing PKCS#8 files load as
before: `decrypt` tells the two apart by the magic.
"""

from __future__ import annotations

import os
from typing import Any, Final

import cbor2
import gmssl_pyx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from verifier import format as fmt
from verifier.sm2 import Sm2PrivateKey

__all__ = [
    "ALGORITHM_CHOICES",
    "MAGIC",
    "WrongPassphrase",
    "algorithm_named",
    "decrypt",
    "encrypt",
    "generate",
    "private_from_raw",
    "private_raw",
]

MAGIC: Final = b"HPF-KEY-SM4-GCM\n"
SM4_ITERATIONS: Final = 200_000
_SALT_LENGTH: Final = 16
_NONCE_LENGTH: Final = 12
_TAG_LENGTH: Final = 16
_SM4_KEY_LENGTH: Final = 16

#: What `--algorithm` takes, and the COSE algorithm name each means.
ALGORITHM_CHOICES: Final[dict[str, fmt.Algorithm]] = {"ed25519": "EdDSA", "es256": "ES256", "sm2": "SM2"}


class WrongPassphrase(ValueError):
    """The blob does not decrypt with this passphrase (or it is not a key blob)."""


def algorithm_named(name: str) -> fmt.Algorithm:
    """'ed25519' | 'es256' | 'sm2' (any case, or the COSE names) as the COSE algorithm name."""
    lowered = name.strip().lower()
    for choice, algorithm in ALGORITHM_CHOICES.items():
        if lowered in (choice, algorithm.lower()):
            return algorithm
    raise ValueError(f"unknown signing algorithm {name!r}; use one of {', '.join(ALGORITHM_CHOICES)}")


def generate(algorithm: fmt.Algorithm) -> fmt.PrivateKey:
    if algorithm == "EdDSA":
        return Ed25519PrivateKey.generate()
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "SM2":
        return Sm2PrivateKey.generate()
    raise ValueError(f"unknown signing algorithm {algorithm!r}")


def _aad(key_id: bytes) -> bytes:
    return b"hpf-trust signing key " + key_id


def _sm4_key(passphrase: bytes, salt: bytes, iterations: int) -> bytes:
    return PBKDF2HMAC(hashes.SM3(), _SM4_KEY_LENGTH, salt, iterations).derive(passphrase)


def encrypt(private_key: fmt.PrivateKey, passphrase: bytes, key_id: bytes) -> bytes:
    """The key as stored: SM2 under SM4-GCM, the others as encrypted PKCS#8 PEM."""
    if isinstance(private_key, Sm2PrivateKey):
        salt, nonce = os.urandom(_SALT_LENGTH), os.urandom(_NONCE_LENGTH)
        ciphertext, tag = gmssl_pyx.sm4_gcm_encrypt(_sm4_key(passphrase, salt, SM4_ITERATIONS), nonce,
                                                    _aad(key_id), private_key.private_bytes())
        envelope = {"v": 1, "kdf": "pbkdf2-hmac-sm3", "iterations": SM4_ITERATIONS, "salt": salt,
                    "cipher": "sm4-gcm", "nonce": nonce, "tag": bytes(tag), "ciphertext": bytes(ciphertext),
                    "public_key": private_key.public_key_bytes()}
        return MAGIC + cbor2.dumps(envelope, canonical=True)
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.BestAvailableEncryption(passphrase))


def decrypt(blob: bytes, passphrase: bytes, key_id: bytes) -> fmt.PrivateKey:
    """The private key in `blob`; `WrongPassphrase` when it does not decrypt."""
    if blob.startswith(MAGIC):
        try:
            e: dict[str, Any] = cbor2.loads(blob[len(MAGIC):])
            if e.get("v") != 1 or e.get("kdf") != "pbkdf2-hmac-sm3" or e.get("cipher") != "sm4-gcm":
                raise WrongPassphrase("the key blob is of an unknown kind")
            key = _sm4_key(passphrase, e["salt"], int(e["iterations"]))
            private = gmssl_pyx.sm4_gcm_decrypt(key, e["nonce"], _aad(key_id), e["ciphertext"], e["tag"])
            return Sm2PrivateKey.from_bytes(bytes(private), bytes(e["public_key"]))
        except WrongPassphrase:
            raise
        except (gmssl_pyx.GmsslInnerError, ValueError, KeyError, TypeError, cbor2.CBORDecodeError):
            raise WrongPassphrase("the key does not decrypt with this passphrase") from None
    try:
        loaded = serialization.load_pem_private_key(blob, password=passphrase)
    except (ValueError, TypeError):
        raise WrongPassphrase("the key does not decrypt with this passphrase") from None
    if isinstance(loaded, Ed25519PrivateKey):
        return loaded
    if isinstance(loaded, ec.EllipticCurvePrivateKey) and isinstance(loaded.curve, ec.SECP256R1):
        return loaded
    raise WrongPassphrase("the stored key is neither Ed25519 nor P-256")


def private_raw(private_key: fmt.PrivateKey) -> bytes:
    """The unencrypted private key as bytes, for handing to signing worker processes."""
    if isinstance(private_key, Sm2PrivateKey):
        return private_key.private_bytes()
    if isinstance(private_key, Ed25519PrivateKey):
        return private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                         serialization.NoEncryption())
    return private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def private_from_raw(algorithm: fmt.Algorithm, raw: bytes, public_key: bytes) -> fmt.PrivateKey:
    """The inverse of `private_raw`."""
    if algorithm == "SM2":
        return Sm2PrivateKey(raw, public_key)
    if algorithm == "EdDSA":
        return Ed25519PrivateKey.from_private_bytes(raw)
    key = serialization.load_der_private_key(raw, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key
