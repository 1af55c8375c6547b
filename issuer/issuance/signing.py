"""Signing certificates: the centre's active key (re-read as keys rotate) and certificate rows
signed with it, in this process or in worker processes that hold the key."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from issuer.db import Account, CertificateStatus, SigningKey, session_scope
from issuer.db.models import utcnow
from issuer.ids import subject_ref
from issuer.issuance.content import AccountFacts, account_summary, certificate_content
from issuer.issuance.errors import IssuanceError
from issuer.keys import ActiveKey, load_active_key
from issuer.keystore import private_from_raw
from verifier import format as fmt
from verifier.disclosure import for_purpose

__all__ = ["KeyRing", "sign_certificates"]

_KEY_CHECK = 1.0  # seconds between reads of which key is active (rotation waits longer: see keys.py)


class KeyRing:
    """The centre's key to sign with now. Which key is active is read from the database at most
    every `_KEY_CHECK` seconds (a rotation waits longer before retiring the old key); the
    decrypted key is cached."""

    def __init__(self, *, engine: Engine, centre: int, passphrase: bytes) -> None:
        self.engine = engine
        self.centre = centre
        self.passphrase = passphrase
        self._key: ActiveKey | None = None
        self._lock = threading.Lock()
        self._checked: tuple[float, bytes] = (0.0, b"")

    def active_key(self) -> ActiveKey:
        checked_at, key_id = self._checked
        if time.monotonic() - checked_at > _KEY_CHECK:
            with session_scope(self.engine) as s:
                key_id = s.scalar(
                    select(SigningKey.key_id)
                    .where(SigningKey.centre_code == self.centre, SigningKey.registered_block.is_not(None),
                           SigningKey.retired_at.is_(None))
                    .order_by(SigningKey.id.desc()).limit(1)
                ) or b""
            self._checked = (time.monotonic(), key_id)
        with self._lock:
            if self._key is not None and self._key.key_id == key_id:
                return self._key
            key = load_active_key(self.engine, self.centre, self.passphrase)
            if key is None:
                raise IssuanceError(
                    f"Centre {self.centre} has no registered signing key: run `hpf issuer rotate-key "
                    f"--centre {self.centre}` (or start the service, which creates one).",
                    message_zh=f"中心 {self.centre} 没有已登记的签名密钥。",
                )
            self._key = key
            return key

    def key_json(self) -> dict[str, str] | None:
        """The active key as status reports it; None when there is none (yet)."""
        try:
            return self.active_key().to_json()
        except Exception:  # noqa: BLE001 - status reports what it can; no key (yet) is null
            return None


def sign_certificates(
    key: ActiveKey, consortium_key: bytes, accounts: Sequence[AccountFacts | Account], numbers: Sequence[str],
    *, purpose: str, audience: int | None, issued_at: int, valid_until: int, supersedes: tuple[int, str] | None = None,
    minimal: bool = False,
) -> list[dict[str, Any]]:
    """Certificate rows (status SIGNED, no batch yet) for the accounts, signed with `key`;
    `supersedes` (row id, number) of the certificate a single new one replaces; `minimal`: the
    purpose's minimal certificate (verifier/disclosure.py) instead of the full one."""
    issued = datetime.fromtimestamp(issued_at, UTC)
    until = datetime.fromtimestamp(valid_until, UTC)
    requested = utcnow()
    rows = []
    for account, number in zip(accounts, numbers, strict=True):
        subject = subject_ref(consortium_key, account.id_number, normalised=True)
        content = certificate_content(account, account_summary(account), number=number, purpose=purpose,
                                      audience=audience, issued_at=issued_at, valid_until=valid_until,
                                      subject=subject, supersedes=supersedes[1] if supersedes else None)
        if minimal:
            signed = fmt.sign(for_purpose(content), key.private_key, key.key_id, key.algorithm)
        else:
            signed = fmt.sign(content, key.private_key, key.key_id, key.algorithm)
        rows.append({
            "centre_code": account.centre_code,
            "number": number,
            "account_id": account.id,
            "purpose": purpose,
            "audience": audience,
            "issued_at": issued,
            "valid_until": until,
            "digest": fmt.certificate_digest(signed),
            "key_id": key.key_id,
            "cose": fmt.to_cose(signed),
            "status": CertificateStatus.SIGNED,
            "requested_at": requested,
            **({"supersedes_id": supersedes[0]} if supersedes else {}),
        })
    return rows


# Worker processes for bulk signing: each holds the signing key, sent once at start.
_worker_key: tuple[ActiveKey, bytes] | None = None


def worker_init(private_raw: bytes, key_id: bytes, consortium_key: bytes, algorithm: fmt.Algorithm = "EdDSA",
                public_key: bytes = b"") -> None:
    """Initializer of a bulk signing worker process: load the key it signs with."""
    global _worker_key  # noqa: PLW0603 — per-process state set by the pool's initializer
    private = private_from_raw(algorithm, private_raw, public_key)
    _worker_key = (ActiveKey(key_id=key_id, algorithm=algorithm, private_key=private,
                             public_key=fmt.public_key_bytes(private)), consortium_key)


def worker_sign(accounts: list[AccountFacts], numbers: list[str], purpose: str, issued_at: int,
                valid_until: int) -> list[dict[str, Any]]:
    """Sign a chunk of accounts in a worker process (`worker_init` ran)."""
    assert _worker_key is not None
    key, consortium_key = _worker_key
    return sign_certificates(key, consortium_key, accounts, numbers, purpose=purpose, audience=None,
                             issued_at=issued_at, valid_until=valid_until)
