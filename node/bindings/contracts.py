"""Typed calls per contract: plain Python values in, frozen dataclasses out.

Each binding wraps one deployed contract; reads go through `_call` (a revert becomes a
ContractError, node/bindings/reverts.py) and transactions through a `Sender`, whose account the
contract checks. `Contracts.at` opens the four contracts of one deployment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import BlockIdentifier, TxReceipt

from node.abi import CONTRACT_NAMES, abi
from node.bindings.reverts import simulate
from node.bindings.transport import Sender
from node.bindings.values import (
    AccessPurpose,
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
    sealed_reference,
    unpack_access_record,
)
from node.sealing import open_sealed, seal

__all__ = ["AccessTraceBinding", "BlacklistBinding", "CertificateLedgerBinding", "ConsortiumBinding", "Contracts"]


class _Binding:
    contract_name: str = ""

    def __init__(self, w3: Web3, address: str) -> None:
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.contract: Contract = w3.eth.contract(address=self.address, abi=abi(self.contract_name))

    def _call(self, fn: ContractFunction, block: BlockIdentifier = "latest") -> Any:
        return simulate(lambda: fn.call(block_identifier=block))

    def events(self, receipt: TxReceipt, event: str) -> list[dict[str, Any]]:
        return [dict(e["args"]) for e in getattr(self.contract.events, event)().process_receipt(receipt, errors=DISCARD)]

    def encode(self, fn_name: str, *args: Any) -> bytes:
        """Calldata for a call on this contract, to put in a governance proposal."""
        return bytes(HexBytes(self.contract.encode_abi(fn_name, args=list(args))))


class ConsortiumBinding(_Binding):
    contract_name = "Consortium"

    def account(self, who: str) -> AccountInfo:
        a = self._call(self.contract.functions.account(to_checksum_address(who)))
        return AccountInfo(id=a[0], role=Role(a[1]), active=a[2])

    def centre(self, code: int) -> CentreInfo:
        c = self._call(self.contract.functions.centre(code))
        return CentreInfo(code=code, name=c[0], admin=c[1], operator=c[2], status=CentreStatus(c[3]))

    def institution(self, id_: int) -> InstitutionInfo:
        i = self._call(self.contract.functions.institution(id_))
        return InstitutionInfo(id=id_, name=i[0], account=i[1], sponsor=i[2], active=i[3])

    def key(self, key_id: bytes) -> SigningKeyInfo:
        k = self._call(self.contract.functions.key(key_id))
        return SigningKeyInfo(
            key_id=key_id, centre=k[0], algorithm=KeyAlgorithm(k[1]), valid_from=k[2], valid_until=k[3], public_key=k[4]
        )

    def proposal(self, proposal_id: int) -> ProposalInfo:
        p = self._call(self.contract.functions.proposal(proposal_id))
        return ProposalInfo(
            id=proposal_id, target=p[0], proposer=p[1], approvals=p[2], expires_at=p[3], executed=p[4],
            cancelled=p[5], data=bytes(p[6]),
        )

    def approvers_of(self, proposal_id: int) -> list[int]:
        return [int(c) for c in self._call(self.contract.functions.approversOf(proposal_id))]

    def active_approvals(self, proposal_id: int) -> int:
        return int(self._call(self.contract.functions.activeApprovals(proposal_id)))

    def threshold(self) -> int:
        return int(self._call(self.contract.functions.threshold()))

    def active_members(self) -> int:
        return int(self._call(self.contract.functions.activeMembers()))

    def key_valid_at(self, code: int, key_id: bytes, at: int) -> tuple[bool, bool]:
        valid, active = self._call(self.contract.functions.keyValidAt(code, key_id, at))
        return bool(valid), bool(active)

    # transactions (the sender must be the right account; the contract checks it)

    def propose(self, sender: Sender, target: str, data: bytes) -> int:
        receipt = sender.send(self.contract.functions.propose(to_checksum_address(target), data))
        return int(self.events(receipt, "ProposalCreated")[0]["proposalId"])

    def approve(self, sender: Sender, proposal_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.approve(proposal_id))

    def execute(self, sender: Sender, proposal_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.execute(proposal_id))

    def cancel(self, sender: Sender, proposal_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.cancel(proposal_id))

    def register_key(self, sender: Sender, key_id: bytes, algorithm: KeyAlgorithm, public_key: bytes) -> TxReceipt:
        return sender.send(self.contract.functions.registerKey(key_id, int(algorithm), public_key))

    def retire_key(self, sender: Sender, key_id: bytes) -> TxReceipt:
        return sender.send(self.contract.functions.retireKey(key_id))

    def set_operator(self, sender: Sender, new_operator: str) -> TxReceipt:
        return sender.send(self.contract.functions.setOperator(to_checksum_address(new_operator)))


class CertificateLedgerBinding(_Binding):
    contract_name = "CertificateLedger"

    def anchor(self, sender: Sender, root: bytes, leaf_count: int, *, wait: bool = True) -> Any:
        return sender.send(self.contract.functions.anchor(root, leaf_count), wait=wait)

    def revoke(
        self, sender: Sender, digest: bytes, root: bytes, proof: list[bytes], reason: RevocationReason
    ) -> TxReceipt:
        return sender.send(self.contract.functions.revoke(digest, root, proof, int(reason)))

    def batch(self, centre: int, root: bytes) -> BatchInfo | None:
        """The batch `centre` anchored under `root` (roots are namespaced by centre), or None."""
        b = self._call(self.contract.functions.batch(centre, root))
        if b[0] == 0:
            return None
        return BatchInfo(root=root, centre=b[0], leaf_count=b[1], anchored_at=b[2], block_number=b[3])

    def certificate_status(self, digest: bytes, root: bytes, centre: int, key_id: bytes) -> CertificateStatus:
        s = self._call(self.contract.functions.certificateStatus(digest, root, centre, key_id))
        return CertificateStatus(
            anchored=s[0],
            anchoring_centre=s[1],
            anchored_at=s[2],
            anchor_block=s[3],
            revoked=s[4],
            revoked_at=s[5],
            revocation_reason=RevocationReason(s[6]),
            key_valid_at_anchor=s[7],
            centre_active=s[8],
            read_at=s[9],
            read_block=s[10],
        )

    def leaf_of(self, digest: bytes) -> bytes:
        return bytes(self._call(self.contract.functions.leafOf(digest)))


class BlacklistBinding(_Binding):
    contract_name = "Blacklist"

    def lift(self, sender: Sender, entry_id: int, reason: LiftReason, note_hash: bytes = bytes(32)) -> TxReceipt:
        return sender.send(self.contract.functions.lift(entry_id, int(reason), note_hash))

    def mark_under_appeal(self, sender: Sender, entry_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.markUnderAppeal(entry_id))

    def confirm(self, sender: Sender, entry_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.confirm(entry_id))

    def entry(self, entry_id: int) -> BlacklistEntry:
        return self._entry(self._call(self.contract.functions.entry(entry_id)))

    def active_entries_of(self, subject: bytes) -> list[BlacklistEntry]:
        return [self._entry(e) for e in self._call(self.contract.functions.activeEntriesOf(subject))]

    def active_counts_of(self, subjects: list[bytes]) -> list[int]:
        return [int(c) for c in self._call(self.contract.functions.activeCountsOf(subjects))]

    def counts_of(self, centre: int) -> tuple[int, int]:
        listed, lifted = self._call(self.contract.functions.countsOf(centre))
        return int(listed), int(lifted)

    def duration_bounds(self) -> tuple[int, int]:
        lo, hi = self._call(self.contract.functions.durationBounds())
        return int(lo), int(hi)

    # Defined after the methods annotated with `list[...]`: below it, `list` names this method.
    def list(
        self, sender: Sender, subject: bytes, reason: BlacklistReason, expires_at: int, case_hash: bytes
    ) -> int:
        receipt = sender.send(self.contract.functions.list(subject, int(reason), expires_at, case_hash))
        return int(self.events(receipt, "EntryListed")[0]["id"])

    @staticmethod
    def _entry(e: Any) -> BlacklistEntry:
        return BlacklistEntry(
            id=e[0], centre=e[1], reason=BlacklistReason(e[2]), status=EntryStatus(e[3]), listed_at=e[4], expires_at=e[5]
        )


class AccessTraceBinding(_Binding):
    contract_name = "AccessTrace"

    def trace_key(self) -> tuple[int, bytes]:
        """(version, X25519 public key) that new records are sealed to."""
        version, key = self._call(self.contract.functions.traceKey())
        return int(version), bytes(key)

    def seal(self, records: list[tuple[bytes, AccessPurpose]]) -> tuple[bytes, bytes]:
        """The `record` arguments for plain references: each sealed to the current trace key."""
        version, key = self.trace_key()
        sealed = b"".join(seal(key, r, purpose=int(p), key_version=version) for r, p in records)
        return sealed, bytes(int(p) for _, p in records)

    @staticmethod
    def open_record(args: Any, private_key: bytes) -> bytes | None:
        """The reference inside one AccessRecorded event's `args`, if sealed to `private_key`
        (a member centre's copy of the trace key's private half); None otherwise."""
        f = unpack_access_record(int(args["record"]))
        return open_sealed(X25519PrivateKey.from_private_bytes(private_key), sealed_reference(args),
                           purpose=int(f.purpose), key_version=f.key_version)

    def record(
        self, sender: Sender, records: list[tuple[bytes, AccessPurpose]], *, wait: bool = True
    ) -> Any:
        """Records accesses to plain 32-byte references; they go on chain sealed (node/sealing.py)."""
        sealed, purposes = self.seal(records)
        return sender.send(self.contract.functions.record(sealed, purposes), wait=wait)


@dataclass(frozen=True)
class Contracts:
    """The four deployed contracts of one network."""

    consortium: ConsortiumBinding
    ledger: CertificateLedgerBinding
    blacklist: BlacklistBinding
    trace: AccessTraceBinding

    @classmethod
    def at(cls, w3: Web3, addresses: dict[str, str]) -> Contracts:
        missing = [n for n in CONTRACT_NAMES if n not in addresses]
        if missing:
            raise ValueError(f"addresses missing for {', '.join(missing)}")
        return cls(
            consortium=ConsortiumBinding(w3, addresses["Consortium"]),
            ledger=CertificateLedgerBinding(w3, addresses["CertificateLedger"]),
            blacklist=BlacklistBinding(w3, addresses["Blacklist"]),
            trace=AccessTraceBinding(w3, addresses["AccessTrace"]),
        )

    def addresses(self) -> dict[str, str]:
        return {
            "Consortium": self.consortium.address,
            "CertificateLedger": self.ledger.address,
            "Blacklist": self.blacklist.address,
            "AccessTrace": self.trace.address,
        }
