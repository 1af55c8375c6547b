"""The issuer's anchors against the chain, continuously: finality, lost roots, the audit.

The rule (node/finality.py): a batch is ANCHORED in the database only once its root is on chain
under this centre *and final*; until then it stays ANCHORING and none of its certificates is
handed out. Every pass of the batcher re-reads recently anchored batches, and every batch when
the chain moved under us (its head went backwards, or a block we saw was replaced): a root the
chain no longer holds (a reorganisation, a node restored from an older copy of its data) puts its
batch back to SEALED and its certificates back to SIGNED, and the batcher anchors it again. So
the database never says "anchored" for a root the chain does not hold for longer than one pass.

`audit()` re-reads every batch: {"batches", "final", "pending", "missing"}, where missing counts
batches the database says are anchored but the chain does not hold.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update

from issuer.anchoring import Anchorer
from issuer.db import session_scope
from issuer.db.models import Batch, BatchState, Certificate, CertificateStatus
from node.finality import Finality, finality_of
from node.rpc import ChainUnavailable

__all__ = ["Classified", "Reconciler"]

RECENT_BLOCKS = 512  # each pass re-reads batches anchored this close to the head
CHECK_EVERY = 2.0  # seconds between passes over anchored batches in a long-running process
_CHUNK = 256  # roots per JSON-RPC batch


@dataclass
class Classified:
    """What the chain says of some batches: final [(id, anchored_at, block)], on chain but not
    final yet (ids), in flight (ids: its transaction is in the node's pool), not there (batches)."""

    final: list[tuple[int, int, int]] = field(default_factory=list)
    not_final: list[int] = field(default_factory=list)
    in_flight: list[int] = field(default_factory=list)
    missing: list[Batch] = field(default_factory=list)


def _sealed_root(b: Batch) -> bytes:
    """The root of a batch being classified: it was sealed, so the root is set."""
    if b.root is None:
        raise ValueError(f"Batch {b.id} has no root: it was never sealed.")
    return b.root


class Reconciler:
    def __init__(self, *, engine: Engine, centre: int, anchorer: Anchorer, confirmations: int | None = None) -> None:
        self.engine = engine
        self.centre = centre
        self.anchorer = anchorer
        self.confirmations = confirmations
        self._finality: Finality | None = None
        self._checkpoint: tuple[int, str] | None = None  # (block, hash) of the head at the last full check
        self._last_check = 0.0
        self._lock = threading.Lock()

    def finality(self) -> Finality:
        if self._finality is None:
            self._finality = finality_of(self.anchorer.rpc, confirmations=self.confirmations)
        return self._finality

    # --- classification ---

    def head(self) -> int:
        return int(self.anchorer.rpc.call("eth_blockNumber", []), 16)

    def classify(self, batches: list[Batch], *, head: int | None = None) -> Classified:
        rule = self.finality()
        head = self.head() if head is None else head
        out = Classified()
        for start in range(0, len(batches), _CHUNK):
            part = batches[start : start + _CHUNK]
            for b, info in zip(part, self.anchorer.batches([_sealed_root(b) for b in part]), strict=True):
                if info.centre == self.centre:
                    if rule.is_final(info.block, head):
                        out.final.append((b.id, info.anchored_at, info.block))
                    else:
                        out.not_final.append(b.id)
                else:
                    out.missing.append(b)
        # A missing root whose transaction the node still holds unmined is in flight, not lost.
        sent = [b for b in out.missing if b.tx_hash is not None and b.state == BatchState.ANCHORING]
        if sent:
            txs = self.anchorer.rpc.call_many([("eth_getTransactionByHash", ["0x" + b.tx_hash.hex()])
                                               for b in sent if b.tx_hash is not None])  # all of them: `sent` has hashes
            flying = {b.id for b, tx in zip(sent, txs, strict=True) if isinstance(tx, dict) and tx.get("blockNumber") is None}
            out.in_flight = sorted(flying)
            out.missing = [b for b in out.missing if b.id not in flying]
        return out

    # --- continuous reconciliation ---

    def due(self) -> bool:
        return time.monotonic() - self._last_check >= CHECK_EVERY

    def check_anchored(self, *, full: bool = False) -> int:
        """Re-read the batches the database calls ANCHORED (recent ones; all of them when `full`
        or when the chain moved under us). Lost ones go back to SEALED, their certificates to
        SIGNED. Returns how many batches were lost."""
        with self._lock:
            self._last_check = time.monotonic()
            head_block = self.anchorer.rpc.call("eth_getBlockByNumber", ["latest", False])
            head = int(head_block["number"], 16)
            if not full and self._moved(head):
                full = True
            with session_scope(self.engine) as s:
                q = select(Batch).where(Batch.centre_code == self.centre, Batch.state == BatchState.ANCHORED)
                if not full:
                    q = q.where((Batch.anchored_block >= head - RECENT_BLOCKS) | (Batch.anchored_block > head))
                batches = list(s.scalars(q.order_by(Batch.id)))
                s.expunge_all()
            lost = self.classify(batches, head=head).missing if batches else []
            if lost:
                self._put_back([b.id for b in lost])
            if full:
                self._checkpoint = (head, str(head_block["hash"]))
            return len(lost)

    def _moved(self, head: int) -> bool:
        """True when the head went below our checkpoint or the checkpoint's block was replaced."""
        if self._checkpoint is None:
            return True
        number, block_hash = self._checkpoint
        if head < number:
            return True
        block = self.anchorer.rpc.call("eth_getBlockByNumber", [hex(number), False])
        return not isinstance(block, dict) or block.get("hash") != block_hash

    def _put_back(self, batch_ids: list[int]) -> None:
        with session_scope(self.engine) as s:
            s.execute(update(Batch).where(Batch.id.in_(batch_ids)).values(
                state=BatchState.SEALED, tx_hash=None, anchored_block=None, anchored_at=None,
                last_error="anchor lost by the chain; anchoring again"))
            s.execute(update(Certificate).where(Certificate.batch_id.in_(batch_ids),
                                                Certificate.status == CertificateStatus.ANCHORED)
                      .values(status=CertificateStatus.SIGNED))

    # --- audit ---

    def audit(self) -> dict[str, Any]:
        """Every batch of the centre against the chain (see the module doc)."""
        with session_scope(self.engine) as s:
            batches = list(s.scalars(select(Batch).where(
                Batch.centre_code == self.centre,
                Batch.state.in_([BatchState.SEALED, BatchState.ANCHORING, BatchState.ANCHORED]),
                Batch.root.is_not(None)).order_by(Batch.id)))
            s.expunge_all()
        head = self.head()
        c = self.classify(batches, head=head) if batches else Classified()
        anchored_in_db = {b.id for b in batches if b.state == BatchState.ANCHORED}
        missing = sorted(b.id for b in c.missing if b.id in anchored_in_db)
        rule = self.finality()
        return {
            "centre": self.centre,
            "batches": len(batches),
            "final": len(c.final),
            "pending": len(batches) - len(c.final) - len(missing),
            "missing": len(missing),
            "missing_batches": missing[:50],
            "head": head,
            "finality": {"engine": rule.engine, "depth": rule.depth},
        }


_ = ChainUnavailable
