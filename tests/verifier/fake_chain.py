"""An in-memory `verifier.chain.ChainReader`: the chain's answers as plain data, so every check of
the pipeline is unit-tested without a node. It answers as the contracts do (CertificateLedger.
certificateStatus with batches and revocations namespaced by centre, Consortium.keyValidAt,
Blacklist.activeEntriesOf); the anvil tests in test_pipeline.py check the same cases against the
real contracts. Its clock `now` is the head's time: set it back to make the node lag."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from node.bindings import BlacklistEntry, CertificateStatus, KeyAlgorithm, RevocationReason
from verifier.chain import ChainReader, ChainUnavailable, PublicKey


@dataclass
class _Key:
    public: PublicKey
    valid_from: int
    valid_until: int = 0  # 0: not retired


@dataclass
class FakeChain:
    now: int = field(default_factory=lambda: int(time.time()))  # the head's time
    max_head_age: float = 60.0  # as RpcChainReader's default: a head older than this is NODE_BEHIND
    block: int = 1_000
    down: bool = False  # every read raises ChainUnavailable
    broken: Exception | None = None  # every read raises this (a bug, not an outage)
    centres: dict[int, tuple[str, bool]] = field(
        default_factory=lambda: {460100: ("海口市住房公积金管理局", True), 460200: ("三亚市住房公积金管理局", True)}
    )
    keys: dict[bytes, _Key] = field(default_factory=dict)
    batches: dict[tuple[int, bytes], tuple[int, int]] = field(default_factory=dict)  # (centre, root) -> time, block
    revocations: dict[tuple[int, bytes], tuple[int, RevocationReason]] = field(default_factory=dict)
    entries: dict[bytes, list[BlacklistEntry]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)

    # --- arranging the chain ---

    def register_key(self, centre: int, key_id: bytes, public_key: bytes, *, at: int | None = None,
                     algorithm: KeyAlgorithm = KeyAlgorithm.EDDSA) -> None:
        public = PublicKey(key_id=key_id, centre=centre, algorithm=algorithm, public_key=public_key)
        self.keys[key_id] = _Key(public=public, valid_from=self.now if at is None else at)

    def retire_key(self, key_id: bytes, *, at: int | None = None) -> None:
        self.keys[key_id].valid_until = self.now if at is None else at

    def anchor(self, root: bytes, centre: int, *, at: int | None = None) -> None:
        self.block += 1
        self.batches[(centre, root)] = (self.now if at is None else at, self.block)

    def revoke(self, centre: int, digest: bytes, reason: RevocationReason = RevocationReason.SUPERSEDED) -> None:
        self.revocations[(centre, digest)] = (self.now, reason)

    def suspend(self, centre: int) -> None:
        name, _ = self.centres[centre]
        self.centres[centre] = (name, False)

    # --- ChainReader ---

    def _read(self, what: str) -> None:
        self.reads.append(what)
        if self.broken is not None:
            raise self.broken
        if self.down:
            raise ChainUnavailable("the chain RPC at http://fake cannot be reached: connection refused")

    @property
    def node(self) -> str:
        return "http://fake"

    def head_bound(self) -> float:
        return self.max_head_age

    def head_age(self, head_time: int, now: float) -> float | None:
        age = now - head_time
        return age if self.max_head_age and age > self.max_head_age else None

    def node_behind(self, now: float) -> float | None:
        try:
            self._read("head")
        except ChainUnavailable:
            return None
        return self.head_age(self.now, now)

    def public_key(self, key_id: bytes) -> PublicKey | None:
        self._read("public_key")
        k = self.keys.get(key_id)
        return None if k is None else k.public

    def certificate_status(self, digest: bytes, root: bytes, centre: int, key_id: bytes) -> CertificateStatus:
        self._read("certificate_status")
        # Read in `centre`'s namespace only: a batch anchored by another centre backs nothing.
        anchored_at, anchor_block = self.batches.get((centre, root), (0, 0))
        anchoring = centre if (centre, root) in self.batches else 0
        revoked_at, reason = self.revocations.get((centre, digest), (0, RevocationReason.NONE))
        k = self.keys.get(key_id)
        key_valid = (
            k is not None and k.public.centre == centre and centre != 0 and anchored_at >= k.valid_from
            and (k.valid_until == 0 or anchored_at < k.valid_until)
        )  # fmt: skip
        return CertificateStatus(
            anchored=anchoring != 0,
            anchoring_centre=anchoring,
            anchored_at=anchored_at,
            anchor_block=anchor_block,
            revoked=revoked_at != 0,
            revoked_at=revoked_at,
            revocation_reason=reason,
            key_valid_at_anchor=anchoring != 0 and key_valid,
            centre_active=self.centres.get(centre, ("", False))[1],
            read_at=self.now,
            read_block=self.block,
        )

    def status_and_entries(
        self, digest: bytes, root: bytes, centre: int, key_id: bytes, subject: bytes
    ) -> tuple[CertificateStatus, list[BlacklistEntry]]:
        return self.certificate_status(digest, root, centre, key_id), self.active_entries(subject)

    def active_entries(self, subject: bytes) -> list[BlacklistEntry]:
        self._read("active_entries")
        return [e for e in self.entries.get(subject, []) if e.expires_at > self.now]

    def centre_name(self, code: int) -> str | None:
        self._read("centre_name")
        centre = self.centres.get(code)
        return None if centre is None else centre[0]


_: type[ChainReader] = FakeChain  # mypy checks that the fake keeps the protocol
