"""The values the contracts take and return, as Python enums and frozen dataclasses.

The enums mirror the contracts' enums code for code; `enum_code` is the one spelling of a member
in JSON and in the index ("loan_default" → "loan-default"). An AccessRecorded event packs its clear
fields into one word and carries its sealed reference in three parts: `unpack_access_record` and
`sealed_reference` read them, for the bindings and the indexer alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

__all__ = [
    "AccessPurpose",
    "AccessRecordFields",
    "AccountInfo",
    "BatchInfo",
    "BlacklistEntry",
    "BlacklistReason",
    "CentreInfo",
    "CentreStatus",
    "CertificateStatus",
    "EntryStatus",
    "InstitutionInfo",
    "KeyAlgorithm",
    "LiftReason",
    "ProposalInfo",
    "RevocationReason",
    "Role",
    "SigningKeyInfo",
    "enum_code",
    "sealed_reference",
    "unpack_access_record",
]


class Role(IntEnum):
    NONE = 0
    CENTRE_ADMIN = 1
    CENTRE_OPERATOR = 2
    INSTITUTION = 3


class CentreStatus(IntEnum):
    NONE = 0
    ACTIVE = 1
    SUSPENDED = 2


class KeyAlgorithm(IntEnum):
    NONE = 0
    EDDSA = 1
    ES256 = 2
    SM2 = 3  # SM2 with SM3, default signer ID; 65-byte uncompressed public key


class RevocationReason(IntEnum):
    NONE = 0
    SUPERSEDED = 1
    ISSUED_IN_ERROR = 2
    ACCOUNT_CHANGED = 3
    KEY_COMPROMISED = 4
    OTHER = 5


class BlacklistReason(IntEnum):
    NONE = 0
    FORGED_MATERIALS = 1
    FRAUDULENT_WITHDRAWAL = 2
    LOAN_DEFAULT = 3
    FRAUDULENT_LOAN = 4
    OTHER = 5


class LiftReason(IntEnum):
    NONE = 0
    APPEAL_UPHELD = 1
    LISTED_IN_ERROR = 2
    SETTLED = 3
    COURT_ORDER = 4
    OTHER = 5


class EntryStatus(IntEnum):
    NONE = 0
    LISTED = 1
    UNDER_APPEAL = 2
    LIFTED = 3


class AccessPurpose(IntEnum):
    NONE = 0
    CERTIFICATE_VERIFIED = 1
    BLACKLIST_CHECKED = 2
    CERTIFICATE_DOWNLOADED = 3


@dataclass(frozen=True, kw_only=True)
class AccountInfo:
    id: int
    role: Role
    active: bool


@dataclass(frozen=True, kw_only=True)
class CentreInfo:
    code: int
    name: str
    admin: str
    operator: str
    status: CentreStatus


@dataclass(frozen=True, kw_only=True)
class InstitutionInfo:
    id: int
    name: str
    account: str
    sponsor: int
    active: bool


@dataclass(frozen=True, kw_only=True)
class SigningKeyInfo:
    key_id: bytes
    centre: int
    algorithm: KeyAlgorithm
    valid_from: int
    valid_until: int
    public_key: bytes


@dataclass(frozen=True, kw_only=True)
class ProposalInfo:
    id: int
    target: str
    proposer: int
    approvals: int
    expires_at: int
    executed: bool
    cancelled: bool
    data: bytes


@dataclass(frozen=True, kw_only=True)
class BatchInfo:
    root: bytes
    centre: int
    leaf_count: int
    anchored_at: int
    block_number: int


@dataclass(frozen=True, kw_only=True)
class CertificateStatus:
    anchored: bool
    anchoring_centre: int
    anchored_at: int
    anchor_block: int
    revoked: bool
    revoked_at: int
    revocation_reason: RevocationReason
    key_valid_at_anchor: bool
    centre_active: bool
    read_at: int
    read_block: int


@dataclass(frozen=True, kw_only=True)
class BlacklistEntry:
    id: int
    centre: int
    reason: BlacklistReason
    status: EntryStatus
    listed_at: int
    expires_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "centre": self.centre,
            "reason": enum_code(self.reason),
            "under_appeal": self.status is EntryStatus.UNDER_APPEAL,
            "listed_at": self.listed_at,
            "expires_at": self.expires_at,
        }


def enum_code(member: IntEnum) -> str:
    """How a contract enum's member is written in JSON and in the index: `LOAN_DEFAULT` → "loan-default"."""
    return member.name.lower().replace("_", "-")


@dataclass(frozen=True, kw_only=True)
class AccessRecordFields:
    recorder: int
    purpose: AccessPurpose
    recorded_at: int
    key_version: int


def unpack_access_record(record: int) -> AccessRecordFields:
    """The fields packed in the `record` word of AccessTrace's AccessRecorded event."""
    return AccessRecordFields(
        recorder=(record >> 72) & 0xFFFFFFFF, purpose=AccessPurpose((record >> 64) & 0xFF),
        recorded_at=record & (2**64 - 1), key_version=(record >> 104) & 0xFFFF,
    )


def sealed_reference(args: Mapping[str, Any]) -> bytes:
    """The sealed reference of one AccessRecorded event's `args`: enc ‖ ciphertext ‖ tag (node/sealing.py)."""
    return bytes(args["enc"]) + bytes(args["ciphertext"]) + bytes(args["tag"])
