"""Each check of the pipeline alone, against the in-memory chain (no node), and the pipeline's
contract: declared needs, SKIPPED, CHECK_ERROR for a check that raises, one Reason enumeration."""

from __future__ import annotations

import ast
import re
import time
from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.bindings import BlacklistEntry, BlacklistReason, EntryStatus, RevocationReason
from node.compiler import PROJECT_ROOT
from verifier import format as fmt
from verifier.merkle import MerkleTree
from verifier.pipeline import (
    AUDIENCE,
    CHAIN_READ,
    DECODE,
    DECODED,
    PIPELINE,
    PROOF,
    Check,
    Context,
    Verifier,
    run_check,
)
from verifier.reasons import Reason
from verifier.result import CheckResult, Status, Verdict, decide

from .fake_chain import FakeChain
from .issuing import DAY, certificate_at, tamper_payload

HAIKOU, SANYA = 460100, 460200


class Issued:
    """A batch of three certificates signed by a Haikou key registered on `chain`, anchored unless
    told otherwise."""

    def __init__(self, chain: FakeChain, *, anchor: bool = True, anchor_by: int = HAIKOU, centre: int = HAIKOU,
                 **overrides: object) -> None:
        self.key = Ed25519PrivateKey.generate()
        public = fmt.public_key_bytes(self.key)
        self.kid = fmt.key_id_for(public)
        chain.register_key(centre, self.kid, public, at=chain.now - DAY)
        certs = [certificate_at(chain.now - 3600, centre=centre, **overrides) for _ in range(3)]
        signed = [fmt.sign(c, self.key, self.kid) for c in certs]
        self.tree = MerkleTree.build([fmt.certificate_digest(s) for s in signed])
        if anchor:
            chain.anchor(self.tree.root, anchor_by, at=chain.now - 1800)
        self.signed = [fmt.with_proof(s, self.tree.root, self.tree.proof(i)) for i, s in enumerate(signed)]
        self.texts = [fmt.encode(s) for s in self.signed]
        self.digests = [fmt.certificate_digest(s) for s in self.signed]


def by_name(result_checks: tuple[CheckResult, ...] | list[CheckResult]) -> dict[str, CheckResult]:
    return {c.name: c for c in result_checks}


def verify(chain: FakeChain | None, text: str, institution: int | None = None):  # type: ignore[no-untyped-def]
    return Verifier(chain, institution=institution).verify(text)


@pytest.fixture
def chain() -> FakeChain:
    return FakeChain()


# 1. decode


def test_decode_ok_then_every_check_ok(chain: FakeChain) -> None:
    issued = Issued(chain)
    r = verify(chain, issued.texts[1])
    assert r.verdict is Verdict.VALID and r.reasons == []
    assert [c.name for c in r.checks] == [c.name for c in PIPELINE]
    assert all(c.status is Status.OK for c in r.checks)
    assert r.certificate is not None and r.certificate["centre_name"] == "海口市住房公积金管理局"
    assert r.chain == {"node": chain.node, "block": chain.block, "time": chain.now, "time_iso": r.chain["time_iso"]}


@pytest.mark.parametrize(
    ("text", "reason", "status", "verdict"),
    [
        ("HPF1:NOT*BASE45!!", Reason.MALFORMED, Status.FAIL, Verdict.INVALID),
        # A newer genuine certificate is never called fake: this verifier cannot tell.
        ("HPF2:6BFOXN*TS0BI$ZD", Reason.UNSUPPORTED_VERSION, Status.UNKNOWN, Verdict.INDETERMINATE),
    ],
)
def test_decode_failure_skips_everything_after_it(
    chain: FakeChain, text: str, reason: Reason, status: Status, verdict: Verdict
) -> None:
    r = verify(chain, text)
    assert r.verdict is verdict and r.reasons == [reason]
    assert r.checks[0].status is status and r.checks[0].reason is reason
    assert all(c.status is Status.SKIPPED and c.reason is None for c in r.checks[1:])
    assert chain.reads == []  # nothing read for an unreadable certificate


# 2. key_known


def test_unregistered_key_is_unknown_key(chain: FakeChain) -> None:
    issued = Issued(chain)
    del chain.keys[issued.kid]
    r = verify(chain, issued.texts[0])
    assert r.verdict is Verdict.INVALID and r.reasons == [Reason.UNKNOWN_KEY]
    checks = by_name(r.checks)
    assert checks["signature"].status is Status.SKIPPED and checks["key_valid_at_anchor"].status is Status.SKIPPED


def test_key_of_another_centre_is_unknown_key(chain: FakeChain) -> None:
    issued = Issued(chain)
    key = chain.keys[issued.kid]
    key.public = replace(key.public, centre=SANYA)
    assert verify(chain, issued.texts[0]).reasons[0] == Reason.UNKNOWN_KEY


def test_chain_down_is_indeterminate_with_every_chain_check_unknown(chain: FakeChain) -> None:
    issued = Issued(chain)
    chain.down = True
    r = verify(chain, issued.texts[0])
    assert r.verdict is Verdict.INDETERMINATE and set(r.reasons) == {Reason.CHAIN_UNAVAILABLE}
    checks = by_name(r.checks)
    for name in ("key_known", "signature", "chain_read", "anchored", "issuer_member", "key_valid_at_anchor",
                 "not_revoked", "not_expired"):
        assert checks[name].status is Status.UNKNOWN, name
    assert checks["inclusion_proof"].status is Status.OK and checks["audience"].status is Status.OK
    assert r.chain is not None and "error" in r.chain and r.blacklist["checked"] is False


def test_no_chain_configured_is_indeterminate(chain: FakeChain) -> None:
    issued = Issued(chain)
    r = verify(None, issued.texts[0])
    assert r.verdict is Verdict.INDETERMINATE
    checks = by_name(r.checks)
    assert checks["key_known"].status is Status.UNKNOWN and checks["key_known"].reason is Reason.CHAIN_UNAVAILABLE
    assert checks["chain_read"].message_en == "No chain is configured for this verifier."
    assert checks["signature"].status is Status.SKIPPED


# 3. signature


def test_tampered_payload_is_bad_signature(chain: FakeChain) -> None:
    issued = Issued(chain)
    r = verify(chain, tamper_payload(issued.signed[0], balance=99_999_999_00))
    assert r.reasons[0] == Reason.BAD_SIGNATURE and by_name(r.checks)["signature"].status is Status.FAIL


# 4. inclusion_proof


def test_proof_of_another_batch_is_proof_invalid_and_anchored_is_skipped(chain: FakeChain) -> None:
    first, second = Issued(chain), Issued(chain)
    swapped = replace(first.signed[0], root_tag=second.signed[0].root_tag, proof=second.signed[0].proof)
    r = verify(chain, fmt.encode(swapped))
    assert r.verdict is Verdict.INVALID and r.reasons == [Reason.PROOF_INVALID]
    assert by_name(r.checks)["anchored"].status is Status.SKIPPED


def test_no_proof_is_not_anchored(chain: FakeChain) -> None:
    issued = Issued(chain)
    r = verify(chain, fmt.encode(replace(issued.signed[0], root_tag=None, proof=())))
    assert r.reasons == [Reason.NOT_ANCHORED]
    assert by_name(r.checks)["inclusion_proof"].reason is Reason.NOT_ANCHORED


# 5. chain_read


def test_chain_read_fills_status_and_typed_blacklist_entries_in_one_read(chain: FakeChain) -> None:
    issued = Issued(chain)
    subject = issued.signed[0].certificate.subject_ref
    entry = BlacklistEntry(id=1, centre=SANYA, reason=BlacklistReason.LOAN_DEFAULT, status=EntryStatus.LISTED,
                           listed_at=chain.now - DAY, expires_at=chain.now + 1000 * DAY)
    chain.entries[subject] = [entry]
    ctx = Context(text=issued.texts[0], reader=chain, institution=None, with_blacklist=True)
    assert run_check(DECODE, ctx).status is Status.OK
    assert run_check(PROOF, ctx).status is Status.OK  # establishes the root the read asks about
    result = run_check(CHAIN_READ, ctx)
    assert result.status is Status.OK and result.data == {"block": chain.block, "time": chain.now, "node": chain.node}
    assert ctx.status is not None and ctx.status.anchored
    assert ctx.blacklist_entries == [entry]
    r = verify(chain, issued.texts[0])
    assert r.verdict is Verdict.VALID and r.blacklist["listed"] is True
    [shown] = r.blacklist["entries"]
    assert shown.items() >= entry.to_json().items() and shown["centre_name"] == "三亚市住房公积金管理局"


def test_chain_read_needs_a_decoded_certificate_and_a_chain(chain: FakeChain) -> None:
    assert CHAIN_READ.needs[0] is DECODED
    ctx = Context(text="HPF1:x", reader=chain, institution=None)
    assert run_check(CHAIN_READ, ctx).status is Status.SKIPPED
    assert chain.reads == []


def test_a_node_behind_is_node_behind_and_nothing_it_read_is_trusted(chain: FakeChain) -> None:
    issued = Issued(chain)
    chain.revoke(HAIKOU, issued.digests[0])
    chain.now -= 600  # the head is ten minutes old: it could hide a revocation (here it does not)
    r = verify(chain, issued.texts[0])
    assert r.verdict is Verdict.INDETERMINATE and Reason.REVOKED not in r.reasons
    checks = by_name(r.checks)
    assert checks["chain_read"].status is Status.UNKNOWN and checks["chain_read"].reason is Reason.NODE_BEHIND
    assert all(checks[n].status is Status.UNKNOWN for n in ("anchored", "not_revoked", "not_expired"))
    assert r.chain is not None and r.chain["block"] == chain.block and "node behind" in r.chain["error"]
    assert r.summary is not None and r.summary["headline_zh"] == "无法核验（区块链节点落后）"


def test_a_key_unknown_to_a_node_behind_is_node_behind_not_unknown_key(chain: FakeChain) -> None:
    issued = Issued(chain)
    del chain.keys[issued.kid]
    chain.now -= 600  # a lagging node may simply not know the key yet
    r = verify(chain, issued.texts[0])
    assert r.verdict is Verdict.INDETERMINATE and Reason.UNKNOWN_KEY not in r.reasons
    assert by_name(r.checks)["key_known"].reason is Reason.NODE_BEHIND


# 6. anchored


def test_unanchored_batch_is_not_anchored_and_issuer_checks_are_skipped(chain: FakeChain) -> None:
    issued = Issued(chain, anchor=False)
    r = verify(chain, issued.texts[0])
    assert r.verdict is Verdict.INVALID and r.reasons == [Reason.NOT_ANCHORED]
    checks = by_name(r.checks)
    assert checks["issuer_member"].status is Status.SKIPPED
    assert checks["key_valid_at_anchor"].status is Status.SKIPPED


# 7. issuer_member


def test_batch_anchored_by_another_centre_backs_nothing(chain: FakeChain) -> None:
    # Roots are namespaced by the anchoring centre: Sanya's anchor is no anchor for Haikou.
    issued = Issued(chain, anchor_by=SANYA)
    r = verify(chain, issued.texts[0])
    assert r.verdict is Verdict.INVALID and r.reasons == [Reason.NOT_ANCHORED]
    assert by_name(r.checks)["issuer_member"].status is Status.SKIPPED


def test_suspended_centre_is_not_member(chain: FakeChain) -> None:
    issued = Issued(chain)
    assert verify(chain, issued.texts[0]).verdict is Verdict.VALID
    chain.suspend(HAIKOU)
    assert verify(chain, issued.texts[0]).reasons == [Reason.ISSUER_NOT_MEMBER]


# 8. key_valid_at_anchor


def test_key_retired_before_the_anchor_cannot_back_date(chain: FakeChain) -> None:
    issued = Issued(chain, anchor=False)
    chain.retire_key(issued.kid, at=chain.now - 2 * 3600)
    chain.anchor(issued.tree.root, HAIKOU, at=chain.now - 3600)
    assert verify(chain, issued.texts[0]).reasons == [Reason.KEY_NOT_VALID_AT_ANCHOR]


# 9. not_revoked


def test_revoked_certificate_and_its_neighbour(chain: FakeChain) -> None:
    issued = Issued(chain)
    chain.revoke(HAIKOU, issued.digests[2], RevocationReason.ACCOUNT_CHANGED)
    r = verify(chain, issued.texts[2])
    assert r.reasons == [Reason.REVOKED]
    assert by_name(r.checks)["not_revoked"].data == {"revoked_at": chain.now, "revocation_reason": "account_changed"}
    assert verify(chain, issued.texts[1]).verdict is Verdict.VALID


# 10. not_expired


def test_expired_at_the_chains_time(chain: FakeChain) -> None:
    issued = Issued(chain)
    chain.now = issued.signed[0].certificate.valid_until + 1
    assert verify(chain, issued.texts[0]).reasons == [Reason.EXPIRED]


def test_expired_at_the_verifiers_clock_on_a_quiet_chain(chain: FakeChain) -> None:
    chain.max_head_age = 900
    issued = Issued(chain, valid_until=int(time.time()) - 10)
    chain.now -= 300  # no block for five minutes, within the bound: the head's time is before valid_until
    assert issued.signed[0].certificate.valid_until > chain.now
    assert verify(chain, issued.texts[0]).reasons == [Reason.EXPIRED]


# 11. audience


def test_audience(chain: FakeChain) -> None:
    issued = Issued(chain, audience=91000002)
    assert verify(chain, issued.texts[0], institution=91000001).reasons == [Reason.WRONG_AUDIENCE]
    assert verify(chain, issued.texts[0], institution=91000002).verdict is Verdict.VALID
    assert verify(chain, issued.texts[0]).verdict is Verdict.VALID  # not acting for an institution


# The pipeline's contract


def test_a_crashing_audience_check_is_check_error_never_wrong_audience(chain: FakeChain) -> None:
    issued = Issued(chain, audience=91000002)

    def crash(ctx: Context) -> CheckResult:
        raise KeyError("audience")

    pipeline = tuple(replace(c, run=crash) if c is AUDIENCE else c for c in PIPELINE)
    r = Verifier(chain, institution=91000001, pipeline=pipeline).verify(issued.texts[0])
    audience = by_name(r.checks)["audience"]
    assert audience.status is Status.ERROR and audience.reason is Reason.CHECK_ERROR
    assert r.verdict is Verdict.INDETERMINATE and r.reasons == [Reason.CHECK_ERROR]
    assert "KeyError" in audience.message_en


def test_a_bug_in_the_chain_reader_is_check_error_not_chain_unavailable(chain: FakeChain) -> None:
    issued = Issued(chain)
    chain.broken = TypeError("bad reply")
    r = verify(chain, issued.texts[0])
    checks = by_name(r.checks)
    assert checks["key_known"].status is Status.ERROR and checks["key_known"].reason is Reason.CHECK_ERROR
    assert checks["chain_read"].status is Status.ERROR
    assert checks["signature"].status is Status.SKIPPED and checks["not_revoked"].status is Status.SKIPPED
    assert r.verdict is Verdict.INDETERMINATE and set(r.reasons) == {Reason.CHECK_ERROR}
    assert r.blacklist["checked"] is False and r.certificate is not None and r.certificate["centre_name"] is None


def test_a_check_whose_need_is_unmet_is_not_run(chain: FakeChain) -> None:
    ran: list[str] = []

    def spy(ctx: Context) -> CheckResult:
        ran.append("spy")
        raise AssertionError("must not run")

    check = Check("spy", "test", Reason.EXPIRED, spy, needs=(DECODED,))
    result = run_check(check, Context(text="HPF1:x", reader=chain, institution=None))
    assert result.status is Status.SKIPPED and result.reason is None and ran == []


def test_every_check_but_decode_declares_it_needs_a_decoded_certificate() -> None:
    assert DECODE.needs == ()
    for check in PIPELINE[1:]:
        assert check.needs and check.needs[0] is DECODED, check.name
        assert isinstance(check.reason, Reason), check.name


def test_skipped_never_counts_as_a_pass() -> None:
    def result(status: Status) -> CheckResult:
        return CheckResult(name="x", stage="x", status=status, reason=None, message_zh="", message_en="")

    assert decide([result(Status.OK), result(Status.SKIPPED)]) is Verdict.INDETERMINATE
    assert decide([result(Status.SKIPPED), result(Status.FAIL)]) is Verdict.INVALID
    assert decide([result(Status.OK)]) is Verdict.VALID


# One list of reason codes


def _published_codes() -> list[str]:
    """The codes in the table under '## Reason codes' in docs/verifier.md."""
    text = (PROJECT_ROOT / "docs" / "verifier.md").read_text()
    section = text.split("## Reason codes", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.MULTILINE)


def test_reason_enumeration_is_the_published_list() -> None:
    assert _published_codes() == [r.value for r in Reason]


def test_no_reason_code_is_written_as_a_literal_outside_the_enumeration() -> None:
    codes = {r.value for r in Reason}
    found = []
    for path in sorted((PROJECT_ROOT / "verifier").rglob("*.py")):
        if path.name == "reasons.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in codes:
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno} {node.value!r}")
    assert found == [], "use verifier.reasons.Reason: " + ", ".join(found)


def test_reason_codes_are_what_the_api_emits(chain: FakeChain) -> None:
    issued = Issued(chain)
    chain.revoke(HAIKOU, issued.digests[0])
    as_json = verify(chain, issued.texts[0]).to_json()
    assert as_json["reasons"] == ["REVOKED"]
    assert [c["reason"] for c in as_json["checks"] if c["reason"]] == ["REVOKED"]
    assert all(type(c["reason"]) is str for c in as_json["checks"] if c["reason"])
    assert type(as_json["reasons"][0]) is str

