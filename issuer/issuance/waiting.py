"""The certificates this process signed and waits to see anchored, shared by the requests that
wait for them, the batcher that anchors them and the batches that finish them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

__all__ = ["Waiters"]


class Waiters:
    """Certificate ids waiting for their anchor (with the monotonic time each was stored) and those
    finished since; `cond` is notified on every change."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.waiting: dict[int, float] = {}
        self.done: set[int] = set()

    def add(self, cert_id: int) -> None:
        with self.cond:
            self.waiting[cert_id] = time.monotonic()
            self.cond.notify_all()

    def pending(self) -> bool:
        with self.cond:
            return bool(self.waiting)

    def ids(self) -> list[int]:
        with self.cond:
            return list(self.waiting)

    def finished(self, ids: Iterable[int]) -> None:
        """The certificates are anchored (or gone): wake whoever waits for them."""
        with self.cond:
            for i in ids:
                if self.waiting.pop(i, None) is not None:
                    self.done.add(i)
            self.cond.notify_all()

    def is_done(self, cert_id: int) -> bool:
        with self.cond:
            return cert_id in self.done

    def wait_done(self, cert_id: int, timeout: float) -> bool:
        """Whether the certificate is finished within `timeout` seconds."""
        with self.cond:
            return self.cond.wait_for(lambda: cert_id in self.done, timeout=timeout)

    def forget(self, cert_id: int) -> None:
        with self.cond:
            self.done.discard(cert_id)
            self.waiting.pop(cert_id, None)
