"""The digest a centre uses for its own off-chain integrity records: SM3 when the centre signs
with the national suite (SM2, docs/crypto.md), else SHA-256.

Used for blacklist case files and evidence, and for the hash of a clerk's note that goes on chain
with a lift. Not used where every party must derive the same value (key ids, the subject
reference, the certificate digest and Merkle tree): those are fixed by the format and contracts.
"""

from __future__ import annotations

import hashlib
from typing import Literal

__all__ = ["DigestName", "digest", "digest_for_centre"]

DigestName = Literal["sha256", "sm3"]


def digest(data: bytes, name: DigestName = "sha256") -> bytes:
    """32 bytes: SHA-256 (hashlib) or SM3 (GmSSL, through gmssl-pyx) of `data`."""
    if name == "sm3":
        from gmssl_pyx import sm3_hash  # noqa: PLC0415 — GmSSL loads only for a national-suite centre

        return bytes(sm3_hash(data))
    if name == "sha256":
        return hashlib.sha256(data).digest()
    raise ValueError(f"unknown digest {name!r}: sha256 or sm3")


def digest_for_centre(centre: int) -> DigestName:
    """SM3 for a centre whose signing suite (HPF_SIGNING_ALGORITHMS; on the local network the demo
    centre 460400) is SM2, else SHA-256."""
    from issuer.settings import get_issuer_settings  # noqa: PLC0415 — `import issuer.digests` stays ~7 ms, not ~300

    return "sm3" if get_issuer_settings().signing_algorithm_for(centre) == "SM2" else "sha256"
