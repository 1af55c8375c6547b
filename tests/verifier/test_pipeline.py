"""Every reason code, produced by the matching bad certificate against a real anvil node."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from node.bindings import BlacklistReason, RevocationReason
from node.launcher import free_port
from verifier import format as fmt
from verifier.chain import RpcChainReader, RpcClient
from verifier.pipeline import PIPELINE, Verifier
from verifier.reasons import Reason
from verifier.result import Status, Verdict, decide

from .issuing import DAY, admin, chain_time, issue, make_certificate, operator, register_key, tamper_payload

pytestmark = pytest.mark.integration


def verdict_of(reader: RpcChainReader, text: str, institution: int | None = None) -> tuple[Verdict, list[str]]:
    r = Verifier(reader, institution=institution).verify(text)
    return r.verdict, r.reasons


def test_a_genuine_certificate_is_valid(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, signed = issue(c, [make_certificate(w3) for _ in range(5)], *haikou_key)  # type: ignore[arg-type]
    result = Verifier(reader).verify(texts[3])
    assert result.verdict is Verdict.VALID, result.to_json()
    assert [ch.name for ch in result.checks] == [ch.name for ch in PIPELINE]
    assert all(ch.status is Status.OK for ch in result.checks)
    assert result.certificate is not None and result.certificate["number"] == signed[3].certificate.number
    assert result.certificate["centre_name"] == "海口市住房公积金管理局"
    assert result.chain is not None and result.chain["block"] == w3.eth.block_number
    assert result.blacklist == {"checked": True, "listed": False, "entries": []}


def test_malformed_and_unsupported(reader) -> None:  # type: ignore[no-untyped-def]
    assert verdict_of(reader, "HPF1:NOT*BASE45!!") == (Verdict.INVALID, ["MALFORMED"])
    # A newer format is never called fake: this verifier cannot tell (issue 12, item 8).
    assert verdict_of(reader, "HPF2:6BFOXN*TS0BI$ZD") == (Verdict.INDETERMINATE, ["UNSUPPORTED_VERSION"])


def test_tampered_payload_is_bad_signature(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    _, _, signed = issue(c, [make_certificate(w3)], *haikou_key)  # type: ignore[arg-type]
    forged = tamper_payload(signed[0], balance=99_999_999_00)
    assert verdict_of(reader, forged)[1][0] == "BAD_SIGNATURE"


def test_unregistered_key_is_unknown_key(chain, reader) -> None:  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    w3, c = chain
    key = Ed25519PrivateKey.generate()
    texts, _, _ = issue(c, [make_certificate(w3)], key, fmt.key_id_for(fmt.public_key_bytes(key)))
    assert verdict_of(reader, texts[0]) == (Verdict.INVALID, ["UNKNOWN_KEY"])


def test_key_of_another_centre_is_unknown_key(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, _ = issue(c, [make_certificate(w3, centre=460200)], *haikou_key)  # type: ignore[arg-type]
    assert verdict_of(reader, texts[0]) == (Verdict.INVALID, ["UNKNOWN_KEY"])


def test_retired_key_cannot_back_date(chain, reader) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    key, kid = register_key(c, 460100)
    claimed = chain_time(w3)
    c.consortium.retire_key(admin(w3, 460100), kid)
    # Signed "yesterday" with the retired key, anchored today: the chain's anchor time decides.
    texts, _, _ = issue(c, [make_certificate(w3, issued_at=claimed - DAY)], key, kid)
    assert verdict_of(reader, texts[0]) == (Verdict.INVALID, ["KEY_NOT_VALID_AT_ANCHOR"])


def test_proof_for_another_batch_is_proof_invalid(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    _, _, first = issue(c, [make_certificate(w3) for _ in range(3)], *haikou_key)  # type: ignore[arg-type]
    _, _, second = issue(c, [make_certificate(w3) for _ in range(3)], *haikou_key)  # type: ignore[arg-type]
    swapped = replace(first[0], root_tag=second[0].root_tag, proof=second[0].proof)
    assert verdict_of(reader, fmt.encode(swapped)) == (Verdict.INVALID, ["PROOF_INVALID"])


def test_unanchored_batch_is_not_anchored(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, signed = issue(c, [make_certificate(w3) for _ in range(2)], *haikou_key, anchor=False)  # type: ignore[arg-type]
    assert verdict_of(reader, texts[0]) == (Verdict.INVALID, ["NOT_ANCHORED"])
    bare = replace(signed[1], root_tag=None, proof=())
    assert verdict_of(reader, fmt.encode(bare)) == (Verdict.INVALID, ["NOT_ANCHORED"])


def test_revoked_certificate(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, tree, signed = issue(c, [make_certificate(w3) for _ in range(4)], *haikou_key)  # type: ignore[arg-type]
    digest = fmt.certificate_digest(signed[2])
    c.ledger.revoke(operator(w3, 460100), digest, tree.root, tree.proof(2), RevocationReason.SUPERSEDED)
    assert verdict_of(reader, texts[2]) == (Verdict.INVALID, ["REVOKED"])
    assert verdict_of(reader, texts[1])[0] is Verdict.VALID


def test_expired_certificate(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    now = chain_time(w3)
    cert = make_certificate(w3, issued_at=now - 100 * DAY, valid_until=now - DAY)
    texts, _, _ = issue(c, [cert], *haikou_key)  # type: ignore[arg-type]
    assert verdict_of(reader, texts[0]) == (Verdict.INVALID, ["EXPIRED"])


def test_wrong_audience(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, _ = issue(c, [make_certificate(w3, audience=91000002)], *haikou_key)  # type: ignore[arg-type]
    assert verdict_of(reader, texts[0], institution=91000001) == (Verdict.INVALID, ["WRONG_AUDIENCE"])
    assert verdict_of(reader, texts[0], institution=91000002) == (Verdict.VALID, [])


def test_batch_anchored_by_another_centre_backs_nothing(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, _ = issue(c, [make_certificate(w3)], *haikou_key, anchor_by=460200)  # type: ignore[arg-type]
    # Roots are namespaced by the anchoring centre: Sanya's anchor is no anchor for Haikou.
    assert verdict_of(reader, texts[0]) == (Verdict.INVALID, ["NOT_ANCHORED"])


def test_suspended_centre_is_not_member(chain, reader) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    key, kid = register_key(c, 460400)
    texts, _, _ = issue(c, [make_certificate(w3, centre=460400)], key, kid)
    assert verdict_of(reader, texts[0])[0] is Verdict.VALID
    data = c.consortium.encode("suspendCentre", 460400)
    pid = c.consortium.propose(admin(w3, 460100), c.consortium.address, data)
    c.consortium.approve(admin(w3, 460200), pid)
    c.consortium.execute(admin(w3, 460200), pid)
    assert verdict_of(reader, texts[0]) == (Verdict.INVALID, ["ISSUER_NOT_MEMBER"])


def test_chain_down_is_indeterminate_never_valid_or_invalid(chain, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, _ = issue(c, [make_certificate(w3)], *haikou_key)  # type: ignore[arg-type]
    dead = RpcChainReader(RpcClient(f"http://127.0.0.1:{free_port()}", timeout=1), ledger=c.ledger.address,
                       consortium=c.consortium.address, blacklist=c.blacklist.address)
    result = Verifier(dead).verify(texts[0])
    assert result.verdict is Verdict.INDETERMINATE
    assert set(result.reasons) == {"CHAIN_UNAVAILABLE"}
    assert result.blacklist["checked"] is False
    assert result.blacklist["listed"] is None  # not checked is not "not listed"


def test_blacklisted_holder_is_reported_beside_a_valid_verdict(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    cert = make_certificate(w3)
    texts, _, _ = issue(c, [cert], *haikou_key)  # type: ignore[arg-type]
    c.blacklist.list(operator(w3, 460200), cert.subject_ref, BlacklistReason.LOAN_DEFAULT,
                     chain_time(w3) + 4 * 365 * DAY, b"\x01" * 32)
    result = Verifier(reader).verify(texts[0])
    assert result.verdict is Verdict.VALID
    assert result.blacklist["listed"] is True
    assert [e["centre"] for e in result.blacklist["entries"]] == [460200]
    assert result.blacklist["entries"][0]["reason"] == "loan-default"


def test_empty_pipeline_fails_on_purpose() -> None:
    assert decide([]) is Verdict.INVALID


def test_a_broken_check_is_an_error_never_a_pass(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    from verifier.pipeline import Check

    w3, c = chain
    texts, _, _ = issue(c, [make_certificate(w3)], *haikou_key)  # type: ignore[arg-type]

    def boom(ctx: object) -> object:
        raise RuntimeError("boom")

    pipeline = (*PIPELINE, Check("broken", "test", Reason.WRONG_AUDIENCE, boom))  # type: ignore[arg-type]
    result = Verifier(reader, pipeline=pipeline).verify(texts[0])
    assert result.verdict is Verdict.INDETERMINATE
    assert result.checks[-1].status is Status.ERROR
    assert result.reasons == ["CHECK_ERROR"]  # never the broken check's own failure code


def test_the_summary_says_why_and_what_to_do(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    ok, listed, other = make_certificate(w3), make_certificate(w3), make_certificate(w3, audience=91000002)
    texts, _, _ = issue(c, [ok, listed, other], *haikou_key)  # type: ignore[arg-type]
    c.blacklist.list(operator(w3, 460200), listed.subject_ref, BlacklistReason.FRAUDULENT_LOAN,
                     chain_time(w3) + 3 * 365 * DAY + 3600, b"\x03" * 32)
    verifier = Verifier(reader, institution=91000001)
    summary = verifier.verify(texts[0]).summary
    assert summary is not None and summary["tone"] == "ok" and "可据此办理业务" in summary["advice_zh"]
    assert re.fullmatch(r"\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}:\d{2}", summary["valid_until_beijing"])
    result = verifier.verify(texts[1])
    assert result.verdict is Verdict.VALID and result.summary is not None
    assert result.summary["tone"] == "warn"
    assert result.summary["headline_zh"] == "证明真实有效，但持证人在失信黑名单中"
    assert "三亚市住房公积金管理局" in result.summary["detail_zh"] and "骗取贷款" in result.summary["detail_zh"]
    entry = result.blacklist["entries"][0]
    assert entry["centre_name"] == "三亚市住房公积金管理局" and entry["reason_zh"] == "骗取贷款"
    # The wrong institution learns the number, the centre and the refusal; nothing personal.
    refused = verifier.verify(texts[2]).to_json()
    assert refused["verdict"] == "INVALID" and refused["reasons"] == ["WRONG_AUDIENCE"]
    assert refused["certificate"] == {"number": other.number, "centre_code": 460100,
                                      "centre_name": "海口市住房公积金管理局"}
    assert refused["blacklist"]["withheld"] is True and refused["blacklist"]["listed"] is None
    assert refused["summary"]["headline_zh"] == "非贵机构使用"
    assert other.name not in json.dumps(refused, ensure_ascii=False) and "91000002" not in json.dumps(refused)


def test_a_revoked_certificate_says_when_and_why_in_chinese(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, tree, signed = issue(c, [make_certificate(w3)], *haikou_key)  # type: ignore[arg-type]
    digest = fmt.certificate_digest(signed[0])
    c.ledger.revoke(operator(w3, 460100), digest, tree.root, tree.proof(0), RevocationReason.SUPERSEDED)
    result = Verifier(reader).verify(texts[0])
    assert result.verdict is Verdict.INVALID and result.summary is not None
    assert result.summary["headline_zh"].startswith("已撤销：海口市住房公积金管理局于 ")
    assert "已被新证明替代" in result.summary["headline_zh"] and result.summary["revocation_reason"] == "superseded"
