"""Sending a centre's operator transactions (anchor a batch root, revoke a certificate) with as few
round trips as the chain allows.

Transactions go through the account's one `node.sender.TxSender` (nonce shared safely with every
other process that sends for the operator, fees, resubmission, receipts). They are signed first,
their hashes recorded by the caller, then sent, many in one JSON-RPC batch (crash safety: the
database says what may be in flight). Whether a root is anchored is always decided by the
ledger's `batch(centre, root)` view, never by a receipt alone; whether it is final, by the
finality rule (node/finality.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from node.rpc import RpcClient
from node.sender import NonceLock, TxSender, account_lock

__all__ = ["ANCHOR_GAS", "AnchorInfo", "Anchorer"]

ANCHOR_GAS = 90_000  # measured ~53,200 (docs/gas.md); fixed, so no estimate round trip per batch
_ANCHOR_SELECTOR = keccak(text="anchor(bytes32,uint32)")[:4]
_BATCH_SELECTOR = keccak(text="batch(uint32,bytes32)")[:4]


@dataclass(frozen=True)
class AnchorInfo:
    """The ledger's record of a root for this centre: the anchoring centre (0 = not anchored),
    when, and in which block."""

    centre: int
    leaf_count: int
    anchored_at: int
    block: int


class Anchorer:
    """One centre's operator transactions to the certificate ledger."""

    def __init__(self, rpc: RpcClient, *, ledger: str, account: LocalAccount, chain_id: int, centre: int,
                 lock: NonceLock | None = None, home: Path | None = None) -> None:
        self.rpc = rpc
        self.ledger = ledger
        self.account = account
        self.chain_id = chain_id
        self.centre = centre
        if lock is None:
            lock = account_lock(home or Path("var"), chain_id, account.address)
        self.sender = TxSender(rpc, account, chain_id=chain_id, lock=lock)

    # --- reading ---

    def batches(self, roots: list[bytes]) -> list[AnchorInfo]:
        """The ledger's view of each root under this centre, in one round trip."""
        if not roots:
            return []
        prefix = _BATCH_SELECTOR + self.centre.to_bytes(32, "big")
        raw = self.rpc.eth_calls([(self.ledger, prefix + r) for r in roots])
        out = []
        for data in raw:
            words = [int.from_bytes(data[i : i + 32], "big") for i in range(0, 128, 32)]
            out.append(AnchorInfo(centre=words[0], leaf_count=words[1], anchored_at=words[2], block=words[3]))
        return out

    def receipts(self, tx_hashes: list[bytes]) -> list[dict[str, Any] | None]:
        return self.sender.receipts(tx_hashes)

    def simulate(self, data: bytes) -> None:
        self.sender.simulate(self.ledger, data)

    # --- writing ---

    @contextmanager
    def sending(self) -> Iterator[Any]:
        """Hold the operator account for sign → record → send (node.sender.TxSender.sending)."""
        with self.sender.sending() as slot:
            yield slot

    def sign_in(self, slot: Any, items: list[tuple[bytes, int]]) -> list[tuple[bytes, bytes]]:
        """Signed ledger transactions [(hash, raw)] for (calldata, gas) items inside `sending()`."""
        signed: list[tuple[bytes, bytes]] = slot.sign([(self.ledger, data, gas) for data, gas in items])
        return signed

    def reset(self) -> None:
        self.sender.reset()

    @staticmethod
    def anchor_data(root: bytes, leaf_count: int) -> bytes:
        return _ANCHOR_SELECTOR + root + leaf_count.to_bytes(32, "big")

    def wait(self, tx_hashes: list[bytes], *, timeout: float = 60.0) -> list[dict[str, Any] | None]:
        return self.sender.wait(tx_hashes, timeout=timeout)

    def transact(self, data: bytes, *, gas: int, timeout: float = 60.0) -> dict[str, Any]:
        """Simulate, sign, send and wait for one transaction (revocation). Raises ContractError
        with the decoded reason if the call would revert."""
        return self.sender.transact(self.ledger, data, gas=gas, timeout=timeout)

