"""Batches from sealed to anchored: waiting certificates sealed into Merkle batches, their roots
sent to the ledger, and batch and certificates marked ANCHORED once the ledger holds the root
and it is final.

    SIGNED (no batch)  →  SIGNED in a SEALED batch  →  batch ANCHORING (transaction hash stored
    before it is sent)  →  batch and certificates ANCHORED (in one transaction)

Each change is committed before the next step starts. Whether a batch is anchored is decided by
the ledger's `batch(centre, root)` view (issuer/reconcile.py classifies): after a crash of the
issuer or of the chain node, `recover()` looks every SEALED or ANCHORING batch up on chain and
either finishes it (the root is there) or sends it again (it is not). The ledger refuses a root
twice, so a transaction sent twice by a crash costs gas at worst, never a second anchor.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, delete, func, select, update

from issuer.anchoring import ANCHOR_GAS, Anchorer
from issuer.db import Batch, BatchState, Certificate, CertificateStatus, session_scope
from issuer.db.models import utcnow
from issuer.issuance.errors import IssuanceError
from issuer.issuance.waiting import Waiters
from issuer.reconcile import Reconciler
from node.rpc import ChainUnavailable
from verifier.merkle import MerkleTree

__all__ = ["FINALITY_POLL", "Batches"]

FINALITY_POLL = 0.25  # seconds between looks at roots that are on chain but not final yet
_PER_ROUND_TRIP = 32  # batches anchored in one JSON-RPC batch


class Batches:
    """One centre's batches: seal, anchor, settle, recover."""

    def __init__(self, *, engine: Engine, centre: int, anchorer: Anchorer, reconciler: Reconciler,
                 batch_size: int, waiters: Waiters) -> None:
        self.engine = engine
        self.centre = centre
        self.anchorer = anchorer
        self.reconciler = reconciler
        self.batch_size = batch_size
        self.waiters = waiters
        self.last_error: str | None = None
        self._lock = threading.Lock()  # one anchoring pass at a time in this process

    def seal(self, *, force: bool) -> list[int]:
        """Put waiting SIGNED certificates into new SEALED batches of up to `batch_size`; a short
        batch only when `force`. Returns the new batch ids."""
        sealed: list[int] = []
        while True:
            with session_scope(self.engine) as s:
                ids = list(s.scalars(
                    select(Certificate.id)
                    .where(Certificate.centre_code == self.centre, Certificate.status == CertificateStatus.SIGNED,
                           Certificate.batch_id.is_(None))
                    .order_by(Certificate.id)
                    .limit(self.batch_size)
                ))
                if not ids or (len(ids) < self.batch_size and not force):
                    return sealed
                batch = Batch(centre_code=self.centre, state=BatchState.OPEN, leaf_count=0)
                s.add(batch)
                s.flush()
                # The batch_id IS NULL test is re-checked row by row, so two batchers (two
                # processes) never claim the same certificate.
                s.execute(
                    update(Certificate)
                    .where(Certificate.id.in_(ids), Certificate.batch_id.is_(None))
                    .values(batch_id=batch.id)
                )
                rows = s.execute(
                    select(Certificate.id, Certificate.digest).where(Certificate.batch_id == batch.id)
                    .order_by(Certificate.id)
                ).all()
                if not rows:
                    s.delete(batch)
                    continue
                tree = MerkleTree.build([r.digest for r in rows])
                s.execute(
                    update(Certificate).execution_options(synchronize_session=False),
                    [{"id": r.id, "leaf_index": i} for i, r in enumerate(rows)],
                )
                batch.root = tree.root
                batch.leaf_count = len(rows)
                batch.state = BatchState.SEALED
                batch.sealed_at = utcnow()
                sealed.append(batch.id)
                if len(rows) < self.batch_size:
                    return sealed

    def anchor_pending(self, *, force: bool = False) -> int:
        """Seal what waits and anchor every batch not yet anchored. Returns certificates finished."""
        with self._lock:
            self.seal(force=force)
            with session_scope(self.engine) as s:
                batch_ids = list(s.scalars(
                    select(Batch.id).where(Batch.centre_code == self.centre,
                                           Batch.state.in_([BatchState.SEALED, BatchState.ANCHORING]))
                    .order_by(Batch.id)
                ))
            return self._anchor_each(batch_ids, wait=True)

    def anchor_all(self, batch_ids: list[int], *, wait: bool = True) -> int:
        """Anchor these batches (bulk issuance); without `wait` the transactions are sent and
        `settle` finishes them."""
        with self._lock:
            return self._anchor_each(batch_ids, wait=wait)

    def _anchor_each(self, batch_ids: list[int], *, wait: bool) -> int:
        return sum(self._anchor(batch_ids[i : i + _PER_ROUND_TRIP], wait=wait)
                   for i in range(0, len(batch_ids), _PER_ROUND_TRIP))

    def settle(self, batch_ids: list[int], *, timeout: float = 300.0) -> int:
        """Wait until the batches are final (anchoring again what went missing); certificates
        finished meanwhile."""
        done = passes = 0
        deadline = time.monotonic() + timeout
        while batch_ids and time.monotonic() < deadline:
            with session_scope(self.engine) as s:
                batch_ids = list(s.scalars(select(Batch.id).where(Batch.id.in_(batch_ids),
                                                                  Batch.state != BatchState.ANCHORED)))
            if not batch_ids:
                break
            if passes:
                time.sleep(FINALITY_POLL)
            passes += 1
            done += self.anchor_all(batch_ids)
        return done

    def recover(self) -> int:
        """After a crash: finish or resend every batch that was sealed but not recorded anchored,
        and batch every certificate that was signed but not batched. Returns certificates finished.

        Also reconciles with the chain (issuer/reconcile.py): a batch recorded ANCHORED whose root
        the chain no longer holds is anchored again, so its certificates become valid again."""
        with session_scope(self.engine) as s:
            # A batch left OPEN was never committed with certificates (sealing is one transaction);
            # drop any such empty rows.
            s.execute(delete(Batch).where(Batch.centre_code == self.centre, Batch.state == BatchState.OPEN,
                                          ~Batch.certificates.any()))
        self.reconciler.check_anchored(full=True)
        return self.anchor_pending(force=True)

    def drain_key(self, key_id: bytes, *, timeout: float = 120.0) -> None:
        """Anchor everything signed with `key_id` (before that key is retired)."""
        deadline = time.monotonic() + timeout
        while True:
            self.anchor_pending(force=True)
            with session_scope(self.engine) as s:
                left = s.scalar(select(func.count()).select_from(Certificate).where(
                    Certificate.key_id == key_id, Certificate.status == CertificateStatus.SIGNED)) or 0
            if not left:
                return
            if time.monotonic() > deadline:
                raise IssuanceError(f"{left} certificates signed with key {key_id.hex()} could not be anchored; "
                                    "the key is not retired.")
            time.sleep(0.5)

    def _anchor(self, batch_ids: list[int], *, wait: bool = True) -> int:
        """Anchor the batches (SEALED or ANCHORING) and attach their proofs. Without `wait`
        (bulk issuance) the transactions are sent and the caller settles them later."""
        with session_scope(self.engine) as s:
            batches = list(s.scalars(select(Batch).where(Batch.id.in_(batch_ids)).order_by(Batch.id)))
        if not batches:
            return 0
        # 1. What does the chain say already? (ANCHORING batches may have made it before a crash.)
        done, to_send = self._ledger_says(batches)
        finished = self._finish(done)
        if not to_send:
            return finished
        if any(b.tx_hash is not None for b in to_send):
            self.anchorer.reset()  # sent before and gone (a rewound fork): the node's nonce decides
        # 2. Sign, record the hashes, then send, holding the operator account (one sender for
        # every process of the centre): a crash after the commit is seen as ANCHORING.
        for attempt in (0, 1):  # a nonce someone used outside the shared sender costs one retry
            try:
                with self.anchorer.sending() as slot:
                    items = [(Anchorer.anchor_data(b.root, b.leaf_count), ANCHOR_GAS)  # type: ignore[arg-type]  # sealed: root set
                             for b in to_send]
                    signed = self.anchorer.sign_in(slot, items)
                    with session_scope(self.engine) as s:
                        s.execute(
                            update(Batch).execution_options(synchronize_session=False),
                            [{"id": b.id, "state": BatchState.ANCHORING, "tx_hash": h}
                             for b, (h, _) in zip(to_send, signed, strict=True)],
                        )
                    slot.send([raw for _, raw in signed])
                break
            except ChainUnavailable as exc:
                self.anchorer.reset()
                if attempt or "nonce" not in str(exc).lower():
                    raise
        if not wait:
            return finished
        self.anchorer.wait([h for h, _ in signed])
        # 3. The ledger decides.
        done, missing = self._ledger_says(to_send)
        if missing:
            self.anchorer.reset()  # a refused or lost transaction: re-read the nonce next time
            self.last_error = f"{len(missing)} batches are not anchored yet"
        return finished + self._finish(done)

    def _ledger_says(self, batches: list[Batch]) -> tuple[list[tuple[int, int, int]], list[Batch]]:
        """What the ledger's batch(centre, root) view says, in one round trip: the batches whose
        root is final under this centre [(id, anchored_at, block)] and those not on chain at all
        (nor in flight). Roots on chain but not final yet are in neither: a later pass decides."""
        c = self.reconciler.classify(batches)
        return c.final, c.missing

    def _finish(self, anchored: list[tuple[int, int, int]]) -> int:
        """Mark batches [(id, anchored_at, block)] and their certificates ANCHORED, in one
        transaction. Returns how many certificates that completed."""
        if not anchored:
            return 0
        waiting = self.waiters.pending()
        ids: list[int] = []
        by_id = {batch_id: (at, block) for batch_id, at, block in anchored}
        with session_scope(self.engine) as s:
            fresh = list(s.scalars(select(Batch.id).where(Batch.id.in_(by_id), Batch.state != BatchState.ANCHORED)))
            if not fresh:
                return 0
            s.execute(update(Batch).execution_options(synchronize_session=False), [
                {"id": b, "state": BatchState.ANCHORED, "anchored_at": datetime.fromtimestamp(by_id[b][0], UTC),
                 "anchored_block": by_id[b][1], "last_error": None} for b in fresh])
            count = cast(CursorResult[Any], s.execute(
                update(Certificate)
                .where(Certificate.batch_id.in_(fresh), Certificate.status == CertificateStatus.SIGNED)
                .values(status=CertificateStatus.ANCHORED)
                .execution_options(synchronize_session=False)
            )).rowcount
            if waiting:
                ids = list(s.scalars(select(Certificate.id).where(Certificate.batch_id.in_(fresh))))
        if ids:
            self.waiters.finished(ids)
        return int(count)
