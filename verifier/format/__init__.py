"""The HPF1 certificate format (docs/format.md), modelled on the EU digital COVID certificate.

    Certificate → CBOR payload → COSE_Sign1 (EdDSA, ES256 or SM2) → zlib → base45 → "HPF1:" + text

The COSE unprotected header carries the batch Merkle proof, attached after the batch is anchored:
the siblings and a 4-byte tag of the batch root (the verifier recomputes the root from the digest
and the siblings, and checks it against the tag). The certificate digest covers only the signed
bytes, so attaching the proof does not change it.
`decode` treats its input as hostile: every failure is a `MalformedCertificate` or an
`UnsupportedVersion`, with bounded work and memory.

One module a step: `content` (the fields and their rules), `wire` (the CBOR payload and the plain
CBOR reader), `cose` (COSE_Sign1, signatures, key ids, digests, the Merkle proof) and `text` (the
"HPF1:" text: zlib and base45). This package re-exports their public names.
"""

from verifier.format.content import ACCOUNT_STATUSES, PURPOSES, AccountStatus, Certificate, Purpose
from verifier.format.cose import (
    ALGORITHMS,
    DIGEST_DOMAIN,
    DISCLOSURES_LABEL,
    MAX_DECOMPRESSED_BYTES,
    PROOF_LABEL,
    ROOT_TAG_LENGTH,
    Algorithm,
    PrivateKey,
    SignedCertificate,
    certificate_digest,
    computed_root,
    from_cose,
    key_id_for,
    public_key_bytes,
    sign,
    to_cose,
    verify_signature,
    with_proof,
)
from verifier.format.text import MAX_TEXT_LENGTH, PREFIX, decode, encode
from verifier.format.wire import MINIMAL_PAYLOAD_VERSION, PAYLOAD_KEYS, PAYLOAD_VERSION
from verifier.merkle import MAX_PROOF_DEPTH

__all__ = [
    "ACCOUNT_STATUSES",
    "ALGORITHMS",
    "DIGEST_DOMAIN",
    "DISCLOSURES_LABEL",
    "MAX_DECOMPRESSED_BYTES",
    "MAX_PROOF_DEPTH",
    "MAX_TEXT_LENGTH",
    "MINIMAL_PAYLOAD_VERSION",
    "PAYLOAD_KEYS",
    "PAYLOAD_VERSION",
    "PREFIX",
    "PROOF_LABEL",
    "PURPOSES",
    "ROOT_TAG_LENGTH",
    "AccountStatus",
    "Algorithm",
    "Certificate",
    "PrivateKey",
    "Purpose",
    "SignedCertificate",
    "certificate_digest",
    "computed_root",
    "decode",
    "encode",
    "from_cose",
    "key_id_for",
    "public_key_bytes",
    "sign",
    "to_cose",
    "verify_signature",
    "with_proof",
]
