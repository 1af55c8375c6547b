"""Typed Python bindings for the consortium contracts.

`issuer/` and `verifier/` talk to the chain only through these classes: they take and return
plain Python values and frozen dataclasses, and a revert becomes a `ContractError` whose message
names the contract's custom error and its values. The error table is built from the ABIs.

- `values`: the contracts' enums and the dataclasses their reads return;
- `reverts`: revert data decoded into `ContractError` (`decode_revert`, `simulate`);
- `transport`: `Sender`, which signs and sends one account's transactions;
- `contracts`: one binding per contract and `Contracts`, the four of a deployment.
"""

from __future__ import annotations

from node.bindings.contracts import (
    AccessTraceBinding,
    BlacklistBinding,
    CertificateLedgerBinding,
    ConsortiumBinding,
    Contracts,
)
from node.bindings.reverts import decode_revert, simulate
from node.bindings.transport import Sender
from node.bindings.values import (
    AccessPurpose,
    AccessRecordFields,
    AccountInfo,
    BatchInfo,
    BlacklistEntry,
    BlacklistReason,
    CentreInfo,
    CentreStatus,
    CertificateStatus,
    EntryStatus,
    InstitutionInfo,
    KeyAlgorithm,
    LiftReason,
    ProposalInfo,
    RevocationReason,
    Role,
    SigningKeyInfo,
    enum_code,
    sealed_reference,
    unpack_access_record,
)

__all__ = [
    "AccessPurpose",
    "AccessRecordFields",
    "AccessTraceBinding",
    "AccountInfo",
    "BatchInfo",
    "BlacklistBinding",
    "BlacklistEntry",
    "BlacklistReason",
    "CentreInfo",
    "CentreStatus",
    "CertificateLedgerBinding",
    "CertificateStatus",
    "ConsortiumBinding",
    "Contracts",
    "EntryStatus",
    "InstitutionInfo",
    "KeyAlgorithm",
    "LiftReason",
    "ProposalInfo",
    "RevocationReason",
    "Role",
    "Sender",
    "SigningKeyInfo",
    "decode_revert",
    "enum_code",
    "sealed_reference",
    "simulate",
    "unpack_access_record",
]
