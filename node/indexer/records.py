"""What the index answers with: frozen records of keys, blacklist entries, accesses, and sync progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from node.bindings.values import BlacklistReason, EntryStatus, KeyAlgorithm

__all__ = ["ENTRY_COLUMNS", "KEY_COLUMNS", "AccessRecord", "EntryRecord", "KeyRecord", "SyncResult"]

#: The columns `key_record` and `entry_record` read, in their order.
KEY_COLUMNS = "key_id, centre, algorithm, public_key, valid_from, valid_until"
ENTRY_COLUMNS = "id, subject, centre, reason, status, listed_at, expires_at, case_hash"


@dataclass(frozen=True, kw_only=True)
class KeyRecord:
    key_id: bytes
    centre: int
    algorithm: KeyAlgorithm
    public_key: bytes
    valid_from: int
    valid_until: int | None

    def valid_at(self, t: int) -> bool:
        return self.valid_from <= t and (self.valid_until is None or t < self.valid_until)


@dataclass(frozen=True, kw_only=True)
class EntryRecord:
    id: int
    subject: bytes
    centre: int
    reason: BlacklistReason
    status: EntryStatus
    listed_at: int
    expires_at: int
    case_hash: bytes

    def active_at(self, t: int) -> bool:
        return self.status in (EntryStatus.LISTED, EntryStatus.UNDER_APPEAL) and self.expires_at > t


@dataclass(frozen=True, kw_only=True)
class AccessRecord:
    ref: bytes
    recorder: int
    purpose: int
    recorded_at: int
    block: int
    tx: bytes


@dataclass(frozen=True, kw_only=True)
class SyncResult:
    from_block: int
    to_block: int
    events: int
    head: int

    @property
    def behind(self) -> int:
        return max(0, self.head - self.to_block)


def key_record(r: Any) -> KeyRecord:
    """A `keys` row (KEY_COLUMNS) as a KeyRecord."""
    return KeyRecord(
        key_id=bytes(r[0]), centre=r[1], algorithm=KeyAlgorithm(r[2]), public_key=bytes(r[3]),
        valid_from=r[4], valid_until=r[5],
    )


def entry_record(r: Any) -> EntryRecord:
    """A `blacklist` row (ENTRY_COLUMNS) as an EntryRecord."""
    return EntryRecord(
        id=r[0], subject=bytes(r[1]), centre=r[2], reason=BlacklistReason(r[3]), status=EntryStatus(r[4]),
        listed_at=r[5], expires_at=r[6], case_hash=bytes(r[7]),
    )
