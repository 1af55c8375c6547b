"""The batcher: a thread that closes a batch when `batch_size` certificates wait or when the
oldest has waited `batch_timeout` seconds, anchors all closed batches in one JSON-RPC round trip,
and now and then reconciles with the chain (issuer/reconcile.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import select

from issuer.db import Certificate, CertificateStatus, session_scope
from issuer.issuance.batches import FINALITY_POLL, Batches
from issuer.issuance.waiting import Waiters
from node.errors import ContractError
from node.rpc import ChainUnavailable

__all__ = ["Batcher"]


class Batcher:
    """The batcher thread of one centre. `after_reconcile` runs after each reconciliation with
    the chain (it finishes supersessions a crash left half done)."""

    def __init__(self, *, name: str, batches: Batches, waiters: Waiters, batch_timeout: float,
                 after_reconcile: Callable[[], None]) -> None:
        self.name = name
        self.batches = batches
        self.waiters = waiters
        self.batch_timeout = batch_timeout
        self.after_reconcile = after_reconcile
        self._stop = False
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def close(self) -> None:
        with self.waiters.cond:
            self._stop = True
            self.waiters.cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _due(self) -> bool:
        waiting = self.waiters.waiting
        if not waiting:
            return False
        if len(waiting) >= self.batches.batch_size:
            return True
        return time.monotonic() - min(waiting.values()) >= self.batch_timeout

    def _sleep_until_due(self, last_poll: float) -> bool:
        """Sleep until a batch is due, the batcher is stopped or it is time to look for work other
        processes or a past crash left. False: stopped with nothing left to anchor."""
        cond, waiting = self.waiters.cond, self.waiters.waiting
        with cond:
            while not self._stop and not self._due():
                wait = self.batch_timeout
                if waiting:
                    wait = max(0.0, self.batch_timeout - (time.monotonic() - min(waiting.values())))
                cond.wait(min(wait, self.batch_timeout) or 0.01)
                if time.monotonic() - last_poll > max(self.batch_timeout, 1.0) * 5:
                    break
            return not (self._stop and not waiting)

    def _run(self) -> None:
        last_poll = time.monotonic()
        while self._sleep_until_due(last_poll):
            last_poll = time.monotonic()
            try:
                self.batches.anchor_pending(force=True)
                self._prune_waiting()
                if self.batches.reconciler.due():
                    self.batches.reconciler.check_anchored()  # roots the chain lost are anchored again
                    self.after_reconcile()
                self.batches.last_error = None
                with self.waiters.cond:
                    if self.waiters.waiting and not self._stop:  # their roots are not final yet
                        self.waiters.cond.wait(FINALITY_POLL)
            except (ChainUnavailable, ContractError, OSError) as exc:
                self.batches.last_error = str(exc)
                time.sleep(min(self.batch_timeout, 1.0))
            except Exception as exc:  # noqa: BLE001 — never let the batcher die silently
                self.batches.last_error = f"{type(exc).__name__}: {exc}"
                time.sleep(1.0)
            if self._stop:
                return  # one last pass done; what is left is anchored by the next start's recover()

    def _prune_waiting(self) -> None:
        """Forget waiting certificates another process anchored (or that are gone), so that the
        batcher does not wake for them again."""
        ids = self.waiters.ids()
        if not ids:
            return
        with session_scope(self.batches.engine) as s:
            still = set(s.scalars(select(Certificate.id).where(Certificate.id.in_(ids),
                                                                Certificate.status == CertificateStatus.SIGNED)))
        self.waiters.finished(i for i in ids if i not in still)
