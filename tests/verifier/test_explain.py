"""The headline a person reads (verifier/explain.py) and the 核验码 (verifier/code.py), without a chain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from verifier import explain
from verifier.code import centre_of_number, normalise_code

T = int(datetime(2026, 11, 21, 4, 25, 4, tzinfo=UTC).timestamp())


def check(name: str, status: str, reason: str | None) -> dict[str, Any]:
    return {"name": name, "status": status, "reason": reason}


CERT = {"number": "460100-2026-00000001", "centre_code": 460100, "centre_name": "海口市住房公积金管理局",
        "issued_at": T, "valid_until": T + 90 * 86400}


def test_beijing_time_is_printed_as_on_the_pdf() -> None:
    assert explain.beijing(T) == "2026年11月21日 12:25:04"


def test_expired_unreadable_forged_and_cannot_tell() -> None:
    s = explain.summary("INVALID", [check("not_expired", "fail", "EXPIRED")], CERT, {"checked": True})
    assert s["tone"] == "bad" and s["headline_zh"] == "已过期（有效期至 2027年02月19日 12:25:04）"
    s = explain.summary("INVALID", [check("decode", "fail", "MALFORMED")], None, {"checked": False})
    assert s["headline_zh"].startswith("不是有效的缴存证明")
    s = explain.summary("INVALID", [check("signature", "fail", "BAD_SIGNATURE")], CERT, {"checked": True})
    assert "电子签名无效" in s["headline_zh"] and "海口市住房公积金管理局" in s["advice_zh"]
    s = explain.summary("INDETERMINATE", [check("chain_read", "unknown", "CHAIN_UNAVAILABLE")], CERT, {})
    assert s["tone"] == "unknown" and s["headline_zh"] == "无法核验（区块链暂不可用）" and "稍后重试" in s["advice_zh"]


def test_valid_but_the_blacklist_could_not_be_read_says_so() -> None:
    s = explain.summary("VALID", [], CERT, {"checked": False, "listed": False, "entries": []})
    assert s["tone"] == "warn" and "黑名单暂未能查询" in s["headline_zh"]
    assert "可据此办理业务" not in s["advice_zh"]


def test_revoked_names_when_and_why_in_chinese() -> None:
    s = explain.summary("INVALID", [check("not_revoked", "fail", "REVOKED")], CERT, {"checked": True},
                        {"revoked_at": T, "revocation_reason": "issued-in-error"})
    assert s["headline_zh"] == "已撤销：海口市住房公积金管理局于 2026年11月21日 12:25:04 撤销（误发）"


def test_wrong_audience_keeps_only_number_and_centre() -> None:
    full = {**CERT, "name": "王小明", "balance": 1, "audience": 91000002}
    assert explain.withhold_for_wrong_audience(full) == {
        "number": CERT["number"], "centre_code": 460100, "centre_name": "海口市住房公积金管理局"}
    s = explain.summary("INVALID", [check("audience", "fail", "WRONG_AUDIENCE")], CERT, {"checked": False})
    assert s["headline_zh"] == "非贵机构使用" and "issued_at_beijing" not in s


def test_codes_are_read_as_people_type_them() -> None:
    assert normalise_code("abcd efgh") == "ABCD-EFGH"
    assert normalise_code("0B1D-8AAA") == "OBID-BAAA"  # 0/1/8 are not base32: read as O/I/B
    assert normalise_code("ABCD-EFG") is None and normalise_code("") is None
    assert centre_of_number(" 460100-2026-00000123 ") == 460100 and centre_of_number("46-1") is None
