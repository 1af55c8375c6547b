"""The verifier service's API keys, issued per institution and stored hashed.

`hpf verifier keys add --institution 91000003` prints a new key once; only its SHA-256 is kept
(`{home}/verifier/apikeys.sqlite`, 0600), so a copy of the file lets nobody in. A key is looked
up by its hash on every request, so `revoke` takes effect at once in a running service. These
replace keys listed in HPF_VERIFIER_API_KEYS (still read, deprecated); on the local demo network
the DEMO keys `demo-key-<institution>` keep working.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["KEY_PREFIX", "ApiKeyStore", "StoredKey", "key_store_path"]

KEY_PREFIX = "hpfk_"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY, institution INTEGER NOT NULL, label TEXT NOT NULL, shown TEXT NOT NULL,
    key_hash BLOB NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER);
"""


def key_store_path(home: Path) -> Path:
    return home / "verifier" / "apikeys.sqlite"


def _hash(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


@dataclass(frozen=True, kw_only=True)
class StoredKey:
    id: int
    institution: int
    label: str
    shown: str  # the key's first characters, to tell keys apart
    created_at: int
    revoked_at: int | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "institution": self.institution, "label": self.label, "key_prefix": self.shown,
                "created_at": self.created_at, "revoked_at": self.revoked_at,
                "status": "revoked" if self.revoked_at else "active"}


class ApiKeyStore:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _conn(self) -> sqlite3.Connection:
        if not self.path.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        db = sqlite3.connect(self.path, timeout=10)
        db.executescript(_SCHEMA)
        return db

    def add(self, institution: int, label: str = "") -> tuple[StoredKey, str]:
        """A new key for `institution`: (its record, the key itself — shown once, never stored)."""
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        now = int(time.time())
        with self._conn() as db:
            cur = db.execute(
                "INSERT INTO api_keys (institution, label, shown, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                (institution, label, key[:12], _hash(key), now))
            key_id = int(cur.lastrowid or 0)
        return StoredKey(id=key_id, institution=institution, label=label, shown=key[:12], created_at=now,
                         revoked_at=None), key

    def list(self) -> list[StoredKey]:
        if not self.path.exists():
            return []
        with self._conn() as db:
            rows = db.execute(
                "SELECT id, institution, label, shown, created_at, revoked_at FROM api_keys ORDER BY id").fetchall()
        return [StoredKey(id=r[0], institution=r[1], label=r[2], shown=r[3], created_at=r[4], revoked_at=r[5])
                for r in rows]

    def revoke(self, key_id: int) -> bool:
        """Revoke key `key_id`; False when there is no such active key."""
        with self._conn() as db:
            cur = db.execute("UPDATE api_keys SET revoked_at=? WHERE id=? AND revoked_at IS NULL",
                             (int(time.time()), key_id))
            return cur.rowcount == 1

    def institution_for(self, key: str) -> int | None:
        """The institution an active key belongs to, or None. Looked up by the key's hash."""
        if not key.startswith(KEY_PREFIX) or not self.path.exists():
            return None
        with self._conn() as db:
            row = db.execute("SELECT institution FROM api_keys WHERE key_hash=? AND revoked_at IS NULL",
                             (_hash(key),)).fetchone()
        return int(row[0]) if row else None

    def institutions(self) -> set[int]:
        return {k.institution for k in self.list() if k.revoked_at is None}
