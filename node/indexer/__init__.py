"""An event indexer: a local SQLite copy of everything the contracts emitted.

The services ask it what they would otherwise ask the chain many times over (a centre's keys
over time, a subject's blacklist entries, who accessed a certificate) without a round trip.
Each chunk of blocks is applied in one SQLite transaction together with the "last indexed
block" mark, so a crash at any moment leaves the index at a chunk boundary and `sync` resumes
from there. The chains we target (anvil, QBFT) have immediate finality, so reorganisations are
not handled; `confirmations` holds the index that many blocks behind the head if needed.

- `sync`: `Indexer`, which fetches the logs block range by block range and applies them;
- `events`: what each contract event writes into the index;
- `store`: the SQLite file, its schema and transactions;
- `queries`: what the index answers; `records`: the records it answers with.
"""

from __future__ import annotations

from node.indexer.records import AccessRecord, EntryRecord, KeyRecord, SyncResult
from node.indexer.store import INDEX_VERSION, SCHEMA
from node.indexer.sync import Indexer

__all__ = ["INDEX_VERSION", "SCHEMA", "AccessRecord", "EntryRecord", "Indexer", "KeyRecord", "SyncResult"]
