"""One transaction sender per chain account, shared by everything a centre writes (anchoring,
revocation, key registration, blacklist, access trace) and safe across worker processes.

Nonces: every process that sends for an account takes the account's file lock for the span
"choose nonce → sign → send", so two processes never sign the same nonce (testing found "nonce
too low" 500s when the portal's workers collided). Inside the lock the nonce is the one this
process counted, if the lock file says nobody else sent since; otherwise the node's pending count
(one round trip). A process that crashes between signing and sending leaves no gap: the lock
file is written only after the node accepted the transactions.

Fees: EIP-1559, max fee = 2 × latest base fee + 1 gwei tip, cached for a few seconds.
Receipts: polled; a transaction the node no longer knows (dropped from its pool, a node
restarted from an older state) is sent again from its signed bytes.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_account.types import TransactionDictType
from eth_typing import HexStr
from eth_utils import keccak

from node.bindings import Sender, decode_revert
from node.errors import ContractError
from node.rpc import ChainUnavailable, RpcClient

__all__ = ["NonceLock", "TxSender", "account_lock", "account_sender", "lock_path"]

_FEE_TTL = 5.0
PRIORITY_FEE = 1_000_000_000  # 1 gwei: geth's default txpool price floor
RESEND_AFTER = 6.0  # seconds without a receipt before asking the node whether it still has the tx


def lock_path(home: Path, chain_id: int, address: str) -> Path:
    """The file every process sending for `address` on chain `chain_id` locks."""
    return Path(home) / "locks" / f"{chain_id}-{address.lower()}.nonce"


class NonceLock:
    """The cross-process lock and nonce record of one account (fcntl lock on a small JSON file)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._thread_lock = threading.RLock()
        self._token = uuid.uuid4().hex  # this process's (this object's) mark in the file
        self._next: int | None = None

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Lock a file that is never replaced (the record next to it is, atomically).
            fd = os.open(self.path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    def cached(self) -> int | None:
        """The next nonce this process counted, if nobody else sent since (lock held)."""
        if self._next is None:
            return None
        try:
            rec = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            return None
        if rec.get("owner") == self._token and rec.get("next") == self._next:
            return self._next
        return None

    def record(self, next_nonce: int) -> None:
        """After the node accepted transactions up to `next_nonce - 1` (lock held)."""
        self._next = next_nonce
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"owner": self._token, "next": next_nonce}))
        os.replace(tmp, self.path)

    def forget(self) -> None:
        self._next = None


class TxSender:
    """Signs and sends one account's transactions; see the module doc."""

    def __init__(self, rpc: RpcClient, account: LocalAccount, *, chain_id: int, lock: NonceLock) -> None:
        self.rpc = rpc
        self.account = account
        self.address = account.address
        self.chain_id = chain_id
        self.lock = lock
        self._fees: tuple[float, int, int] | None = None
        self._raw: dict[bytes, bytes] = {}  # hash -> signed bytes, for resubmission (bounded)

    # --- fees and nonces ---

    def fee_params(self) -> tuple[int, int]:
        now = time.monotonic()
        if self._fees is None or now - self._fees[0] > _FEE_TTL:
            block = self.rpc.call("eth_getBlockByNumber", ["latest", False])
            base = int(block.get("baseFeePerGas") or "0x0", 16)
            self._fees = (now, 2 * base + PRIORITY_FEE, PRIORITY_FEE)
        return self._fees[1], self._fees[2]

    def _first_nonce(self) -> int:
        cached = self.lock.cached()
        if cached is not None:
            return cached
        return int(self.rpc.call("eth_getTransactionCount", [self.address, "pending"]), 16)

    def reset(self) -> None:
        """Forget the counted nonce and fees: re-read both from the node next time."""
        self.lock.forget()
        self._fees = None

    # --- sending ---

    @contextmanager
    def sending(self) -> Iterator[_Slot]:
        """Hold the account for "sign, (record the hashes), send"; see `_Slot`."""
        with self.lock.held():
            slot = _Slot(self)
            try:
                yield slot
            finally:
                if slot.accepted is not None:
                    self.lock.record(slot.accepted)
                else:
                    self.lock.forget()

    def sign_and_send(self, items: list[tuple[str, bytes, int]]) -> list[bytes]:
        """Sign and send (to, data, gas) items in one batch; their hashes."""
        with self.sending() as slot:
            signed = slot.sign(items)
            slot.send([raw for _, raw in signed])
        return [h for h, _ in signed]

    def simulate(self, to: str, data: bytes) -> None:
        """Raise ContractError with the decoded custom error if the call would revert now."""
        body = {"from": self.address, "to": to, "data": "0x" + data.hex()}
        try:
            self.rpc.call("eth_call", [body, "latest"])
        except ChainUnavailable as exc:
            if exc.reply is not None:
                raise decode_revert(exc.reply) from exc
            raise

    def transact(self, to: str, data: bytes, *, gas: int, timeout: float = 120.0) -> dict[str, Any]:
        """Simulate, sign, send and wait for one transaction; ContractError if it would revert."""
        self.simulate(to, data)
        for attempt in (0, 1):
            try:
                (tx_hash,) = self.sign_and_send([(to, data, gas)])
                break
            except ChainUnavailable:
                if attempt:
                    raise
        (receipt,) = self.wait([tx_hash], timeout=timeout)
        if receipt is None:
            raise ChainUnavailable(f"transaction 0x{tx_hash.hex()} was not mined within {timeout:.0f} s")
        if int(receipt["status"], 16) != 1:
            raise ContractError(f"Transaction 0x{tx_hash.hex()} failed on chain.", error="")
        return receipt

    # --- receipts ---

    def receipts(self, tx_hashes: list[bytes]) -> list[dict[str, Any] | None]:
        if not tx_hashes:
            return []
        return self.rpc.call_many([("eth_getTransactionReceipt", ["0x" + h.hex()]) for h in tx_hashes])

    def wait(self, tx_hashes: list[bytes], *, timeout: float = 60.0) -> list[dict[str, Any] | None]:
        """Receipts for the hashes, polling until all are mined or `timeout` passes (None for a
        transaction still unmined then). A transaction the node forgot is sent again."""
        started = time.monotonic()
        deadline = started + timeout
        pending = list(range(len(tx_hashes)))
        got: list[dict[str, Any] | None] = [None] * len(tx_hashes)
        delay = 0.002
        resent_at = started
        while pending:
            for i, r in zip(pending, self.receipts([tx_hashes[i] for i in pending]), strict=True):
                got[i] = r
            pending = [i for i in pending if got[i] is None]
            now = time.monotonic()
            if not pending or now > deadline:
                break
            if now - resent_at > RESEND_AFTER:
                self._resend_forgotten([tx_hashes[i] for i in pending])
                resent_at = now
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        for h in tx_hashes:
            if got[tx_hashes.index(h)] is not None:
                self._raw.pop(h, None)
        return got

    def _resend_forgotten(self, hashes: list[bytes]) -> None:
        known = self.rpc.call_many([("eth_getTransactionByHash", ["0x" + h.hex()]) for h in hashes])
        for h, tx in zip(hashes, known, strict=True):
            raw = self._raw.get(h)
            if tx is None and raw is not None:
                try:
                    self.rpc.call("eth_sendRawTransaction", ["0x" + raw.hex()])
                except ChainUnavailable:
                    pass  # "nonce too low": its nonce was used; the caller's ledger check decides

    def _keep(self, tx_hash: bytes, raw: bytes) -> None:
        if len(self._raw) > 4096:
            self._raw.pop(next(iter(self._raw)))
        self._raw[tx_hash] = raw


class _Slot:
    """Inside `TxSender.sending()`: `sign` takes consecutive nonces, `send` hands the signed
    transactions to the node in one batch. The caller may record the hashes between the two."""

    def __init__(self, sender: TxSender) -> None:
        self.sender = sender
        self._nonce: int | None = None
        self.accepted: int | None = None

    def sign(self, items: list[tuple[str, bytes, int]]) -> list[tuple[bytes, bytes]]:
        s = self.sender
        max_fee, tip = s.fee_params()
        if self._nonce is None:
            self._nonce = s._first_nonce()
        out = []
        for to, data, gas in items:
            tx: TransactionDictType = {
                "type": 2, "chainId": s.chain_id, "nonce": self._nonce, "to": HexStr(to), "value": 0, "gas": gas,
                "maxFeePerGas": max_fee, "maxPriorityFeePerGas": tip, "data": data,
            }  # fmt: skip
            self._nonce += 1
            signed = s.account.sign_transaction(tx)
            out.append((bytes(signed.hash), bytes(signed.raw_transaction)))
        return out

    def send(self, raws: list[bytes]) -> None:
        if not raws:
            return
        s = self.sender
        try:
            s.rpc.call_many([("eth_sendRawTransaction", ["0x" + r.hex()]) for r in raws])
        except ChainUnavailable:
            s._fees = None
            self.accepted = None
            raise
        for r in raws:
            s._keep(keccak(r), r)
        self.accepted = self._nonce


_LOCKS: dict[Path, NonceLock] = {}
_LOCKS_GUARD = threading.Lock()


def account_lock(home: Path, chain_id: int, address: str) -> NonceLock:
    """The process's one NonceLock for an account (every sender of the account in this process
    shares it, so they also share its counted nonce)."""
    path = lock_path(home, chain_id, address).resolve()
    with _LOCKS_GUARD:
        lock = _LOCKS.get(path)
        if lock is None:
            lock = _LOCKS[path] = NonceLock(path)
        return lock


def account_sender(w3: Any, account: LocalAccount, settings: Any) -> Any:
    """A web3 `node.bindings.Sender` for `account` that shares the account's lock and nonce with
    every other sender of it (this process's TxSender, other processes)."""
    return Sender(w3, account, lock=account_lock(settings.home, settings.chain_id, account.address))
