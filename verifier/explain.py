"""What a verdict means for the person reading it: a headline that says why and what to do next,
in Chinese and English, with names instead of codes and Beijing times as the PDF prints them.

The verdict itself is decided by the pipeline and never changed here; this module only explains
it (`summary`) and withholds what the reader must not see (`withhold_for_wrong_audience`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from verifier import labels
from verifier.labels import ACCOUNT_STATUS_ZH as ACCOUNT_STATUS_ZH  # re-exported: the one definition
from verifier.labels import BEIJING
from verifier.reasons import Reason

#: Reason codes of the checks, in Chinese (the codes themselves are the public contract).
REASON_ZH: dict[str, str] = {
    Reason.MALFORMED: "证明数据格式错误",
    Reason.UNSUPPORTED_VERSION: "证明版本不受支持",
    Reason.BAD_SIGNATURE: "电子签名无效",
    Reason.UNKNOWN_KEY: "签名密钥未登记",
    Reason.ISSUER_NOT_MEMBER: "出具机构不是联盟有效成员",
    Reason.KEY_NOT_VALID_AT_ANCHOR: "存证时签名密钥无效",
    Reason.PROOF_INVALID: "上链凭据无效",
    Reason.NOT_ANCHORED: "未在联盟链上存证",
    Reason.REVOKED: "已撤销",
    Reason.EXPIRED: "已过期",
    Reason.WRONG_AUDIENCE: "非贵机构使用",
    Reason.CHAIN_UNAVAILABLE: "区块链暂不可用",
    Reason.NODE_BEHIND: "区块链节点落后",
    Reason.CHECK_ERROR: "核验过程出错",
}
#: The checks' names in Chinese, for the collapsed technical details.
CHECK_ZH: dict[str, str] = {
    "decode": "数据格式", "key_known": "签名密钥登记", "signature": "电子签名", "inclusion_proof": "上链凭据",
    "chain_read": "读取区块链", "anchored": "链上存证", "issuer_member": "出具机构资格",
    "key_valid_at_anchor": "存证时密钥有效", "not_revoked": "未被撤销", "not_expired": "在有效期内",
    "audience": "使用机构",
}
REVOCATION_ZH: dict[str, str] = {
    "superseded": "已被新证明替代", "issued-in-error": "误发", "account-changed": "账户信息变更",
    "key-compromised": "签名密钥泄露", "other": "其他原因",
}
BLACKLIST_REASON_ZH: dict[str, str] = {
    "forged-materials": "伪造材料", "fraudulent-withdrawal": "骗提公积金", "loan-default": "贷款逾期6期以上",
    "fraudulent-loan": "骗取贷款", "other": "其他",
}
#: What a reader at the wrong institution may see of the certificate.
WRONG_AUDIENCE_FIELDS = ("number", "centre_code", "centre_name")


#: Unix seconds as Beijing time, as the PDF prints it: "2027年03月04日 05:21:36".
beijing = labels.format_time


def beijing_en(ts: int | float) -> str:
    return datetime.fromtimestamp(ts, UTC).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S (Beijing time)")


def _failed(checks: list[dict[str, Any]], reason: str) -> dict[str, Any] | None:
    return next((c for c in checks if c.get("reason") == reason and c.get("status") != "ok"), None)


def annotate_blacklist(blacklist: dict[str, Any], centre_name: Callable[[int], str | None]) -> dict[str, Any]:
    """The blacklist block with each entry's centre name, Chinese reason and Beijing dates."""
    out = dict(blacklist)
    entries = []
    for e in blacklist.get("entries", []):
        e = dict(e)
        e["centre_name"] = centre_name(e["centre"])
        e["reason_zh"] = BLACKLIST_REASON_ZH.get(e["reason"], e["reason"])
        e["listed_at_beijing"] = beijing(e["listed_at"])
        e["expires_at_beijing"] = beijing(e["expires_at"])
        entries.append(e)
    out["entries"] = entries
    return out


def withhold_for_wrong_audience(certificate: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only the number and the issuing centre: the certificate was not meant for this reader."""
    if certificate is None:
        return None
    return {k: certificate.get(k) for k in WRONG_AUDIENCE_FIELDS}


def summary(verdict: str, checks: list[dict[str, Any]], certificate: dict[str, Any] | None,
            blacklist: dict[str, Any], revocation: dict[str, Any] | None = None) -> dict[str, Any]:
    """The headline: {tone, headline_zh, headline_en, advice_zh, advice_en, …}.

    tone is "ok" (green), "warn" (amber: genuine but the holder is blacklisted, or the blacklist
    could not be read), "bad" (red) or "unknown" (could not tell)."""
    out: dict[str, Any] = {}
    cert = certificate or {}
    if cert.get("issued_at") is not None:
        out["issued_at_beijing"] = beijing(cert["issued_at"])
    if cert.get("valid_until") is not None:
        out["valid_until_beijing"] = beijing(cert["valid_until"])
    centre = cert.get("centre_name") or (f"公积金中心 {cert['centre_code']}" if cert.get("centre_code") else "出具中心")
    if verdict == "VALID":
        if blacklist.get("listed"):
            names = "、".join(sorted({e.get("centre_name") or str(e["centre"]) for e in blacklist["entries"]}))
            details = "；".join(
                f"{e.get('centre_name') or e['centre']}以“{e.get('reason_zh', e['reason'])}”列入，"
                f"列入时间 {beijing(e['listed_at'])}，到期 {beijing(e['expires_at'])}"
                + ("（申诉中）" if e.get("under_appeal") else "")
                for e in blacklist["entries"])
            out.update(tone="warn", headline_zh="证明真实有效，但持证人在失信黑名单中",
                       headline_en="Genuine and valid, but the holder is on the blacklist",
                       detail_zh=f"列入机构：{names}。{details}。",
                       advice_zh="请按贵机构对失信人员的规定审慎处理，可联系列入机构核实。",
                       advice_en="Handle the application under your rules for blacklisted persons; "
                       "you may ask the listing centre.")
        elif not blacklist.get("checked"):
            out.update(tone="warn", headline_zh="证明真实有效，但黑名单暂未能查询",
                       headline_en="Genuine and valid; the blacklist could not be checked",
                       advice_zh="证明本身可以采信；请稍后重新核验以确认持证人是否在失信黑名单中。",
                       advice_en="The certificate itself can be relied on; verify again later to check the blacklist.")
        else:
            out.update(tone="ok", headline_zh="证明真实有效", headline_en="Genuine and valid",
                       advice_zh="证明真实、在有效期内、未被撤销，持证人不在失信黑名单中，可据此办理业务。",
                       advice_en="Genuine, current, not revoked, holder not blacklisted: you may rely on it.")
        return out
    if verdict == "INDETERMINATE":
        if _failed(checks, Reason.UNSUPPORTED_VERSION):
            out.update(tone="unknown", headline_zh="无法核验（证明版本较新）",
                       headline_en="Cannot verify (a newer certificate version)",
                       advice_zh="请更新核验系统后重试；在此之前请勿据此办理业务。",
                       advice_en="Update the verifier and try again; do not rely on it until then.")
        elif _failed(checks, Reason.NODE_BEHIND):
            out.update(tone="unknown", headline_zh="无法核验（区块链节点落后）",
                       headline_en="Cannot verify (the chain node is behind)",
                       advice_zh="所读节点的最新区块过旧，可能漏掉撤销记录；请稍后重试或换用其他节点，在得到结论前请勿据此办理业务。",
                       advice_en="The node's newest block is too old and could hide a revocation; try again or read "
                                 "another node, and do not rely on the certificate until then.")
        elif _failed(checks, Reason.CHECK_ERROR) and not _failed(checks, Reason.CHAIN_UNAVAILABLE):
            out.update(tone="unknown", headline_zh="无法核验（核验过程出错）",
                       headline_en="Cannot verify (a check failed to run)",
                       advice_zh="请稍后重试；如仍出错请联系核验系统管理员。在得到结论前请勿据此办理业务。",
                       advice_en="Try again; if it persists, tell the verifier's operator. Do not rely on it until then.")
        else:
            out.update(tone="unknown", headline_zh="无法核验（区块链暂不可用）",
                       headline_en="Cannot verify (the chain is unavailable)",
                       advice_zh="请稍后重试；在得到结论前请勿据此办理业务。",
                       advice_en="Try again shortly; do not rely on the certificate until then.")
        return out
    # INVALID: the first failed check says why.
    if _failed(checks, Reason.WRONG_AUDIENCE):
        out.update(tone="bad", headline_zh="非贵机构使用", headline_en="Not issued for your institution",
                   advice_zh="请申请人为贵机构重新申请缴存证明。",
                   advice_en="Ask the applicant to request a certificate for your institution.")
        out.pop("issued_at_beijing", None)
        out.pop("valid_until_beijing", None)
    elif _failed(checks, Reason.REVOKED):
        rev = revocation or {}
        code = rev.get("revocation_reason") or "other"
        when = f"于 {beijing(rev['revoked_at'])} " if rev.get("revoked_at") else ""
        out.update(tone="bad", headline_zh=f"已撤销：{centre}{when}撤销（{REVOCATION_ZH.get(code, code)}）",
                   headline_en=f"Revoked ({code})",
                   advice_zh="请勿采信此证明；请申请人重新申请缴存证明。",
                   advice_en="Do not rely on it; ask the applicant for a new certificate.",
                   revoked_at=rev.get("revoked_at"), revocation_reason=code,
                   revocation_reason_zh=REVOCATION_ZH.get(code, code))
        if rev.get("revoked_at"):
            out["revoked_at_beijing"] = beijing(rev["revoked_at"])
    elif _failed(checks, Reason.EXPIRED):
        until = f"（有效期至 {beijing(cert['valid_until'])}）" if cert.get("valid_until") else ""
        out.update(tone="bad", headline_zh=f"已过期{until}", headline_en="Expired",
                   advice_zh="请申请人重新申请缴存证明。", advice_en="Ask the applicant for a new certificate.")
    elif _failed(checks, Reason.MALFORMED) or _failed(checks, Reason.UNSUPPORTED_VERSION):
        out.update(tone="bad", headline_zh="不是有效的缴存证明（无法解析）",
                   headline_en="Not a readable deposit certificate",
                   advice_zh="请确认上传的是公积金中心出具的缴存证明。",
                   advice_en="Check that this is a certificate issued by a fund centre.")
    else:
        failed = next((c for c in checks if c.get("status") == "fail"), None)
        reason = failed.get("reason") if failed else None
        out.update(tone="bad", headline_zh=f"无效：{REASON_ZH.get(reason or '', '核验未通过')}（可能伪造或被篡改）",
                   headline_en=f"Not valid ({reason or 'failed'}): possibly forged or altered",
                   advice_zh=f"请勿采信此证明，可联系{centre}核实。",
                   advice_en="Do not rely on it; you may ask the issuing fund centre.")
    return out
