"""Reading the index: a centre's keys, a subject's blacklist entries, who accessed what, and more.

`IndexQueries` only reads what `Indexer.sync` wrote, except `open_accesses`, which unseals the
access records a holder of the trace key can read and keeps their references (docs/privacy.md).
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from node.bindings.values import BlacklistReason, enum_code
from node.indexer.records import (
    ENTRY_COLUMNS,
    KEY_COLUMNS,
    AccessRecord,
    EntryRecord,
    KeyRecord,
    entry_record,
    key_record,
)
from node.indexer.store import IndexStore
from node.sealing import open_sealed, trace_public_key

__all__ = ["IndexQueries"]


class IndexQueries:
    """The queries over one index file."""

    def __init__(self, store: IndexStore) -> None:
        self._store = store

    def keys_of(self, centre: int) -> list[KeyRecord]:
        rows = self._store.conn().execute(
            f"SELECT {KEY_COLUMNS} FROM keys WHERE centre=? "  # noqa: S608 — fixed columns
            "ORDER BY valid_from",
            (centre,),
        ).fetchall()
        return [key_record(r) for r in rows]

    def key(self, key_id: bytes) -> KeyRecord | None:
        r = self._store.conn().execute(
            f"SELECT {KEY_COLUMNS} FROM keys WHERE key_id=?",  # noqa: S608 — fixed columns
            (key_id,),
        ).fetchone()
        return key_record(r) if r else None

    def centre_status(self, code: int) -> str | None:
        r = self._store.conn().execute("SELECT status FROM centres WHERE code=?", (code,)).fetchone()
        return str(r[0]) if r else None

    def centres(self) -> list[dict[str, Any]]:
        rows = self._store.conn().execute("SELECT code, name, admin, operator, status FROM centres ORDER BY code")
        return [dict(zip(("code", "name", "admin", "operator", "status"), r, strict=True)) for r in rows]

    def institutions(self) -> list[dict[str, Any]]:
        rows = self._store.conn().execute("SELECT id, name, account, sponsor, active FROM institutions ORDER BY id")
        return [dict(zip(("id", "name", "account", "sponsor", "active"), r, strict=True)) for r in rows]

    def batch(self, centre: int, root: bytes) -> dict[str, Any] | None:
        """The batch `centre` anchored under `root` (roots are namespaced per centre on chain)."""
        r = self._store.conn().execute(
            "SELECT centre, leaf_count, anchored_at, block FROM batches WHERE centre=? AND root=?", (centre, root)
        ).fetchone()
        return dict(zip(("centre", "leaf_count", "anchored_at", "block"), r, strict=True)) if r else None

    def entries_of(self, subject: bytes) -> list[EntryRecord]:
        rows = self._store.conn().execute(
            f"SELECT {ENTRY_COLUMNS} FROM blacklist "  # noqa: S608 — fixed columns
            "WHERE subject=? ORDER BY id",
            (subject,),
        ).fetchall()
        return [entry_record(r) for r in rows]

    def active_entries_of(self, subject: bytes, at: int) -> list[EntryRecord]:
        rows = self._store.conn().execute(
            f"SELECT {ENTRY_COLUMNS} FROM blacklist "  # noqa: S608 — fixed columns
            "WHERE subject=? AND status IN (1, 2) AND expires_at > ? ORDER BY id",
            (subject, at),
        ).fetchall()
        return [entry_record(r) for r in rows]

    def active_entries_by_subject(self, at: int) -> dict[bytes, list[EntryRecord]]:
        """Every entry active at `at`, by subject: one snapshot for checking many people at once."""
        rows = self._store.conn().execute(
            f"SELECT {ENTRY_COLUMNS} FROM blacklist "  # noqa: S608 — fixed columns
            "WHERE status IN (1, 2) AND expires_at > ? ORDER BY id",
            (at,),
        ).fetchall()
        out: dict[bytes, list[EntryRecord]] = {}
        for r in rows:
            e = entry_record(r)
            out.setdefault(e.subject, []).append(e)
        return out

    def blacklist_statistics(self, at: int, *, soon: int) -> dict[str, Any]:
        """Active entries by centre and by reason, and those expiring before `soon`."""
        db = self._store.conn()
        active = "status IN (1, 2) AND expires_at > ?"
        by_centre = dict(db.execute(
            f"SELECT centre, count(*) FROM blacklist WHERE {active} GROUP BY centre", (at,)))  # noqa: S608
        by_reason = {enum_code(BlacklistReason(r)): n for r, n in db.execute(
            f"SELECT reason, count(*) FROM blacklist WHERE {active} GROUP BY reason", (at,))}  # noqa: S608
        expiring = [
            {"id": r[0], "centre": r[1], "expires_at": r[2]}
            for r in db.execute(
                f"SELECT id, centre, expires_at FROM blacklist WHERE {active} AND expires_at <= ? "  # noqa: S608
                "ORDER BY expires_at", (at, soon))
        ]
        under_appeal = db.execute("SELECT count(*) FROM blacklist WHERE status = 2 AND expires_at > ?", (at,))
        open_appeals = [
            {"id": r[0], "centre": r[1], "appealed_at": r[2], "age_days": (at - r[2]) // 86400 if r[2] else None}
            for r in db.execute(
                "SELECT b.id, b.centre, a.appealed_at FROM blacklist b LEFT JOIN appeals a ON a.id = b.id "
                "WHERE b.status = 2 AND b.expires_at > ? ORDER BY a.appealed_at", (at,))
        ]
        return {"by_centre": by_centre, "by_reason": by_reason, "expiring_soon": expiring,
                "under_appeal": under_appeal.fetchone()[0], "open_appeals": open_appeals, "lifted": db.execute(
                    "SELECT count(*) FROM blacklist WHERE status = 3").fetchone()[0]}

    def entry(self, entry_id: int) -> EntryRecord | None:
        r = self._store.conn().execute(
            f"SELECT {ENTRY_COLUMNS} FROM blacklist WHERE id=?",  # noqa: S608 — fixed columns
            (entry_id,),
        ).fetchone()
        return entry_record(r) if r else None

    def trace_key_versions(self, private_keys: list[bytes]) -> dict[int, bytes]:
        """Which trace key versions (as indexed from TraceKeyChanged) these private keys open."""
        mine = {trace_public_key(k): k for k in private_keys}
        rows = self._store.conn().execute("SELECT version, public_key FROM trace_keys").fetchall()
        return {int(v): mine[bytes(pk)] for v, pk in rows if bytes(pk) in mine}

    def open_accesses(self, trace_keys: dict[int, bytes]) -> int:
        """Unseal the access records this holder of the trace key's private halves can read
        (`trace_keys`: key version → 32-byte X25519 private key) and keep their references for
        `accesses_to`. Each record is tried once per call that has its key version; returns how
        many were opened. Only member centres hold these keys (docs/privacy.md)."""
        keys = {v: X25519PrivateKey.from_private_bytes(k) for v, k in trace_keys.items()}
        if not keys:
            return 0
        # Records that did not open under other keys get another try when the keys change
        # (a centre that fixes its HPF_TRACE_KEYS).
        fingerprint = ",".join(f"{v}:{hashlib.sha256(trace_keys[v]).hexdigest()[:16]}" for v in sorted(trace_keys))
        with self._store.transaction() as db:
            stored = db.execute("SELECT value FROM meta WHERE key='trace_keys'").fetchone()
            if stored is None or stored[0] != fingerprint:
                db.execute("UPDATE access_records SET opened = 0 WHERE opened = 2")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('trace_keys', ?)", (fingerprint,))
        marks = ",".join("?" * len(keys))
        rows = self._store.conn().execute(
            f"SELECT block, log_index, purpose, key_version, sealed FROM access_records "  # noqa: S608
            f"WHERE opened = 0 AND key_version IN ({marks})", tuple(keys)).fetchall()
        done: list[tuple[bytes | None, int, int, int]] = []
        for block, log_index, purpose, version, sealed in rows:
            ref = open_sealed(keys[version], bytes(sealed), purpose=purpose, key_version=version)
            # 1 opened, 2 not sealed to our key (a recorder to ask about, see docs/privacy.md)
            done.append((ref, 1 if ref is not None else 2, block, log_index))
        with self._store.transaction() as db:
            db.executemany("UPDATE access_records SET ref=?, opened=? WHERE block=? AND log_index=?", done)
        return sum(1 for d in done if d[1] == 1)

    def unreadable_accesses(self) -> int:
        """Records tried with the right key version that did not open: not sealed as required."""
        return int(self._store.conn().execute("SELECT count(*) FROM access_records WHERE opened = 2").fetchone()[0])

    def accesses_to(self, ref: bytes) -> list[AccessRecord]:
        """The opened access records of `ref` (see `open_accesses`), oldest first."""
        rows = self._store.conn().execute(
            "SELECT ref, recorder, purpose, recorded_at, block, tx FROM access_records WHERE ref=? "
            "ORDER BY block, log_index",
            (ref,),
        ).fetchall()
        return [
            AccessRecord(ref=r[0], recorder=r[1], purpose=r[2], recorded_at=r[3], block=r[4], tx=r[5]) for r in rows
        ]

    def count(self, table: str) -> int:
        return self._store.count(table)
