"""Typed Python bindings for the consortium contracts.

`issuer/` and `verifier/` talk to the chain only through these classes: they take and return
plain Python values and frozen dataclasses, and a revert becomes a `ContractError` whose message
names the contract's custom error and its values. The error table is built from the ABIs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from eth_abi import decode as abi_decode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError
from web3.logs import DISCARD
from web3.types import TxReceipt

from node.abi import CONTRACT_NAMES, abi
from node.errors import ContractError, TransactionFailed

if TYPE_CHECKING:
    from node.sender import NonceLock


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
            "reason": self.reason.name.lower().replace("_", "-"),
            "under_appeal": self.status is EntryStatus.UNDER_APPEAL,
            "listed_at": self.listed_at,
            "expires_at": self.expires_at,
        }


# --- revert decoding -------------------------------------------------------------------------

_PANIC = {0x01: "assertion failed", 0x11: "arithmetic overflow", 0x12: "division by zero", 0x32: "index out of range"}


def _error_table() -> dict[bytes, tuple[str, list[dict[str, Any]]]]:
    table: dict[bytes, tuple[str, list[dict[str, Any]]]] = {}
    for name in CONTRACT_NAMES:
        for item in abi(name):
            if item["type"] != "error":
                continue
            sig = f"{item['name']}({','.join(_abi_type(i) for i in item['inputs'])})"
            table[keccak(text=sig)[:4]] = (item["name"], item["inputs"])
    return table


def _abi_type(item: dict[str, Any]) -> str:
    t = str(item["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item["components"]) + ")" + t[5:]
    return t


_TABLE: dict[bytes, tuple[str, list[dict[str, Any]]]] | None = None
_TABLE_LOCK = threading.Lock()


def decode_revert(data: bytes | str | None) -> ContractError:
    """Turn revert data into a ContractError naming the custom error and its arguments."""
    global _TABLE
    raw = HexBytes(data or b"")
    if len(raw) < 4:
        return ContractError("The contract call reverted without a reason.", error="")
    with _TABLE_LOCK:
        if _TABLE is None:
            _TABLE = _error_table()
    selector, body = bytes(raw[:4]), bytes(raw[4:])
    if selector == keccak(text="Error(string)")[:4]:
        (msg,) = abi_decode(["string"], body)
        return ContractError(f"The contract call reverted: {msg}", error="Error", args={"message": msg})
    if selector == keccak(text="Panic(uint256)")[:4]:
        (code,) = abi_decode(["uint256"], body)
        return ContractError(f"The contract panicked: {_PANIC.get(code, hex(code))}.", error="Panic", args={"code": code})
    known = _TABLE.get(selector)
    if known is None:
        return ContractError(f"The contract call reverted with unknown error 0x{raw.hex()}.", error="")
    name, inputs = known
    values = abi_decode([_abi_type(i) for i in inputs], body) if inputs else ()
    args = {i["name"] or f"arg{n}": _plain(v) for n, (i, v) in enumerate(zip(inputs, values, strict=True))}
    shown = ", ".join(f"{k}={v}" for k, v in args.items())
    return ContractError(f"{name}({shown})", error=name, args=args)


def _plain(v: Any) -> Any:
    if isinstance(v, bytes):
        return "0x" + v.hex()
    return v


def _revert_data(exc: BaseException) -> bytes | str | None:
    """Revert data carried by `exc` or by an exception it was raised from.

    web3 puts it in `.data` for a JSON-RPC node; the in-process eth-tester raises its own error
    with the raw bytes as the first argument, which web3 wraps in another one.
    """
    seen: BaseException | None = exc
    while seen is not None:
        data = getattr(seen, "data", None)
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return data
        if seen.args and isinstance(seen.args[0], bytes):
            return seen.args[0]
        if seen.args and isinstance(seen.args[0], Exception) and seen.args[0].args:
            inner = seen.args[0].args[0]
            if isinstance(inner, bytes):
                return inner
        seen = seen.__cause__ or seen.__context__
    return None


_REVERTS: tuple[type[BaseException], ...] = (ContractCustomError, ContractLogicError, ContractPanicError)


def _is_revert(exc: BaseException) -> bool:
    if isinstance(exc, _REVERTS):
        return True
    return type(exc).__name__ == "TransactionFailed" and "execution reverted" in str(exc)


def simulate(call: Callable[[], Any]) -> Any:
    """Run a read-only call (`eth_call`); a revert becomes the ContractError naming its error."""
    try:
        return call()
    except Exception as exc:
        if _is_revert(exc):
            raise decode_revert(_revert_data(exc)) from exc
        raise


# --- transport -------------------------------------------------------------------------------


class Sender:
    """Signs and sends transactions for one account, keeping its nonce locally.

    One Sender per account and process: the nonce is taken from the chain once and then counted,
    so bulk work sends without a round trip per nonce. With `lock` (node.sender.account_lock) the
    account is shared safely with every other sender of it, in this and other processes.
    """

    def __init__(self, w3: Web3, account: LocalAccount, *, lock: NonceLock | None = None) -> None:
        self.w3 = w3
        self.account = account
        self.address = account.address
        self._lock = threading.Lock()
        self._nonce: int | None = None
        self._chain_id = w3.eth.chain_id
        self.nonce_lock = lock

    def send(self, fn: ContractFunction, *, wait: bool = True, gas: int | None = None) -> TxReceipt | HexBytes:
        """Send `fn` as a transaction; on revert raise ContractError with the decoded error."""
        try:
            estimated = gas or fn.estimate_gas({"from": self.address})
        except Exception as exc:
            if _is_revert(exc):
                raise decode_revert(_revert_data(exc)) from exc
            raise
        with self._lock, (self.nonce_lock.held() if self.nonce_lock is not None else nullcontext()):
            if self.nonce_lock is not None:
                self._nonce = self.nonce_lock.cached()
            if self._nonce is None:
                self._nonce = self.w3.eth.get_transaction_count(self.address, "pending")
            nonce = self._nonce
            tx = fn.build_transaction(
                {
                    "from": self.address,
                    "nonce": nonce,
                    "gas": int(estimated * 1.2) + 10_000,
                    "chainId": self._chain_id,
                }
            )
            signed = self.account.sign_transaction(tx)
            try:
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception:
                self._nonce = None  # re-read from the chain next time
                if self.nonce_lock is not None:
                    self.nonce_lock.forget()
                raise
            self._nonce = nonce + 1
            if self.nonce_lock is not None:
                self.nonce_lock.record(nonce + 1)
        if not wait:
            return tx_hash
        return self.wait(tx_hash)

    def wait(self, tx_hash: HexBytes, timeout: float = 120.0) -> TxReceipt:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
        if receipt["status"] != 1:
            raise TransactionFailed(f"Transaction {tx_hash.hex()} failed on chain (status 0).")
        return receipt


class _Binding:
    contract_name: str = ""

    def __init__(self, w3: Web3, address: str) -> None:
        self.w3 = w3
        self.address = to_checksum_address(address)
        self.contract: Contract = w3.eth.contract(address=self.address, abi=abi(self.contract_name))

    def _call(self, fn: ContractFunction, block: int | str = "latest") -> Any:
        try:
            return fn.call(block_identifier=block)
        except Exception as exc:
            if _is_revert(exc):
                raise decode_revert(_revert_data(exc)) from exc
            raise

    def events(self, receipt: TxReceipt, event: str) -> list[dict[str, Any]]:
        return [dict(e["args"]) for e in getattr(self.contract.events, event)().process_receipt(receipt, errors=DISCARD)]


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
        return int(self.events(receipt, "ProposalCreated")[0]["proposalId"])  # type: ignore[arg-type]

    def approve(self, sender: Sender, proposal_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.approve(proposal_id))  # type: ignore[return-value]

    def execute(self, sender: Sender, proposal_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.execute(proposal_id))  # type: ignore[return-value]

    def cancel(self, sender: Sender, proposal_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.cancel(proposal_id))  # type: ignore[return-value]

    def encode(self, fn_name: str, *args: Any) -> bytes:
        """Calldata for a governance call on this contract, to put in a proposal."""
        return bytes(HexBytes(self.contract.encode_abi(fn_name, args=list(args))))

    def register_key(self, sender: Sender, key_id: bytes, algorithm: KeyAlgorithm, public_key: bytes) -> TxReceipt:
        return sender.send(self.contract.functions.registerKey(key_id, int(algorithm), public_key))  # type: ignore[return-value]

    def retire_key(self, sender: Sender, key_id: bytes) -> TxReceipt:
        return sender.send(self.contract.functions.retireKey(key_id))  # type: ignore[return-value]

    def set_operator(self, sender: Sender, new_operator: str) -> TxReceipt:
        return sender.send(self.contract.functions.setOperator(to_checksum_address(new_operator)))  # type: ignore[return-value]


class CertificateLedgerBinding(_Binding):
    contract_name = "CertificateLedger"

    def anchor(self, sender: Sender, root: bytes, leaf_count: int, *, wait: bool = True) -> Any:
        return sender.send(self.contract.functions.anchor(root, leaf_count), wait=wait)

    def revoke(
        self, sender: Sender, digest: bytes, root: bytes, proof: list[bytes], reason: RevocationReason
    ) -> TxReceipt:
        return sender.send(self.contract.functions.revoke(digest, root, proof, int(reason)))  # type: ignore[return-value]

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

    def list(
        self, sender: Sender, subject: bytes, reason: BlacklistReason, expires_at: int, case_hash: bytes
    ) -> int:
        receipt = sender.send(self.contract.functions.list(subject, int(reason), expires_at, case_hash))
        return int(self.events(receipt, "EntryListed")[0]["id"])  # type: ignore[arg-type]

    def lift(self, sender: Sender, entry_id: int, reason: LiftReason, note_hash: bytes = bytes(32)) -> TxReceipt:
        return sender.send(self.contract.functions.lift(entry_id, int(reason), note_hash))  # type: ignore[return-value]

    def mark_under_appeal(self, sender: Sender, entry_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.markUnderAppeal(entry_id))  # type: ignore[return-value]

    def confirm(self, sender: Sender, entry_id: int) -> TxReceipt:
        return sender.send(self.contract.functions.confirm(entry_id))  # type: ignore[return-value]

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

    def encode(self, fn_name: str, *args: Any) -> bytes:
        return bytes(HexBytes(self.contract.encode_abi(fn_name, args=list(args))))

    @staticmethod
    def _entry(e: Any) -> BlacklistEntry:
        return BlacklistEntry(
            id=e[0], centre=e[1], reason=BlacklistReason(e[2]), status=EntryStatus(e[3]), listed_at=e[4], expires_at=e[5]
        )


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


class AccessTraceBinding(_Binding):
    contract_name = "AccessTrace"

    def trace_key(self) -> tuple[int, bytes]:
        """(version, X25519 public key) that new records are sealed to."""
        version, key = self._call(self.contract.functions.traceKey())
        return int(version), bytes(key)

    def seal(self, records: list[tuple[bytes, AccessPurpose]]) -> tuple[bytes, bytes]:
        """The `record` arguments for plain references: each sealed to the current trace key."""
        from node.sealing import seal  # noqa: PLC0415

        version, key = self.trace_key()
        sealed = b"".join(seal(key, r, purpose=int(p), key_version=version) for r, p in records)
        return sealed, bytes(int(p) for _, p in records)

    @staticmethod
    def open_record(args: Any, private_key: bytes) -> bytes | None:
        """The reference inside one AccessRecorded event's `args`, if sealed to `private_key`
        (a member centre's copy of the trace key's private half); None otherwise."""
        from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: PLC0415

        from node.sealing import open_sealed  # noqa: PLC0415

        f = unpack_access_record(int(args["record"]))
        sealed = bytes(args["enc"]) + bytes(args["ciphertext"]) + bytes(args["tag"])
        return open_sealed(X25519PrivateKey.from_private_bytes(private_key), sealed, purpose=int(f.purpose),
                           key_version=f.key_version)

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
