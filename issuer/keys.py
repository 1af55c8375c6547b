"""A centre's certificate-signing keys: generated here, stored encrypted, registered on chain.

The private half is kept in the centre's database encrypted with the passphrase
(HPF_KEY_PASSPHRASE; the DEMO passphrase on the local network only): Ed25519 and P-256 keys as
PKCS#8, SM2 keys under SM4-GCM (issuer/keystore.py). The key a certificate is signed with is the
newest one that is registered on chain and not retired. A new key is of the algorithm asked for
(`--algorithm`), else of the centre's setting (HPF_SIGNING_ALGORITHMS), else Ed25519.

A key row is written before its registration is sent, and the registration is recorded only from
the chain's answer; a crash in between leaves a row with no `registered_block`, which
`ensure_signing_key` finishes (registering it, or noticing the chain already has it).

Rotation (`rotate`) registers a new key and starts signing with it, then anchors whatever was
signed with the old key and is still waiting, and only then retires the old key on chain, so no
certificate is anchored after its key stopped being valid.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric import ec
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, select

from issuer import keystore
from issuer.db import KeyAlgorithm, SigningKey, session_scope
from issuer.db.models import utcnow
from issuer.errors import EXIT_USAGE, ConfigurationError, HpfIssuerError
from node.bindings import Contracts, Sender
from node.bindings import KeyAlgorithm as ChainAlgorithm
from node.errors import ContractError
from node.settings import Settings
from verifier import format as fmt
from verifier import sm2

MIN_GRACE = 1.5  # seconds; more than issuance.signing._KEY_CHECK

__all__ = [
    "ActiveKey",
    "MalformedPublicKey",
    "admin_account",
    "check_public_key",
    "ensure_signing_key",
    "load_active_key",
    "retire_key",
]

_CHAIN_ALGORITHMS = {"EdDSA": ChainAlgorithm.EDDSA, "ES256": ChainAlgorithm.ES256, "SM2": ChainAlgorithm.SM2}


class KeyError_(HpfIssuerError):  # noqa: N801 — public name; the underscore keeps the builtin unshadowed
    """The centre's signing key cannot be used or changed."""


class MalformedPublicKey(KeyError_):
    """A public key is not a well-formed key of its algorithm: never registered."""

    exit_code = EXIT_USAGE
    http_status = 400


@dataclass(frozen=True)
class ActiveKey:
    key_id: bytes
    algorithm: fmt.Algorithm
    private_key: fmt.PrivateKey
    public_key: bytes

    def to_json(self) -> dict[str, str]:
        """What `hpf issuer status` shows: enough for anyone to check a signature independently."""
        return {"id": self.key_id.hex(), "algorithm": self.algorithm, "public_key": self.public_key.hex()}


def admin_account(settings: Settings, centre: int) -> LocalAccount:
    """The centre's admin account (registers keys): HPF_ADMIN_KEY, or the DEMO key locally."""
    from issuer.blacklist import centre_account  # noqa: PLC0415 — issuer.blacklist imports this module

    return centre_account(settings, centre, "admin")


def check_public_key(algorithm: fmt.Algorithm, public_key: bytes) -> bytes:
    """`public_key` if it is a well-formed key of `algorithm` as the chain stores it (Ed25519: 32
    bytes; P-256 and SM2: the uncompressed point on the curve, 65 bytes); `MalformedPublicKey`
    otherwise. Called before a registration is sent: the chain stores whatever bytes it is given."""
    try:
        if algorithm == "SM2":
            return sm2.check_public_key(public_key)
        if algorithm == "EdDSA" and len(public_key) == 32:
            return public_key
        if algorithm == "ES256" and len(public_key) == 65 and public_key[0] == 0x04:
            ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public_key)
            return public_key
        raise ValueError(f"not a {algorithm} public key of the registered form")
    except ValueError as exc:
        raise MalformedPublicKey(f"The {algorithm} public key {public_key.hex()[:20]}… is malformed: {exc}.",
                                 message_zh=f"{algorithm} 公钥格式错误，未登记。") from None


def _decrypt(blob: bytes, passphrase: bytes, key_id: bytes) -> fmt.PrivateKey:
    try:
        return keystore.decrypt(blob, passphrase, key_id)
    except keystore.WrongPassphrase:
        raise ConfigurationError(
            f"The signing key {key_id.hex()} cannot be decrypted: HPF_KEY_PASSPHRASE is not the passphrase "
            "it was stored with.",
            message_zh=f"无法解密签名密钥 {key_id.hex()}：HPF_KEY_PASSPHRASE 与保存时的口令不一致。",
        ) from None


def _active_row(engine: Engine, centre: int) -> SigningKey | None:
    with session_scope(engine) as s:
        return s.scalars(
            select(SigningKey)
            .where(SigningKey.centre_code == centre, SigningKey.registered_block.is_not(None),
                   SigningKey.retired_at.is_(None))
            .order_by(SigningKey.id.desc())
            .limit(1)
        ).first()


def load_active_key(engine: Engine, centre: int, passphrase: bytes) -> ActiveKey | None:
    """The key new certificates are signed with: the newest registered, unretired one."""
    row = _active_row(engine, centre)
    if row is None:
        return None
    return ActiveKey(key_id=row.key_id, algorithm=row.algorithm.value,
                     private_key=_decrypt(row.encrypted_private_key, passphrase, row.key_id),
                     public_key=row.public_key)


def _register(engine: Engine, contracts: Contracts, admin: Sender, row_id: int) -> None:
    """Register the key of row `row_id` on chain (or notice it already is) and record the block."""
    with session_scope(engine) as s:
        row = s.get(SigningKey, row_id)
        assert row is not None
        key_id, public = row.key_id, row.public_key
        algorithm: fmt.Algorithm = row.algorithm.value
    check_public_key(algorithm, public)
    info = None
    try:
        info = contracts.consortium.key(key_id)
    except ContractError:
        info = None
    if info is None or getattr(info, "centre", 0) == 0:
        try:
            receipt = contracts.consortium.register_key(admin, key_id, _CHAIN_ALGORITHMS[algorithm], public)
            block = int(receipt["blockNumber"])
        except ContractError as exc:
            if exc.error != "ConsortiumKeyExists":
                raise KeyError_(f"The chain refused to register the signing key: {exc}.",
                                message_zh="区块链拒绝登记签名密钥。") from exc
            block = int(contracts.consortium.w3.eth.block_number)
    else:
        block = int(contracts.consortium.w3.eth.block_number)
    with session_scope(engine) as s:
        row = s.get(SigningKey, row_id)
        assert row is not None
        row.registered_block = block


def _new_key(engine: Engine, centre: int, passphrase: bytes, algorithm: fmt.Algorithm = "EdDSA") -> int:
    private = keystore.generate(algorithm)
    public = check_public_key(algorithm, fmt.public_key_bytes(private))
    key_id = fmt.key_id_for(public)
    with session_scope(engine) as s:
        row = SigningKey(key_id=key_id, centre_code=centre, algorithm=KeyAlgorithm(algorithm),
                         public_key=public, encrypted_private_key=keystore.encrypt(private, passphrase, key_id))
        s.add(row)
        s.flush()
        return row.id


def ensure_signing_key(engine: Engine, centre: int, passphrase: bytes, contracts: Contracts,
                       admin: Callable[[], Sender], algorithm: fmt.Algorithm = "EdDSA") -> ActiveKey:
    """The centre's active key; a first key (of `algorithm`) is generated and registered when
    there is none, and a registration a crash interrupted is finished."""
    with session_scope(engine) as s:
        unregistered = list(s.scalars(
            select(SigningKey.id).where(SigningKey.centre_code == centre, SigningKey.registered_block.is_(None),
                                        SigningKey.retired_at.is_(None))))
    for row_id in unregistered:
        _register(engine, contracts, admin(), row_id)
    active = load_active_key(engine, centre, passphrase)
    if active is None:
        _register(engine, contracts, admin(), _new_key(engine, centre, passphrase, algorithm))
        active = load_active_key(engine, centre, passphrase)
        assert active is not None
    return active


def rotate(engine: Engine, centre: int, passphrase: bytes, contracts: Contracts, admin: Sender,
           drain: Callable[[bytes], None], *, grace: float = 0.0,
           algorithm: fmt.Algorithm | None = None) -> tuple[bytes | None, bytes]:
    """Register a new key and sign with it; then `drain(old_key_id)` (anchor everything signed with
    the old key) and retire the old key on chain. Returns (old key id, new key id). The new key
    is of `algorithm`, else of the old key's algorithm (Ed25519 for a first key).

    `grace` seconds (at least MIN_GRACE) pass between the switch and the drain, so that an issuer
    service that read the old key just before the switch has finished signing with it."""
    old = _active_row(engine, centre)
    if algorithm is None:
        algorithm = old.algorithm.value if old is not None else "EdDSA"
    assert algorithm is not None
    new_id = _new_key(engine, centre, passphrase, algorithm)
    _register(engine, contracts, admin, new_id)
    with session_scope(engine) as s:
        new_row = s.get(SigningKey, new_id)
        assert new_row is not None  # _new_key committed it
        new_key_id = new_row.key_id
    if old is None:
        return None, new_key_id
    # Issuers re-read which key is active every second (issuance.signing._KEY_CHECK): after the grace,
    # none signs with the old key any more, and drain() anchors what they signed with it.
    time.sleep(max(grace, MIN_GRACE))
    drain(old.key_id)
    # A key is valid at anchor time t when valid_from <= t < retired_at: the retirement must land
    # in a later second than the last anchor signed with it.
    w3 = contracts.consortium.w3
    last = int(w3.eth.get_block("latest")["timestamp"])
    while time.time() < last + 1.05:
        time.sleep(0.05)
    retire_key(engine, contracts, admin, old.key_id)
    return old.key_id, new_key_id


def retire_key(engine: Engine, contracts: Contracts, admin: Sender, key_id: bytes) -> datetime:
    try:
        contracts.consortium.retire_key(admin, key_id)
    except ContractError as exc:
        if exc.error != "ConsortiumKeyAlreadyRetired":
            raise KeyError_(f"The chain refused to retire the signing key: {exc}.",
                            message_zh="区块链拒绝停用签名密钥。") from exc
    when = utcnow()
    with session_scope(engine) as s:
        row = s.scalars(select(SigningKey).where(SigningKey.key_id == key_id)).one()
        row.retired_at = when
    return when
