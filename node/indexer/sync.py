"""Fetching the contracts' logs block range by block range and applying them to the index.

Each chunk of blocks is applied in one SQLite transaction together with the "last indexed block"
mark, so a crash at any moment leaves the index at a chunk boundary and `sync` resumes from there.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.events import get_event_data

from node.indexer.events import EventTable, LogPosition, event_table
from node.indexer.queries import IndexQueries
from node.indexer.records import SyncResult
from node.indexer.store import IndexStore
from node.log import get_logger

__all__ = ["Indexer"]

log = get_logger("hpf.indexer")


class Indexer(IndexQueries):
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
        super().__init__(IndexStore(self.db_path, consortium=self.addresses["Consortium"]))
        self._sync_lock = threading.Lock()
        self._events = self._event_table()

    def _event_table(self) -> EventTable:
        return event_table(self.addresses)

    def close(self) -> None:
        self._store.close()

    def last_block(self) -> int:
        """The last block fully indexed (start block − 1 before the first sync)."""
        last = self._store.meta("last_block")
        return int(last) if last is not None else self.start_block - 1

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
        with self._store.transaction() as db:
            for lg in logs:
                known = self._events.get((to_checksum_address(lg["address"]), bytes(lg["topics"][0])))
                if known is None:
                    continue
                event_abi, handler = known
                decoded = get_event_data(self.w3.codec, event_abi, lg)
                at = LogPosition(block=int(lg["blockNumber"]), log_index=int(lg["logIndex"]),
                                 tx=bytes(HexBytes(lg["transactionHash"])))
                handler(db, dict(decoded["args"]), at, times[at.block])
            db.execute("INSERT OR REPLACE INTO meta VALUES ('last_block', ?)", (str(end),))
        return len(logs)

    def _block_times(self, blocks: set[int]) -> dict[int, int]:
        if not blocks:
            return {}
        ordered = sorted(blocks)
        results: Sequence[Any]
        try:
            with self.w3.batch_requests() as batch:
                for b in ordered:
                    batch.add(self.w3.eth.get_block(b))
                results = batch.execute()
        except TypeError:  # providers without JSON-RPC batches (eth-tester): one call per block
            results = [self.w3.eth.get_block(b) for b in ordered]
        return {b: int(r["timestamp"]) for b, r in zip(ordered, results, strict=True)}
