"""An event indexer: a local SQLite copy of everything the contracts emitted.

The services ask it what they would otherwise ask the chain many times over (a centre's keys
over time, a subject's blacklist entries, who accessed a certificate) without a round trip.
Each chunk of blocks is applied in one SQLite transaction together with the "last indexed
block" mark, so a crash at any moment leaves the index at a chunk boundary and `sync` resumes
from there. The chains we target (anvil, QBFT) have immediate finality, so reorganisations are
not handled; `confirmations` holds the index that many blocks behind the head if needed.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import event_abi_to_log_topic, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.events import get_event_data

from node.abi import abi
from node.bindings import BlacklistReason, EntryStatus, KeyAlgorithm, LiftReason, unpack_access_record
from node.log import get_logger
from node.private_files import private_file

log = get_logger("hpf.indexer")

#: Bumped when a table changes: an index of another version is rebuilt from the chain.
INDEX_VERSION = "2"  # 2: batches keyed by (centre, root), as the ledger namespaces them
_TABLES = ("centres", "institutions", "keys", "batches", "revocations", "blacklist", "access_records",
           "trace_keys", "proposals", "appeals")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS centres (
    code INTEGER PRIMARY KEY, name TEXT NOT NULL, admin TEXT NOT NULL, operator TEXT NOT NULL,
    status TEXT NOT NULL, admitted_block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS institutions (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, account TEXT NOT NULL, sponsor INTEGER NOT NULL,
    active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    key_id BLOB PRIMARY KEY, centre INTEGER NOT NULL, algorithm INTEGER NOT NULL, public_key BLOB NOT NULL,
    valid_from INTEGER NOT NULL, valid_until INTEGER);
CREATE INDEX IF NOT EXISTS keys_centre ON keys (centre);
CREATE TABLE IF NOT EXISTS batches (
    root BLOB NOT NULL, centre INTEGER NOT NULL, leaf_count INTEGER NOT NULL,
    anchored_at INTEGER NOT NULL, block INTEGER NOT NULL, tx BLOB NOT NULL, PRIMARY KEY (centre, root));
CREATE TABLE IF NOT EXISTS revocations (
    digest BLOB PRIMARY KEY, root BLOB NOT NULL, centre INTEGER NOT NULL, reason INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL, block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blacklist (
    id INTEGER PRIMARY KEY, subject BLOB NOT NULL, centre INTEGER NOT NULL, reason INTEGER NOT NULL,
    status INTEGER NOT NULL, listed_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, case_hash BLOB NOT NULL,
    lifted_by INTEGER, lift_reason TEXT, block INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS blacklist_subject ON blacklist (subject);
CREATE TABLE IF NOT EXISTS access_records (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, recorder INTEGER NOT NULL, purpose INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL, key_version INTEGER NOT NULL, sealed BLOB NOT NULL, tx BLOB NOT NULL,
    ref BLOB, opened INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (block, log_index));
CREATE INDEX IF NOT EXISTS access_records_ref ON access_records (ref);
CREATE INDEX IF NOT EXISTS access_records_unopened ON access_records (opened);
CREATE TABLE IF NOT EXISTS trace_keys (version INTEGER PRIMARY KEY, public_key BLOB NOT NULL, block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS appeals (id INTEGER PRIMARY KEY, appealed_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS proposals (
    id INTEGER PRIMARY KEY, proposer INTEGER NOT NULL, target TEXT NOT NULL, data BLOB NOT NULL,
    expires_at INTEGER NOT NULL, approvals INTEGER NOT NULL, executed INTEGER NOT NULL);
"""


@dataclass(frozen=True, kw_only=True)
class KeyRecord:
    key_id: bytes
    centre: int
    algorithm: KeyAlgorithm
    public_key: bytes
    valid_from: int
    valid_until: int | None

    def valid_at(self, t: int) -> bool:
        return self.valid_from <= t and (self.valid_until is None or t < self.valid_until)


@dataclass(frozen=True, kw_only=True)
class EntryRecord:
    id: int
    subject: bytes
    centre: int
    reason: BlacklistReason
    status: EntryStatus
    listed_at: int
    expires_at: int
    case_hash: bytes

    def active_at(self, t: int) -> bool:
        return self.status in (EntryStatus.LISTED, EntryStatus.UNDER_APPEAL) and self.expires_at > t


@dataclass(frozen=True, kw_only=True)
class AccessRecord:
    ref: bytes
    recorder: int
    purpose: int
    recorded_at: int
    block: int
    tx: bytes


@dataclass(frozen=True, kw_only=True)
class SyncResult:
    from_block: int
    to_block: int
    events: int
    head: int

    @property
    def behind(self) -> int:
        return max(0, self.head - self.to_block)


Handler = Callable[[sqlite3.Connection, dict[str, Any], dict[str, Any], int], None]


class Indexer:
    """Syncs the events of one deployment into SQLite and answers queries from it."""

    def __init__(
        self,
        w3: Web3,
        addresses: dict[str, str],
        start_block: int,
        db_path: Path | str,
        *,
        confirmations: int = 0,
    ) -> None:
        self.w3 = w3
        self.addresses = {n: to_checksum_address(a) for n, a in addresses.items()}
        self.start_block = start_block
        self.confirmations = confirmations
        self.db_path = str(db_path)
        if self.db_path != ":memory:":
            private_file(self.db_path)  # who is listed, who checked whom: owner only
        self._local = threading.local()
        self._sync_lock = threading.Lock()
        conn = self._conn()
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        version = conn.execute("SELECT value FROM meta WHERE key='index_version'").fetchone()
        if version is None or version[0] != INDEX_VERSION:
            # An index of another layout (or none): rebuild it from the chain rather than mix layouts.
            for table in (*_TABLES, "meta"):
                conn.execute(f"DROP TABLE IF EXISTS {table}")  # noqa: S608 — fixed table names
            conn.commit()
        conn.executescript(SCHEMA)  # executescript commits on its own: keep it outside _tx
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('index_version', ?)", (INDEX_VERSION,))
            stored = db.execute("SELECT value FROM meta WHERE key='consortium'").fetchone()
            if stored is None:
                db.execute("INSERT INTO meta VALUES ('consortium', ?)", (self.addresses["Consortium"],))
            elif stored[0] != self.addresses["Consortium"]:
                # Another deployment: start over rather than mix two chains' facts.
                for table in _TABLES:
                    db.execute(f"DELETE FROM {table}")  # noqa: S608 — fixed table names
                db.execute("DELETE FROM meta")
                db.execute("INSERT INTO meta VALUES ('consortium', ?)", (self.addresses["Consortium"],))
                db.execute("INSERT INTO meta VALUES ('index_version', ?)", (INDEX_VERSION,))
        self._events = self._event_table()

    # --- storage ---

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def last_block(self) -> int:
        """The last block fully indexed (start block − 1 before the first sync)."""
        row = self._conn().execute("SELECT value FROM meta WHERE key='last_block'").fetchone()
        return int(row[0]) if row else self.start_block - 1

    # --- sync ---

    def _event_table(self) -> dict[tuple[str, bytes], tuple[dict[str, Any], Handler]]:
        handlers: dict[str, Handler] = {
            "CentreAdmitted": _on_centre_admitted,
            "CentreSuspended": _on_centre_status("suspended"),
            "CentreReinstated": _on_centre_status("active"),
            "CentreOperatorChanged": _on_operator_changed,
            "InstitutionRegistered": _on_institution_registered,
            "InstitutionSuspended": _on_institution_suspended,
            "KeyRegistered": _on_key_registered,
            "KeyRetired": _on_key_retired,
            "ProposalCreated": _on_proposal_created,
            "ProposalApproved": _on_proposal_approved,
            "ProposalExecuted": _on_proposal_executed,
            "BatchAnchored": _on_batch_anchored,
            "CertificateRevoked": _on_certificate_revoked,
            "EntryListed": _on_entry_listed,
            "EntryLifted": _on_entry_status(EntryStatus.LIFTED),
            "EntryAppealed": _on_entry_status(EntryStatus.UNDER_APPEAL),
            "EntryConfirmed": _on_entry_status(EntryStatus.LISTED),
            "AccessRecorded": _on_access_recorded,
            "TraceKeyChanged": _on_trace_key_changed,
        }
        table: dict[tuple[str, bytes], tuple[dict[str, Any], Handler]] = {}
        for name, address in self.addresses.items():
            for item in abi(name):
                if item["type"] == "event" and item["name"] in handlers:
                    table[(address, bytes(event_abi_to_log_topic(item)))] = (item, handlers[item["name"]])
        return table

    def sync(self, *, to_block: int | None = None, chunk: int = 2000, max_chunks: int | None = None) -> SyncResult:
        """Index new blocks up to `to_block` (default: the head less `confirmations`)."""
        with self._sync_lock:
            head = self.w3.eth.block_number
            target = min(to_block if to_block is not None else head, head) - self.confirmations
            start = self.last_block() + 1
            first, events, chunks = start, 0, 0
            while start <= target and (max_chunks is None or chunks < max_chunks):
                end = min(start + chunk - 1, target)
                events += self._sync_range(start, end)
                start, chunks = end + 1, chunks + 1
            if events:
                log.info("indexed", from_block=first, to_block=start - 1, events=events, head=head)
            return SyncResult(from_block=first, to_block=start - 1, events=events, head=head)

    def _sync_range(self, start: int, end: int) -> int:
        logs = self.w3.eth.get_logs(
            {"fromBlock": start, "toBlock": end, "address": list(self.addresses.values())}
        )
        times = self._block_times({int(lg["blockNumber"]) for lg in logs})
        with self._tx() as db:
            for lg in logs:
                key = (to_checksum_address(lg["address"]), bytes(lg["topics"][0]))
                known = self._events.get(key)
                if known is None:
                    continue
                event_abi, handler = known
                decoded = get_event_data(self.w3.codec, event_abi, lg)
                ctx = {
                    "block": int(lg["blockNumber"]),
                    "log_index": int(lg["logIndex"]),
                    "tx": bytes(HexBytes(lg["transactionHash"])),
                }
                handler(db, dict(decoded["args"]), ctx, times[ctx["block"]])
            db.execute("INSERT OR REPLACE INTO meta VALUES ('last_block', ?)", (str(end),))
        return len(logs)

    def _block_times(self, blocks: set[int]) -> dict[int, int]:
        if not blocks:
            return {}
        ordered = sorted(blocks)
        try:
            with self.w3.batch_requests() as batch:
                for b in ordered:
                    batch.add(self.w3.eth.get_block(b))
                results = batch.execute()
        except TypeError:  # providers without JSON-RPC batches (eth-tester): one call per block
            results = [self.w3.eth.get_block(b) for b in ordered]
        return {b: int(r["timestamp"]) for b, r in zip(ordered, results, strict=True)}

    # --- queries ---

    def keys_of(self, centre: int) -> list[KeyRecord]:
        rows = self._conn().execute(
            "SELECT key_id, centre, algorithm, public_key, valid_from, valid_until FROM keys WHERE centre=? "
            "ORDER BY valid_from",
            (centre,),
        ).fetchall()
        return [_key(r) for r in rows]

    def key(self, key_id: bytes) -> KeyRecord | None:
        r = self._conn().execute(
            "SELECT key_id, centre, algorithm, public_key, valid_from, valid_until FROM keys WHERE key_id=?",
            (key_id,),
        ).fetchone()
        return _key(r) if r else None

    def centre_status(self, code: int) -> str | None:
        r = self._conn().execute("SELECT status FROM centres WHERE code=?", (code,)).fetchone()
        return str(r[0]) if r else None

    def centres(self) -> list[dict[str, Any]]:
        rows = self._conn().execute("SELECT code, name, admin, operator, status FROM centres ORDER BY code")
        return [dict(zip(("code", "name", "admin", "operator", "status"), r, strict=True)) for r in rows]

    def institutions(self) -> list[dict[str, Any]]:
        rows = self._conn().execute("SELECT id, name, account, sponsor, active FROM institutions ORDER BY id")
        return [dict(zip(("id", "name", "account", "sponsor", "active"), r, strict=True)) for r in rows]

    def batch(self, centre: int, root: bytes) -> dict[str, Any] | None:
        """The batch `centre` anchored under `root` (roots are namespaced per centre on chain)."""
        r = self._conn().execute(
            "SELECT centre, leaf_count, anchored_at, block FROM batches WHERE centre=? AND root=?", (centre, root)
        ).fetchone()
        return dict(zip(("centre", "leaf_count", "anchored_at", "block"), r, strict=True)) if r else None

    def entries_of(self, subject: bytes) -> list[EntryRecord]:
        rows = self._conn().execute(
            "SELECT id, subject, centre, reason, status, listed_at, expires_at, case_hash FROM blacklist "
            "WHERE subject=? ORDER BY id",
            (subject,),
        ).fetchall()
        return [_entry(r) for r in rows]

    def active_entries_of(self, subject: bytes, at: int) -> list[EntryRecord]:
        rows = self._conn().execute(
            "SELECT id, subject, centre, reason, status, listed_at, expires_at, case_hash FROM blacklist "
            "WHERE subject=? AND status IN (1, 2) AND expires_at > ? ORDER BY id",
            (subject, at),
        ).fetchall()
        return [_entry(r) for r in rows]

    def active_entries_by_subject(self, at: int) -> dict[bytes, list[EntryRecord]]:
        """Every entry active at `at`, by subject: one snapshot for checking many people at once."""
        rows = self._conn().execute(
            "SELECT id, subject, centre, reason, status, listed_at, expires_at, case_hash FROM blacklist "
            "WHERE status IN (1, 2) AND expires_at > ? ORDER BY id",
            (at,),
        ).fetchall()
        out: dict[bytes, list[EntryRecord]] = {}
        for r in rows:
            e = _entry(r)
            out.setdefault(e.subject, []).append(e)
        return out

    def blacklist_statistics(self, at: int, *, soon: int) -> dict[str, Any]:
        """Active entries by centre and by reason, and those expiring before `soon`."""
        db = self._conn()
        active = "status IN (1, 2) AND expires_at > ?"
        by_centre = {c: n for c, n in db.execute(
            f"SELECT centre, count(*) FROM blacklist WHERE {active} GROUP BY centre", (at,))}  # noqa: S608
        by_reason = {BlacklistReason(r).name.lower().replace("_", "-"): n for r, n in db.execute(
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
        r = self._conn().execute(
            "SELECT id, subject, centre, reason, status, listed_at, expires_at, case_hash FROM blacklist WHERE id=?",
            (entry_id,),
        ).fetchone()
        return _entry(r) if r else None

    def trace_key_versions(self, private_keys: list[bytes]) -> dict[int, bytes]:
        """Which trace key versions (as indexed from TraceKeyChanged) these private keys open."""
        from node.sealing import trace_public_key  # noqa: PLC0415

        mine = {trace_public_key(k): k for k in private_keys}
        rows = self._conn().execute("SELECT version, public_key FROM trace_keys").fetchall()
        return {int(v): mine[bytes(pk)] for v, pk in rows if bytes(pk) in mine}

    def open_accesses(self, trace_keys: dict[int, bytes]) -> int:
        """Unseal the access records this holder of the trace key's private halves can read
        (`trace_keys`: key version → 32-byte X25519 private key) and keep their references for
        `accesses_to`. Each record is tried once per call that has its key version; returns how
        many were opened. Only member centres hold these keys (docs/privacy.md)."""
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: PLC0415

        from node.sealing import open_sealed  # noqa: PLC0415

        keys = {v: X25519PrivateKey.from_private_bytes(k) for v, k in trace_keys.items()}
        if not keys:
            return 0
        # Records that did not open under other keys get another try when the keys change
        # (a centre that fixes its HPF_TRACE_KEYS).
        fingerprint = ",".join(f"{v}:{hashlib.sha256(trace_keys[v]).hexdigest()[:16]}" for v in sorted(trace_keys))
        with self._tx() as db:
            stored = db.execute("SELECT value FROM meta WHERE key='trace_keys'").fetchone()
            if stored is None or stored[0] != fingerprint:
                db.execute("UPDATE access_records SET opened = 0 WHERE opened = 2")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('trace_keys', ?)", (fingerprint,))
        marks = ",".join("?" * len(keys))
        rows = self._conn().execute(
            f"SELECT block, log_index, purpose, key_version, sealed FROM access_records "  # noqa: S608
            f"WHERE opened = 0 AND key_version IN ({marks})", tuple(keys)).fetchall()
        done: list[tuple[bytes | None, int, int, int]] = []
        for block, log_index, purpose, version, sealed in rows:
            ref = open_sealed(keys[version], bytes(sealed), purpose=purpose, key_version=version)
            # 1 opened, 2 not sealed to our key (a recorder to ask about, see docs/privacy.md)
            done.append((ref, 1 if ref is not None else 2, block, log_index))
        with self._tx() as db:
            db.executemany("UPDATE access_records SET ref=?, opened=? WHERE block=? AND log_index=?", done)
        return sum(1 for d in done if d[1] == 1)

    def unreadable_accesses(self) -> int:
        """Records tried with the right key version that did not open: not sealed as required."""
        return int(self._conn().execute("SELECT count(*) FROM access_records WHERE opened = 2").fetchone()[0])

    def accesses_to(self, ref: bytes) -> list[AccessRecord]:
        """The opened access records of `ref` (see `open_accesses`), oldest first."""
        rows = self._conn().execute(
            "SELECT ref, recorder, purpose, recorded_at, block, tx FROM access_records WHERE ref=? "
            "ORDER BY block, log_index",
            (ref,),
        ).fetchall()
        return [
            AccessRecord(ref=r[0], recorder=r[1], purpose=r[2], recorded_at=r[3], block=r[4], tx=r[5]) for r in rows
        ]

    def count(self, table: str) -> int:
        if table not in _TABLES:
            raise ValueError(table)
        return int(self._conn().execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def _key(r: Any) -> KeyRecord:
    return KeyRecord(
        key_id=bytes(r[0]), centre=r[1], algorithm=KeyAlgorithm(r[2]), public_key=bytes(r[3]), valid_from=r[4],
        valid_until=r[5],
    )


def _entry(r: Any) -> EntryRecord:
    return EntryRecord(
        id=r[0], subject=bytes(r[1]), centre=r[2], reason=BlacklistReason(r[3]), status=EntryStatus(r[4]),
        listed_at=r[5], expires_at=r[6], case_hash=bytes(r[7]),
    )


# --- event handlers: (db, args, ctx, block time) ---


def _on_centre_admitted(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO centres VALUES (?, ?, ?, ?, 'active', ?)",
        (a["code"], a["name"], a["admin"], a["operator"], ctx["block"]),
    )


def _on_centre_status(status: str) -> Handler:
    def handler(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
        db.execute("UPDATE centres SET status=? WHERE code=?", (status, a["code"]))

    return handler


def _on_operator_changed(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute("UPDATE centres SET operator=? WHERE code=?", (a["newOperator"], a["code"]))


def _on_institution_registered(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO institutions VALUES (?, ?, ?, ?, 1)", (a["id"], a["name"], a["account"], a["sponsor"])
    )


def _on_institution_suspended(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute("UPDATE institutions SET active=0 WHERE id=?", (a["id"],))


def _on_key_registered(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO keys VALUES (?, ?, ?, ?, ?, NULL)",
        (bytes(a["keyId"]), a["centre"], a["algorithm"], bytes(a["publicKey"]), a["validFrom"]),
    )


def _on_key_retired(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute("UPDATE keys SET valid_until=? WHERE key_id=?", (a["validUntil"], bytes(a["keyId"])))


def _on_proposal_created(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO proposals VALUES (?, ?, ?, ?, ?, 0, 0)",
        (a["proposalId"], a["proposer"], a["target"], bytes(a["data"]), a["expiresAt"]),
    )


def _on_proposal_approved(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute("UPDATE proposals SET approvals=? WHERE id=?", (a["approvals"], a["proposalId"]))


def _on_proposal_executed(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute("UPDATE proposals SET executed=1 WHERE id=?", (a["proposalId"],))


def _on_batch_anchored(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO batches VALUES (?, ?, ?, ?, ?, ?)",
        (bytes(a["root"]), a["centre"], a["leafCount"], t, ctx["block"], ctx["tx"]),
    )


def _on_certificate_revoked(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO revocations VALUES (?, ?, ?, ?, ?, ?)",
        (bytes(a["digest"]), bytes(a["root"]), a["centre"], a["reason"], t, ctx["block"]),
    )


def _on_entry_listed(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO blacklist VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?)",
        (a["id"], bytes(a["subject"]), a["centre"], a["reason"], int(EntryStatus.LISTED), t, a["expiresAt"],
         bytes(a["caseHash"]), ctx["block"]),
    )


def _on_entry_status(status: EntryStatus) -> Handler:
    def handler(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
        if status is EntryStatus.LIFTED:
            db.execute(
                "UPDATE blacklist SET status=?, lifted_by=?, lift_reason=? WHERE id=?",
                (int(status), a["liftedBy"], LiftReason(a["reason"]).name.lower().replace("_", "-"), a["id"]),
            )
        else:
            db.execute("UPDATE blacklist SET status=? WHERE id=?", (int(status), a["id"]))
        if status is EntryStatus.UNDER_APPEAL:
            db.execute("INSERT OR REPLACE INTO appeals VALUES (?, ?)", (a["id"], t))
        else:
            db.execute("DELETE FROM appeals WHERE id=?", (a["id"],))

    return handler


def _on_access_recorded(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    f = unpack_access_record(int(a["record"]))
    sealed = bytes(a["enc"]) + bytes(a["ciphertext"]) + bytes(a["tag"])
    db.execute(
        "INSERT OR REPLACE INTO access_records (block, log_index, recorder, purpose, recorded_at, key_version, "
        "sealed, tx) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (ctx["block"], ctx["log_index"], f.recorder, int(f.purpose), f.recorded_at, f.key_version, sealed, ctx["tx"]),
    )


def _on_trace_key_changed(db: sqlite3.Connection, a: dict[str, Any], ctx: dict[str, Any], t: int) -> None:
    db.execute("INSERT OR REPLACE INTO trace_keys VALUES (?, ?, ?)", (a["version"], bytes(a["publicKey"]), ctx["block"]))
