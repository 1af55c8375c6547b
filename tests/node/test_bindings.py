"""The Python bindings against an in-process chain (eth-tester): values in and out, and custom
errors mapped to ContractError with their names and values."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from eth_utils import keccak
from web3 import Web3

from node import accounts as demo
from node.bindings import (
    AccessPurpose,
    BlacklistReason,
    CentreStatus,
    Contracts,
    EntryStatus,
    KeyAlgorithm,
    LiftReason,
    RevocationReason,
    Role,
    Sender,
    decode_revert,
    enum_code,
    sealed_reference,
    unpack_access_record,
)
from node.errors import ContractError
from node.sealing import DEMO_TRACE_PRIVATE_KEY, open_sealed, trace_public_key

YEAR = 365 * 24 * 3600


def sender(w3: Web3, index: int) -> Sender:
    return Sender(w3, demo.demo_account(index))


def admin(w3: Web3, code: int) -> Sender:
    return sender(w3, demo.demo_centre(code).admin_index)


def operator(w3: Web3, code: int) -> Sender:
    return sender(w3, demo.demo_centre(code).operator_index)


def now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


def pair_hash(a: bytes, b: bytes) -> bytes:
    return keccak(min(a, b) + max(a, b))


def test_genesis_is_the_demo_consortium(tester_contracts: Contracts, tester_w3: Web3) -> None:
    c = tester_contracts.consortium
    assert c.threshold() == 2 and c.active_members() == 3
    haikou = c.centre(460100)
    assert haikou.status is CentreStatus.ACTIVE and haikou.name.startswith("海口")
    acct = c.account(demo.demo_account(demo.demo_centre(460200).operator_index).address)
    assert (acct.id, acct.role, acct.active) == (460200, Role.CENTRE_OPERATOR, True)
    lender = c.institution(91000002)
    assert lender.active and lender.sponsor == 460200


def test_custom_errors_become_contract_errors_with_values(tester_contracts: Contracts, tester_w3: Web3) -> None:
    stranger = sender(tester_w3, 10)
    with pytest.raises(ContractError) as info:
        tester_contracts.ledger.anchor(stranger, b"\x01" * 32, 1)
    assert info.value.error == "CertificateLedgerNotOperator"
    assert info.value.error_args == {"caller": stranger.address.lower()}
    assert "CertificateLedgerNotOperator(caller=0x" in str(info.value)

    op = operator(tester_w3, 460100)
    tester_contracts.ledger.anchor(op, b"\x02" * 32, 3)
    with pytest.raises(ContractError, match=r"CertificateLedgerRootAnchored\(root=0x0202.*centre=460100\)"):
        tester_contracts.ledger.anchor(op, b"\x02" * 32, 3)


def test_decode_revert_handles_empty_and_unknown_data() -> None:
    assert decode_revert(None).error == ""
    assert "unknown error 0xdeadbeef" in str(decode_revert("0xdeadbeef"))


def test_keys_are_valid_from_registration_until_retirement(tester_contracts: Contracts, tester_w3: Web3) -> None:
    c = tester_contracts.consortium
    key_id = hashlib.sha256(b"\xaa" * 32).digest()[:8]  # derived from the key, on chain too
    c.register_key(admin(tester_w3, 460100), key_id, KeyAlgorithm.EDDSA, b"\xaa" * 32)
    k = c.key(key_id)
    assert (k.centre, k.algorithm, k.valid_until, k.public_key) == (460100, KeyAlgorithm.EDDSA, 0, b"\xaa" * 32)
    assert c.key_valid_at(460100, key_id, k.valid_from) == (True, True)
    assert c.key_valid_at(460200, key_id, k.valid_from) == (False, True)  # not its key
    assert c.key_valid_at(999999, key_id, k.valid_from) == (False, False)  # no such centre
    with pytest.raises(ContractError, match="ConsortiumKeyNotOwned"):
        c.retire_key(admin(tester_w3, 460200), key_id)
    c.retire_key(admin(tester_w3, 460100), key_id)
    k = c.key(key_id)
    assert k.valid_until >= k.valid_from
    assert c.key_valid_at(460100, key_id, k.valid_until)[0] is False


def test_revoke_proves_inclusion_on_chain(tester_contracts: Contracts, tester_w3: Web3) -> None:
    ledger = tester_contracts.ledger
    digests = [keccak(text=f"cert-{i}") for i in range(2)]
    leaves = [ledger.leaf_of(d) for d in digests]
    assert leaves[0] == keccak(b"\x00" + digests[0])
    root = pair_hash(*leaves)
    op = operator(tester_w3, 460100)
    ledger.anchor(op, root, 2)
    with pytest.raises(ContractError, match="CertificateLedgerUnknownRoot"):  # roots are namespaced: not in Sanya's
        ledger.revoke(operator(tester_w3, 460200), digests[0], root, [leaves[1]], RevocationReason.SUPERSEDED)
    with pytest.raises(ContractError, match="CertificateLedgerInvalidProof"):
        ledger.revoke(op, digests[0], root, [leaves[0]], RevocationReason.SUPERSEDED)
    ledger.revoke(op, digests[0], root, [leaves[1]], RevocationReason.SUPERSEDED)
    status = ledger.certificate_status(digests[0], root, 460100, b"\x00" * 8)
    assert status.anchored and status.anchoring_centre == 460100
    assert status.revoked and status.revocation_reason is RevocationReason.SUPERSEDED
    assert status.key_valid_at_anchor is False  # no such key
    assert status.read_block == tester_w3.eth.block_number
    unknown = ledger.certificate_status(digests[1], b"\x09" * 32, 460100, b"\x00" * 8)
    assert not unknown.anchored and not unknown.revoked and not unknown.key_valid_at_anchor


def test_blacklist_across_centres_and_governance_lift(tester_contracts: Contracts, tester_w3: Web3) -> None:
    bl, consortium = tester_contracts.blacklist, tester_contracts.consortium
    subject = keccak(text="subject")
    haikou, sanya = operator(tester_w3, 460100), operator(tester_w3, 460200)
    e1 = bl.list(haikou, subject, BlacklistReason.FORGED_MATERIALS, now(tester_w3) + 4 * YEAR, b"\x01" * 32)
    e2 = bl.list(sanya, subject, BlacklistReason.LOAN_DEFAULT, now(tester_w3) + 3 * YEAR + 60, b"\x02" * 32)
    assert e1 == (460100 << 32) | 1 and e2 == (460200 << 32) | 1
    assert sorted(e.id for e in bl.active_entries_of(subject)) == [e1, e2]
    assert bl.active_counts_of([subject, b"\x00" * 31 + b"\x01"]) == [2, 0]
    with pytest.raises(ContractError, match="BlacklistNotListingCentre"):
        bl.lift(sanya, e1, LiftReason.OTHER)
    with pytest.raises(ContractError, match="BlacklistInvalidExpiry"):
        bl.list(haikou, subject, BlacklistReason.OTHER, now(tester_w3) + YEAR, b"\x00" * 32)
    bl.mark_under_appeal(haikou, e1)
    assert bl.entry(e1).status is EntryStatus.UNDER_APPEAL
    data = bl.encode("liftByGovernance", e1, int(LiftReason.APPEAL_UPHELD), b"\x03" * 32)
    pid = consortium.propose(admin(tester_w3, 460200), bl.address, data)
    with pytest.raises(ContractError, match="ConsortiumProposalBelowThreshold"):
        consortium.execute(admin(tester_w3, 460200), pid)
    consortium.approve(admin(tester_w3, 460400), pid)
    consortium.execute(admin(tester_w3, 460400), pid)
    assert bl.entry(e1).status is EntryStatus.LIFTED
    assert [e.id for e in bl.active_entries_of(subject)] == [e2]
    assert bl.counts_of(460100) == (1, 1)


def test_blacklist_list_lift_cycles_keep_the_view_cheap(tester_contracts: Contracts, tester_w3: Web3) -> None:
    """One centre lists and lifts the same person again and again (before the fix, the view walked
    every entry ever listed and ran out of gas after ~3,300): the walk holds only active entries,
    at most one per centre, so the view's gas stays flat; a second active listing is refused."""
    bl = tester_contracts.blacklist
    subject = keccak(text="listed and lifted")
    haikou, sanya = operator(tester_w3, 460100), operator(tester_w3, 460200)
    bl.list(sanya, subject, BlacklistReason.LOAN_DEFAULT, now(tester_w3) + 4 * YEAR, b"\x02" * 32)
    view = bl.contract.functions.activeEntriesOf(subject)
    entry = bl.list(haikou, subject, BlacklistReason.FORGED_MATERIALS, now(tester_w3) + 4 * YEAR, b"\x01" * 32)
    with pytest.raises(ContractError) as info:
        bl.list(haikou, subject, BlacklistReason.OTHER, now(tester_w3) + 4 * YEAR, b"\x03" * 32)
    assert info.value.error == "BlacklistAlreadyListed"
    assert info.value.error_args["centre"] == 460100 and info.value.error_args["activeId"] == entry
    first = view.estimate_gas()
    for _ in range(60):
        bl.lift(haikou, entry, LiftReason.OTHER)
        entry = bl.list(haikou, subject, BlacklistReason.FORGED_MATERIALS, now(tester_w3) + 4 * YEAR, b"\x01" * 32)
    assert view.estimate_gas() <= first + 500  # before: +3,513 gas per cycle (36,201 -> 387,509 after 100)
    assert sorted(e.centre for e in bl.active_entries_of(subject)) == [460100, 460200]
    assert bl.active_counts_of([subject]) == [2]
    assert bl.counts_of(460100) == (61, 60)


def test_access_trace_records_a_batch(tester_contracts: Contracts, tester_w3: Web3) -> None:
    lender = sender(tester_w3, demo.DEMO_INSTITUTIONS[0].account_index)
    records = [(keccak(text=str(i)), AccessPurpose.CERTIFICATE_VERIFIED) for i in range(5)]
    receipt = tester_contracts.trace.record(lender, records)
    events = tester_contracts.trace.events(receipt, "AccessRecorded")
    fields = [unpack_access_record(e["record"]) for e in events]
    # Sealed to the trace key: only its private half opens them, each with its purpose and key version.
    key = X25519PrivateKey.from_private_bytes(DEMO_TRACE_PRIVATE_KEY)
    sealed = [sealed_reference(e) for e in events]
    assert [open_sealed(key, s, purpose=1, key_version=f.key_version) for s, f in zip(sealed, fields, strict=True)] == [
        r for r, _ in records]
    assert all(r not in s for s in sealed for r, _ in records)
    assert [tester_contracts.trace.open_record(e, DEMO_TRACE_PRIVATE_KEY) for e in events] == [r for r, _ in records]
    assert {f.key_version for f in fields} == {1}
    assert tester_contracts.trace.trace_key() == (1, trace_public_key(DEMO_TRACE_PRIVATE_KEY))
    assert {f.recorder for f in fields} == {91000001}
    assert {f.purpose for f in fields} == {AccessPurpose.CERTIFICATE_VERIFIED}
    assert {f.recorded_at for f in fields} == {now(tester_w3)}
    with pytest.raises(ContractError, match="AccessTraceNotRecorder"):
        tester_contracts.trace.record(sender(tester_w3, 10), records)


def test_enum_codes_are_lower_case_with_hyphens() -> None:
    assert enum_code(BlacklistReason.LOAN_DEFAULT) == "loan-default"
    assert enum_code(LiftReason.APPEAL_UPHELD) == "appeal-upheld"
    assert enum_code(RevocationReason.OTHER) == "other"


def test_sealed_reference_joins_enc_ciphertext_and_tag() -> None:
    assert sealed_reference({"enc": b"\x01" * 32, "ciphertext": b"\x02" * 32, "tag": b"\x03" * 16}) == (
        b"\x01" * 32 + b"\x02" * 32 + b"\x03" * 16)
