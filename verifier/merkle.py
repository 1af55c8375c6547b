"""The batch Merkle tree, exactly as `CertificateLedger` checks it on chain.

leaf  = keccak256(0x00 ‖ digest)          (33 bytes: never mistaken for an inner node)
inner = keccak256(min(a, b) ‖ max(a, b))  (OpenZeppelin MerkleProof's commutative hash)
A node without a sibling at the end of a level moves up unchanged, so a proof has at most
ceil(log2(n)) elements and a batch of one has the empty proof (root = its leaf).

A batch holds at most MAX_BATCH_SIZE (64) certificates, so a proof has at most MAX_PROOF_DEPTH (6)
siblings: the proof travels in the certificate's QR code, and a deeper one does not fit the QR
budget (docs/format.md, "QR budget").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from verifier.hashing import keccak256 as keccak

MAX_BATCH_SIZE = 64
MAX_PROOF_DEPTH = 6  # log2(MAX_BATCH_SIZE)


def leaf_hash(digest: bytes) -> bytes:
    if len(digest) != 32:
        raise ValueError("a certificate digest is 32 bytes")
    return keccak(b"\x00" + digest)


def _pair(a: bytes, b: bytes) -> bytes:
    return keccak(a + b) if a < b else keccak(b + a)


@dataclass(frozen=True)
class MerkleTree:
    levels: tuple[tuple[bytes, ...], ...]

    @classmethod
    def build(cls, digests: list[bytes], *, max_size: int = MAX_BATCH_SIZE) -> MerkleTree:
        """The tree of one batch. `max_size` above MAX_BATCH_SIZE is for measuring the contract
        (which accepts any tree), never for certificates: their proofs would not fit the QR."""
        if not digests:
            raise ValueError("a batch needs at least one certificate")
        if len(digests) > max_size:
            raise ValueError(f"a batch holds at most {max_size} certificates, not {len(digests)}")
        level = tuple(leaf_hash(d) for d in digests)
        levels = [level]
        while len(level) > 1:
            nxt = [_pair(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = tuple(nxt)
            levels.append(level)
        return cls(tuple(levels))

    @property
    def root(self) -> bytes:
        return self.levels[-1][0]

    def __len__(self) -> int:
        return len(self.levels[0])

    def proof(self, index: int) -> list[bytes]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        proof = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                proof.append(level[sibling])
            index //= 2
        return proof


def verify_proof(digest: bytes, proof: list[bytes], root: bytes) -> bool:
    node = leaf_hash(digest)
    for sibling in proof:
        node = _pair(node, sibling)
    return node == root


def root_from_proof(digest: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that `proof` leads to from `digest`'s leaf: fold the siblings onto the leaf."""
    node = leaf_hash(digest)
    for sibling in proof:
        if len(sibling) != 32:
            raise ValueError("every Merkle proof element is 32 bytes")
        node = _pair(node, sibling)
    return node
