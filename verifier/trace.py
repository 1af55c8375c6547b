"""Recording verifications on chain (AccessTrace) in batches, without losing any.

Each record's reference (certificate digest or subject reference) is sealed to the consortium's
trace key when it is sent (node/sealing.py): on chain it links to nothing (docs/privacy.md).

A verification is *acknowledged* once its record is committed to a small SQLite queue; a
flusher sends queued records in one `record` transaction when the queue reaches `batch_size`
or `interval` seconds pass. Before sending, the rows are marked with the transaction hash; a
restart checks that transaction's receipt, so a crash between sending and deleting neither
loses the records nor records them twice.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

from hexbytes import HexBytes
from web3 import Web3

from node.bindings import AccessPurpose, AccessTraceBinding, ConsortiumBinding, Role, Sender
from node.chain import connect
from node.chain_accounts import institution_account
from node.deploy import DeploymentRecord
from node.errors import ConfigError
from node.log import get_logger
from node.private_files import private_file
from node.sender import account_sender
from node.settings import Settings
from verifier.result import VerificationResult

log = get_logger("hpf.trace")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, ref BLOB NOT NULL, purpose INTEGER NOT NULL,
    queued_at REAL NOT NULL, tx TEXT);
"""


class TraceQueue:
    """A durable queue of access records for one recorder account, flushed in batches."""

    def __init__(self, db_path: Path, trace: AccessTraceBinding, sender: Sender, *, batch_size: int = 100,
                 interval: float = 2.0, fsync: bool = False) -> None:
        private_file(db_path)  # who checked which certificate: owner only
        self.db_path = db_path
        self.trace = trace
        self.sender = sender
        self.batch_size = batch_size
        self.interval = interval
        self._db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        # WAL with synchronous=NORMAL: a committed record survives a crash of this process (the
        # operating system holds the log); FULL would fsync every request and cap the API near
        # 150 requests a second. `fsync` (setting HPF_TRACE_FSYNC=1) survives power loss too.
        sync = "FULL" if fsync else "NORMAL"
        self._db.execute(f"PRAGMA synchronous={sync}")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._flusher_lock: int | None = None

    def _claim_flusher(self) -> bool:
        """Only one process sends for a queue (API workers share it): an exclusive file lock,
        released by the operating system if that process dies."""
        if self._flusher_lock is not None:
            return True
        fd = os.open(str(self.db_path) + ".flusher.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._flusher_lock = fd
        return True

    def add(self, records: list[tuple[bytes, AccessPurpose]]) -> None:
        """Queue records durably; when this returns they are acknowledged."""
        if not records:
            return
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany(
                "INSERT INTO queue (ref, purpose, queued_at) VALUES (?, ?, ?)", [(r, int(p), now) for r, p in records]
            )
            self._db.execute("COMMIT")
            pending = self._db.execute("SELECT count(*) FROM queue").fetchone()[0]
        if pending >= self.batch_size:
            self._wake.set()

    def pending(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM queue").fetchone()[0])

    def reconcile(self) -> None:
        """Settle rows marked with a transaction: delete them if it was mined, else unmark them."""
        with self._lock:
            txs = [r[0] for r in self._db.execute("SELECT DISTINCT tx FROM queue WHERE tx IS NOT NULL")]
        for tx in txs:
            try:
                receipt = self.sender.w3.eth.get_transaction_receipt(HexBytes(tx))
            except Exception:  # noqa: BLE001 — not found (never mined) or unreadable: resent below
                receipt = None
            with self._lock:
                if receipt is not None and receipt["status"] == 1:
                    self._db.execute("DELETE FROM queue WHERE tx=?", (tx,))
                else:
                    self._db.execute("UPDATE queue SET tx=NULL WHERE tx=?", (tx,))

    def flush(self) -> int:
        """Send up to `batch_size` queued records in one transaction. Returns how many were recorded
        (0 when another process is the flusher for this queue)."""
        if not self._claim_flusher():
            return 0
        self.reconcile()
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, ref, purpose FROM queue WHERE tx IS NULL ORDER BY seq LIMIT ?", (self.batch_size,)
            ).fetchall()
        if not rows:
            return 0
        # Sealed now, to the trace key on chain now: the plain references never leave this queue.
        sealed, purposes = self.trace.seal([(bytes(r[1]), AccessPurpose(int(r[2]))) for r in rows])
        tx_hash = self.sender.send(self.trace.contract.functions.record(sealed, purposes), wait=False)
        tx = "0x" + bytes(tx_hash).hex()
        with self._lock:
            self._db.executemany("UPDATE queue SET tx=? WHERE seq=?", [(tx, r[0]) for r in rows])
        self.sender.wait(tx_hash)
        with self._lock:
            self._db.execute("DELETE FROM queue WHERE tx=?", (tx,))
        log.info("access records sent", count=len(rows), tx=tx)
        return len(rows)

    def flush_all(self) -> int:
        total = 0
        while (n := self.flush()) > 0:
            total += n
        return total

    def start(self) -> None:
        """Flush in the background by size or every `interval` seconds."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="trace-flusher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        try:
            self.flush_all()
        except Exception as exc:  # noqa: BLE001 — stopping must not fail: the records stay queued for the next start
            log.warning("access records left queued", error=str(exc), pending=self.pending())
        if self._flusher_lock is not None:
            os.close(self._flusher_lock)
            self._flusher_lock = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                while self.flush() >= self.batch_size:
                    pass
            except Exception as exc:  # noqa: BLE001 — the chain may be down: keep the records and retry later
                log.warning("access trace flush failed; will retry", error=str(exc))


class WrongInstitution(ConfigError):
    """The configured account is not the chain account of the institution named (`--as`, API key)."""


def check_institution_account(w3: Web3, consortium_address: str, account: str, institution: int) -> None:
    """Refuse to record for `institution` with an account the chain says is someone else's: a
    trace must name the institution that checked."""
    a = ConsortiumBinding(w3, consortium_address).account(account)
    if a.role is not Role.INSTITUTION or a.id != institution:
        whose = f"institution {a.id}" if a.role is Role.INSTITUTION else ("no institution" if a.role is Role.NONE
                                                                          else f"centre {a.id}")
        raise WrongInstitution(
            f"The configured chain account {account} belongs to {whose}, not to institution {institution}: "
            "use that institution's own account (HPF_INSTITUTION_KEY or its `hpf lender init` key file)."
        )
    if not a.active:
        raise WrongInstitution(f"Institution {institution} is suspended: its checks cannot be recorded.")


def open_queue(settings: Settings, institution: int, w3: Web3 | None = None) -> TraceQueue:
    w3 = w3 or connect(settings)
    record = DeploymentRecord.load(settings.deployment_file)
    trace = AccessTraceBinding(w3, record.addresses()["AccessTrace"])
    account = institution_account(settings, institution)
    check_institution_account(w3, record.addresses()["Consortium"], account.address, institution)
    sender = account_sender(w3, account, settings)
    return TraceQueue(settings.home / "verifier" / f"trace-{institution}.sqlite", trace, sender,
                      fsync=settings.trace_fsync)


def record_verifications(settings: Settings, institution: int, results: list[VerificationResult]) -> None:
    """CLI path: queue one record per verified certificate, then flush what is queued."""
    queue = open_queue(settings, institution)
    queue.add([(bytes.fromhex(r.digest[2:]), AccessPurpose.CERTIFICATE_VERIFIED) for r in results if r.digest])
    queue.flush_all()
