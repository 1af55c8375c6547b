"""Signing keys at rest (issuer/keystore.py): SM4-GCM for SM2, PKCS#8 for the others, old files load."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from issuer import keystore
from verifier import format as fmt

KID = b"\x01\x02\x03\x04\x05\x06\x07\x08"


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "SM2"])
def test_each_suite_round_trips_and_refuses_the_wrong_passphrase(algorithm: fmt.Algorithm) -> None:
    key = keystore.generate(algorithm)
    blob = keystore.encrypt(key, b"pass phrase", KID)
    assert blob.startswith(keystore.MAGIC) is (algorithm == "SM2")
    loaded = keystore.decrypt(blob, b"pass phrase", KID)
    assert fmt.public_key_bytes(loaded) == fmt.public_key_bytes(key)
    with pytest.raises(keystore.WrongPassphrase):
        keystore.decrypt(blob, b"pass phrasf", KID)
    raw = keystore.private_raw(key)
    assert fmt.public_key_bytes(keystore.private_from_raw(algorithm, raw, fmt.public_key_bytes(key))) == \
        fmt.public_key_bytes(key)


def test_an_existing_pkcs8_file_still_loads() -> None:
    """What the issuer stored before the national suite: PKCS#8 PEM under AES (BestAvailableEncryption)."""
    key = Ed25519PrivateKey.generate()
    old = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.BestAvailableEncryption(b"old passphrase"))
    assert fmt.public_key_bytes(keystore.decrypt(old, b"old passphrase", KID)) == fmt.public_key_bytes(key)


def test_a_damaged_sm2_blob_is_refused() -> None:
    blob = keystore.encrypt(keystore.generate("SM2"), b"p", KID)
    for damaged in (blob[:-1], blob[:-20] + bytes(20), keystore.MAGIC + b"\xa0"):
        with pytest.raises(keystore.WrongPassphrase):
            keystore.decrypt(damaged, b"p", KID)


@pytest.mark.parametrize("name,expected", [("ed25519", "EdDSA"), ("SM2", "SM2"), ("es256", "ES256"), ("EdDSA", "EdDSA")])
def test_algorithm_names(name: str, expected: str) -> None:
    assert keystore.algorithm_named(name) == expected
    with pytest.raises(ValueError, match="ed25519, es256, sm2"):
        keystore.algorithm_named("rsa")


def test_the_database_takes_sm2_keys_and_refuses_unknown_algorithms(engine: Engine) -> None:
    """Migration 0003 widened the algorithm column's CHECK constraint to SM2, and no further."""
    from issuer.db import SigningKey, session_scope

    key = keystore.generate("SM2")
    public = fmt.public_key_bytes(key)
    with session_scope(engine) as s:
        s.add(SigningKey(key_id=fmt.key_id_for(public), centre_code=460400, algorithm="SM2", public_key=public,
                         encrypted_private_key=keystore.encrypt(key, b"p", fmt.key_id_for(public))))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO signing_keys (key_id, centre_code, algorithm, public_key, encrypted_private_key, "
                          "created_at) VALUES (:k, 460400, 'RSA', :p, :p, CURRENT_TIMESTAMP)"),
                     {"k": b"\x09" * 8, "p": b"\x01"})
