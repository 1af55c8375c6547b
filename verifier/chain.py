"""What a verifier reads from the chain, in as few round trips as possible.

One certificate needs one `eth_call` (CertificateLedger.certificateStatus: anchor, revocation,
key validity at the anchor time, membership, and the block it was read at). Public keys are
immutable once registered, so they are read once (from the event index when there is one, else
from the chain) and kept in memory. Calls go over one keep-alive HTTP connection per thread with
pre-encoded call data: web3's generic contract call costs several requests and ~1 ms of Python.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import keccak

from node.bindings import BlacklistEntry, BlacklistReason, CertificateStatus, EntryStatus, KeyAlgorithm, RevocationReason
from node.indexer import Indexer
from node.rpc import ChainUnavailable, RpcClient

# The RPC client lives in node.rpc; it is re-exported for the verifier's callers.
__all__ = ["ChainReader", "ChainUnavailable", "PublicKey", "RpcChainReader", "RpcClient"]

_STATUS_SELECTOR = keccak(text="certificateStatus(bytes32,bytes32,uint32,bytes8)")[:4]
_KEY_SELECTOR = keccak(text="key(bytes8)")[:4]
_KEY_TYPES = ["(uint32,uint8,uint64,uint64,bytes)"]
_ACTIVE_SELECTOR = keccak(text="activeEntriesOf(bytes32)")[:4]
_ACTIVE_TYPES = ["(uint64,uint32,uint8,uint8,uint64,uint64)[]"]
_COUNTS_SELECTOR = keccak(text="activeCountsOf(bytes32[])")[:4]
_CENTRE_SELECTOR = keccak(text="centre(uint32)")[:4]
_CENTRE_TYPES = ["(string,address,address,uint8)"]


@dataclass(frozen=True, kw_only=True)
class PublicKey:
    key_id: bytes
    centre: int
    algorithm: KeyAlgorithm
    public_key: bytes


class ChainReader(Protocol):
    """What the verification checks read from the chain (docs/design.md §4).

    `RpcChainReader` reads a node over JSON-RPC; `tests/verifier/fake_chain.py` is an in-memory
    one, so every check is unit-tested without a node. Every read raises ChainUnavailable when
    the chain cannot be read, never answers as if something were absent.
    """

    @property
    def node(self) -> str:
        """The node this reader reads (named in every verdict)."""
        ...

    def head_bound(self) -> float:
        """How old (s) the node's head may be before its answers cannot be trusted (0: no bound)."""
        ...

    def head_age(self, head_time: int, now: float) -> float | None:
        """The head's age if it is beyond the bound (the node is behind), else None."""
        ...

    def node_behind(self, now: float) -> float | None:
        """One head read: its age if the node is behind, else None (also when it cannot be read)."""
        ...

    def public_key(self, key_id: bytes) -> PublicKey | None:
        """The key registered under `key_id` (with its centre and algorithm), None if none is."""
        ...

    def certificate_status(self, digest: bytes, root: bytes, centre: int, key_id: bytes) -> CertificateStatus:
        """CertificateLedger.certificateStatus: anchor, revocation, key validity, membership, read time."""
        ...

    def status_and_entries(
        self, digest: bytes, root: bytes, centre: int, key_id: bytes, subject: bytes
    ) -> tuple[CertificateStatus, list[BlacklistEntry]]:
        """The certificate's status and its holder's active blacklist entries, read together."""
        ...

    def active_entries(self, subject: bytes) -> list[BlacklistEntry]:
        """The active blacklist entries of `subject` (a subject reference)."""
        ...

    def centre_name(self, code: int) -> str | None:
        """A member centre's registered name, None if no centre has that code."""
        ...


class RpcChainReader:
    """Reads certificate status, keys and blacklist entries for the verifier from a node."""

    def __init__(
        self,
        rpc: RpcClient,
        *,
        ledger: str,
        consortium: str,
        blacklist: str,
        indexer: Indexer | None = None,
        max_head_age: float = 60.0,
    ) -> None:
        self.rpc = rpc
        self.max_head_age = max_head_age
        self._head_bound: float | None = None
        self.ledger = ledger
        self.consortium = consortium
        self.blacklist_address = blacklist
        self.indexer = indexer
        self._keys: dict[bytes, PublicKey] = {}
        self._centre_names: dict[int, str | None] = {}
        self._lock = threading.Lock()

    @property
    def node(self) -> str:
        """The node this reader reads (named in every verdict)."""
        return self.rpc.url

    def head_bound(self) -> float:
        """How old (s) the node's head may be before its answers cannot be trusted: the configured
        bound, or 0 (no bound) when it is off or the node is an anvil development node, which
        makes blocks only on demand. Read once."""
        if self._head_bound is None:
            bound = self.max_head_age
            if bound:
                try:
                    if self.rpc.client_version().lower().startswith("anvil"):
                        bound = 0.0
                except ChainUnavailable:
                    return bound  # decide again next time
            self._head_bound = bound
        return self._head_bound

    def head_age(self, head_time: int, now: float) -> float | None:
        """The head's age if it is beyond the bound (the node is behind), else None."""
        bound = self.head_bound()
        age = now - head_time
        return age if bound and age > bound else None

    def node_behind(self, now: float) -> float | None:
        """One head read: its age if the node is behind, else None (also when it cannot be read)."""
        try:
            head = self.rpc.head()
        except ChainUnavailable:
            return None
        return self.head_age(head.timestamp, now)

    def certificate_status(self, digest: bytes, root: bytes, centre: int, key_id: bytes) -> CertificateStatus:
        return self._status(self.rpc.eth_call(self.ledger, self._status_call(digest, root, centre, key_id)))

    def status_and_entries(
        self, digest: bytes, root: bytes, centre: int, key_id: bytes, subject: bytes
    ) -> tuple[CertificateStatus, list[BlacklistEntry]]:
        """The certificate's status and its holder's blacklist entries in one round trip."""
        status_raw, entries_raw = self.rpc.eth_calls([
            (self.ledger, self._status_call(digest, root, centre, key_id)),
            (self.blacklist_address, _ACTIVE_SELECTOR + subject),
        ])
        return self._status(status_raw), self._entries(entries_raw)

    @staticmethod
    def _status_call(digest: bytes, root: bytes, centre: int, key_id: bytes) -> bytes:
        # Hot path: encode and decode the fixed-layout call by hand (eth_abi costs ~0.25 ms here).
        return b"".join((_STATUS_SELECTOR, digest, root, centre.to_bytes(32, "big"), key_id.ljust(32, b"\x00")))

    @staticmethod
    def _status(raw: bytes) -> CertificateStatus:
        if len(raw) != 11 * 32:
            raise ChainUnavailable(f"certificateStatus answered {len(raw)} bytes, not {11 * 32}: wrong contract?")
        s = [int.from_bytes(raw[i : i + 32], "big") for i in range(0, 11 * 32, 32)]
        return CertificateStatus(
            anchored=bool(s[0]),
            anchoring_centre=s[1],
            anchored_at=s[2],
            anchor_block=s[3],
            revoked=bool(s[4]),
            revoked_at=s[5],
            revocation_reason=RevocationReason(s[6]),
            key_valid_at_anchor=bool(s[7]),
            centre_active=bool(s[8]),
            read_at=s[9],
            read_block=s[10],
        )

    def public_key(self, key_id: bytes) -> PublicKey | None:
        """The registered key `key_id`, or None if no centre registered it."""
        cached = self._keys.get(key_id)
        if cached is not None:
            return cached
        key: PublicKey | None = None
        if self.indexer is not None:
            rec = self.indexer.key(key_id)
            if rec is not None:
                key = PublicKey(key_id=key_id, centre=rec.centre, algorithm=rec.algorithm, public_key=rec.public_key)
        if key is None:
            data = _KEY_SELECTOR + abi_encode(["bytes8"], [key_id])
            (k,) = abi_decode(_KEY_TYPES, self.rpc.eth_call(self.consortium, data))
            if k[0] == 0:
                return None
            key = PublicKey(key_id=key_id, centre=k[0], algorithm=KeyAlgorithm(k[1]), public_key=bytes(k[4]))
        with self._lock:
            self._keys[key_id] = key
        return key

    def centre_name(self, code: int) -> str | None:
        """A member centre's registered name (cached: names do not change), None if unknown."""
        if code in self._centre_names:
            return self._centre_names[code]
        data = _CENTRE_SELECTOR + abi_encode(["uint32"], [code])
        (c,) = abi_decode(_CENTRE_TYPES, self.rpc.eth_call(self.consortium, data))
        name = str(c[0]) if c[3] != 0 else None
        self._centre_names[code] = name
        return name

    def active_entries(self, subject: bytes) -> list[BlacklistEntry]:
        return self._entries(self.rpc.eth_call(self.blacklist_address, _ACTIVE_SELECTOR + subject))

    @staticmethod
    def _entries(raw: bytes) -> list[BlacklistEntry]:
        (rows,) = abi_decode(_ACTIVE_TYPES, raw)
        return [
            BlacklistEntry(id=r[0], centre=r[1], reason=BlacklistReason(r[2]), status=EntryStatus(r[3]), listed_at=r[4],
                        expires_at=r[5])
            for r in rows
        ]

    def active_counts(self, subjects: list[bytes]) -> list[int]:
        data = _COUNTS_SELECTOR + abi_encode(["bytes32[]"], [subjects])
        (counts,) = abi_decode(["uint256[]"], self.rpc.eth_call(self.blacklist_address, data))
        return [int(c) for c in counts]
