"""Sending a centre's operator transactions (anchor a batch root, revoke a certificate) with as few
round trips as the chain allows.

Transactions are signed here and sent as raw bytes over one keep-alive connection, many in one
JSON-RPC batch; the transaction hash is known before sending, so the caller can record it first
(crash safety: the database says what may be in flight). Fees come from the latest block and are
cached briefly. The nonce is counted locally and re-read from the chain after any refusal, so
another process using the same account (a CLI run beside the service) costs a retry, not a
stuck queue. Whether a root is anchored is always decided by the ledger's `batch(root)` view,
never by a receipt alone.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from node.bindings import decode_revert
from node.errors import ContractError
from verifier.chain import ChainUnavailable, RpcClient

__all__ = ["ANCHOR_GAS", "AnchorInfo", "Anchorer"]

ANCHOR_GAS = 90_000  # measured 53,083 (docs/gas.md); fixed, so no estimate round trip per batch
_ANCHOR_SELECTOR = keccak(text="anchor(bytes32,uint32)")[:4]
_BATCH_SELECTOR = keccak(text="batch(bytes32)")[:4]
_FEE_TTL = 5.0
_PRIORITY_FEE = 1_000_000_000  # 1 gwei


@dataclass(frozen=True)
class AnchorInfo:
    """The ledger's record of a root: the anchoring centre (0 = not anchored) and when."""

    centre: int
    leaf_count: int
    anchored_at: int
    block: int


class Anchorer:
    """Signs and sends one account's transactions to the certificate ledger."""

    def __init__(self, rpc: RpcClient, *, ledger: str, account: LocalAccount, chain_id: int) -> None:
        self.rpc = rpc
        self.ledger = ledger
        self.account = account
        self.chain_id = chain_id
        self._lock = threading.Lock()
        self._nonce: int | None = None
        self._fees: tuple[float, int, int] | None = None

    # --- reading ---

    def batches(self, roots: list[bytes]) -> list[AnchorInfo]:
        """The ledger's view of each root, in one round trip."""
        if not roots:
            return []
        raw = self.rpc.eth_calls([(self.ledger, _BATCH_SELECTOR + r) for r in roots])
        out = []
        for data in raw:
            words = [int.from_bytes(data[i : i + 32], "big") for i in range(0, 128, 32)]
            out.append(AnchorInfo(centre=words[0], leaf_count=words[1], anchored_at=words[2], block=words[3]))
        return out

    def receipts(self, tx_hashes: list[bytes]) -> list[dict[str, Any] | None]:
        if not tx_hashes:
            return []
        return self.rpc.call_many([("eth_getTransactionReceipt", ["0x" + h.hex()]) for h in tx_hashes])

    def simulate(self, data: bytes) -> None:
        """Run the call against the latest state; raise ContractError with the decoded reason if
        it would revert."""
        body = {"from": self.account.address, "to": self.ledger, "data": "0x" + data.hex()}
        try:
            self.rpc.call("eth_call", [body, "latest"])
        except ChainUnavailable as exc:
            reply = getattr(exc, "reply", None)
            if reply is not None:
                raise decode_revert(reply) from exc
            raise

    # --- writing ---

    def _fee_params(self) -> tuple[int, int]:
        now = time.monotonic()
        if self._fees is None or now - self._fees[0] > _FEE_TTL:
            block = self.rpc.call("eth_getBlockByNumber", ["latest", False])
            base = int(block.get("baseFeePerGas") or "0x0", 16)
            self._fees = (now, 2 * base + _PRIORITY_FEE, _PRIORITY_FEE)
        return self._fees[1], self._fees[2]

    def _next_nonce(self) -> int:
        if self._nonce is None:
            self._nonce = int(self.rpc.call("eth_getTransactionCount", [self.account.address, "pending"]), 16)
        nonce = self._nonce
        self._nonce += 1
        return nonce

    def sign(self, items: list[tuple[bytes, int]]) -> list[tuple[bytes, bytes]]:
        """Signed transactions [(hash, raw)] for (calldata, gas) items, with consecutive nonces.
        Nothing is sent: record the hashes, then `send` the raws."""
        with self._lock:
            max_fee, tip = self._fee_params()
            out = []
            for data, gas in items:
                tx = {
                    "type": 2,
                    "chainId": self.chain_id,
                    "nonce": self._next_nonce(),
                    "to": self.ledger,
                    "value": 0,
                    "gas": gas,
                    "maxFeePerGas": max_fee,
                    "maxPriorityFeePerGas": tip,
                    "data": data,
                }
                signed = self.account.sign_transaction(tx)
                out.append((bytes(signed.hash), bytes(signed.raw_transaction)))
            return out

    def send(self, raws: list[bytes]) -> None:
        """Send signed transactions in one JSON-RPC batch. On any refusal the local nonce is
        dropped (the caller re-signs and re-sends what was not accepted)."""
        if not raws:
            return
        try:
            self.rpc.call_many([("eth_sendRawTransaction", ["0x" + r.hex()]) for r in raws])
        except ChainUnavailable:
            with self._lock:
                self._nonce = None
                self._fees = None
            raise

    def reset(self) -> None:
        with self._lock:
            self._nonce = None
            self._fees = None

    @staticmethod
    def anchor_data(root: bytes, leaf_count: int) -> bytes:
        return _ANCHOR_SELECTOR + root + leaf_count.to_bytes(32, "big")

    def wait(self, tx_hashes: list[bytes], *, timeout: float = 60.0) -> list[dict[str, Any] | None]:
        """Receipts for the hashes, polling until all are mined or `timeout` passes (None for a
        transaction still unmined then)."""
        deadline = time.monotonic() + timeout
        pending = list(range(len(tx_hashes)))
        got: list[dict[str, Any] | None] = [None] * len(tx_hashes)
        delay = 0.002
        while pending:
            for i, r in zip(pending, self.receipts([tx_hashes[i] for i in pending]), strict=True):
                got[i] = r
            pending = [i for i in pending if got[i] is None]
            if not pending or time.monotonic() > deadline:
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        return got

    def transact(self, data: bytes, *, gas: int, timeout: float = 60.0) -> dict[str, Any]:
        """Simulate, sign, send and wait for one transaction (revocation). Raises ContractError
        with the decoded reason if the call would revert."""
        self.simulate(data)
        for attempt in (0, 1):
            ((tx_hash, raw),) = self.sign([(data, gas)])
            try:
                self.send([raw])
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
