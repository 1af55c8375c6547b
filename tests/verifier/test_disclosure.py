"""Minimal certificates (payload version 2, verifier/disclosure.py): what is disclosed is shown and
checked against its signed digest, what is withheld is never in the certificate, the QR budget
holds for every purpose, and a forged disclosure is BAD_SIGNATURE."""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import replace
from typing import Any

import base45
import cbor2
import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from verifier import disclosure as sd
from verifier import format as fmt
from verifier.errors import MalformedCertificate
from verifier.format.wire import _decode_payload
from verifier.merkle import MAX_BATCH_SIZE, MerkleTree
from verifier.pipeline import Verifier
from verifier.result import Verdict

from .issuing import issue, make_certificate

ED = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"hpf-trust DEMO disclosure test key").digest())
KID = fmt.key_id_for(fmt.public_key_bytes(ED))
QR_MAX_VERSION = 22


def full(**overrides: Any) -> fmt.Certificate:
    """The QR budget's realistic worst case: a four-character name, a long employer, audience set."""
    values: dict[str, Any] = {
        "number": "460100-2026-00000123", "centre_code": 460100, "purpose": "commercial-loan", "audience": 91000001,
        "issued_at": 1767225600, "valid_until": 1769904000, "name": "欧阳明华", "id_masked": "460100********1234",
        "subject_ref": hashlib.sha256(b"subject").digest(), "employer_name": "海南省某某科技有限公司",
        "employer_account": "460100012345", "account_masked": "4601******5678", "account_status": "normal",
        "account_opened": "2015-07-01", "deposit_base": 876_500, "employee_rate_bp": 1200, "employer_rate_bp": 1200,
        "monthly_amount": 210_360, "first_month": "2015-07", "last_month": "2025-12", "months_continuous": 126,
        "balance": 12_345_678, "loan_outstanding": False,
    }
    values.update(overrides)
    return fmt.Certificate(**values)


def _cose_of(text: str) -> bytes:
    return zlib.decompress(base45.b45decode(text[len(fmt.PREFIX):]))


def _full_depth(signed: fmt.SignedCertificate) -> fmt.SignedCertificate:
    leaves = [fmt.certificate_digest(signed)] + [hashlib.sha256(bytes([i])).digest() for i in range(MAX_BATCH_SIZE - 1)]
    tree = MerkleTree.build(leaves)
    return fmt.with_proof(signed, tree.root, tree.proof(0))


@pytest.mark.parametrize("purpose", list(fmt.PURPOSES))
def test_each_purpose_fits_the_qr_budget_and_shows_only_its_fields(purpose: str) -> None:
    cert = full(purpose=purpose)
    chosen = sd.for_purpose(cert)
    text = fmt.encode(_full_depth(fmt.sign(chosen, ED, KID)))
    version = segno.make(text, error="q", micro=False, boost_error=False).version
    print(f"{purpose}: {len(text)} characters, QR version {version} at level Q")  # noqa: T201 - the measurement
    assert version <= QR_MAX_VERSION
    back = fmt.decode(text).certificate
    if purpose == "housing-loan":  # its default discloses everything: the full certificate
        assert back == cert
        return
    shown = back.to_json()
    assert isinstance(back, sd.MinimalCertificate) and back.mismatched == 0
    assert {n for n in sd.SD_FIELDS if n in shown} == set(sd.DEFAULT_DISCLOSURES[purpose])
    assert shown["withheld"] == [n for n in sd.SD_FIELDS if n not in sd.DEFAULT_DISCLOSURES[purpose]]
    # A withheld value is nowhere in the certificate's bytes, not even compressed away.
    cose = _cose_of(text)
    for name in shown["withheld"]:
        value = getattr(cert, name)
        if isinstance(value, str) and len(value) >= 4:
            assert value.encode() not in cose, name
    assert [c.field for c in back.claims] == [f for f, _, _ in sd.CLAIM_SPECS[purpose]]


def test_claims_read_in_plain_chinese() -> None:
    back = sd.make_minimal(full(purpose="commercial-loan"))
    assert [c.text_zh() for c in back.claims] == [
        "连续缴存满 12 个月：是", "月缴存额不低于 2,000.00 元：是", "账户状态为正常：是", "无未结清公积金贷款：是"]
    short = sd.make_minimal(full(purpose="commercial-loan", months_continuous=7, first_month="2025-06",
                                 monthly_amount=30_000))
    assert [c.text_zh() for c in short.claims][:2] == ["连续缴存满 12 个月：否", "月缴存额不低于 500.00 元：否"]
    assert short.claims[0].to_json() == {"field": "months_continuous", "op": ">=", "value": 12, "holds": False,
                                         "text": "months_continuous >= 12: no", "text_zh": "连续缴存满 12 个月：否"}


def test_a_holder_may_withhold_more_without_changing_the_digest() -> None:
    signed = fmt.sign(sd.make_minimal(full(purpose="rental")), ED, KID)
    fewer = replace(signed, certificate=signed.certificate.without(["name"]))  # type: ignore[union-attr]
    back = fmt.decode(fmt.encode(fewer))
    assert fmt.certificate_digest(back) == fmt.certificate_digest(signed)
    assert fmt.verify_signature(back, fmt.public_key_bytes(ED), "EdDSA")
    assert "name" not in back.certificate.to_json() and back.certificate.to_json()["account_status"] == "normal"


def _with_disclosure(signed: fmt.SignedCertificate, index: int, item: list[Any]) -> str:
    minimal = signed.certificate
    assert isinstance(minimal, sd.MinimalCertificate)
    disclosures = list(minimal.disclosures)
    disclosures[index] = cbor2.dumps(item, canonical=True)
    header = {sd.DISCLOSURES_LABEL: disclosures}
    return fmt.PREFIX + base45.b45encode(zlib.compress(b"\xd2" + cbor2.dumps(
        [signed.protected, header, signed.payload, signed.signature]), 9)).decode()


@pytest.mark.parametrize("change", ["salt", "value"])
def test_a_disclosure_that_does_not_match_its_digest_fails_the_signature_and_is_not_shown(change: str) -> None:
    signed = fmt.sign(sd.make_minimal(full(purpose="rental")), ED, KID)
    salt, key, value = cbor2.loads(signed.certificate.disclosures[0])  # type: ignore[union-attr]
    item = [bytes(8), key, value] if change == "salt" else [salt, key, "李四"]
    back = fmt.decode(_with_disclosure(signed, 0, item))
    assert back.certificate.mismatched == 1  # type: ignore[union-attr]
    assert "name" not in back.certificate.to_json()
    assert not fmt.verify_signature(back, fmt.public_key_bytes(ED), "EdDSA")


@pytest.mark.parametrize(("changes", "because"), [
    ({23: 1}, "in clear"),  # the balance in clear
    ({sd.SD_DIGESTS_KEY: b"\x00" * 15}, "digests"),
    ({sd.CLAIMS_KEY: [[23, 9, 1, True]]}, "threshold statement"),
    ({sd.CLAIMS_KEY: [[8, 1, "x", True]]}, "threshold statement"),  # a statement about the name
    ({sd.CLAIMS_KEY: []}, "threshold statements"),
    ({sd.CLAIMS_KEY: [[14, 1, 0, True]]}, "only be an equality"),  # account status >= normal
])
def test_malformed_minimal_payloads(changes: dict[int, Any], because: str) -> None:
    signed = fmt.sign(sd.make_minimal(full(purpose="rental")), ED, KID)
    payload = cbor2.loads(signed.payload)
    payload.update(changes)
    with pytest.raises(MalformedCertificate, match=because):
        _decode_payload(cbor2.dumps(payload, canonical=True), signed.certificate.disclosures)  # type: ignore[union-attr]


def test_malformed_disclosures() -> None:
    signed = fmt.sign(sd.make_minimal(full(purpose="rental")), ED, KID)
    minimal = signed.certificate
    assert isinstance(minimal, sd.MinimalCertificate)
    twice = (minimal.disclosures[0], minimal.disclosures[0])
    with pytest.raises(MalformedCertificate, match="twice"):
        _decode_payload(signed.payload, twice)
    envelope = cbor2.dumps([bytes(8), fmt.PAYLOAD_KEYS["number"], "X"])  # not a withholdable field
    with pytest.raises(MalformedCertificate, match="withholdable"):
        _decode_payload(signed.payload, (envelope,))
    v1 = fmt.sign(full(), ED, KID)
    with pytest.raises(MalformedCertificate, match="no disclosures"):
        _decode_payload(v1.payload, minimal.disclosures)


@pytest.mark.integration
def test_verify_shows_the_disclosed_facts_and_claims(chain, reader, haikou_key) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    minimal = sd.make_minimal(make_certificate(w3, purpose="commercial-loan", audience=None))
    texts, _, signed = issue(c, [minimal], *haikou_key)  # type: ignore[arg-type]
    result = Verifier(reader).verify(texts[0]).to_json()
    assert result["verdict"] == "VALID", result
    cert = result["certificate"]
    assert cert["disclosure"] == "minimal" and cert["name"] == minimal.value("name")
    for withheld in ("balance", "employer_name", "monthly_amount", "deposit_base"):
        assert withheld not in cert and withheld in cert["withheld"]
    assert result["claims"][0]["text_zh"].startswith("连续缴存满 12 个月：")
    # A forged name: BAD_SIGNATURE, INVALID, and the forged name is not shown.
    salt, key, _ = cbor2.loads(minimal.disclosures[0])
    forged = _with_disclosure(signed[0], 0, [salt, key, "李四"])
    forged = fmt.encode(replace(fmt.decode(forged), root_tag=signed[0].root_tag, proof=signed[0].proof))
    bad = Verifier(reader).verify(forged)
    assert bad.verdict is Verdict.INVALID and bad.reasons == ["BAD_SIGNATURE"]
    assert bad.certificate is not None and "name" not in bad.certificate
