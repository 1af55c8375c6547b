"""Verification as an explicit, ordered list of small named checks (DESIGN.md §4).

Algorithm, numbered as the checks are tagged below:
 1. decode the HPF1 string (MALFORMED, UNSUPPORTED_VERSION)
 2. find the signing key registered on chain under the certificate's key id, owned by the
    claimed centre (UNKNOWN_KEY)
 3. verify the COSE signature with it (BAD_SIGNATURE)
 4. recompute the batch root from the digest and the inclusion proof (PROOF_INVALID)
 5. read the chain once for the root, the digest and the key (CHAIN_UNAVAILABLE if it cannot;
    NODE_BEHIND, INDETERMINATE, if the node's head is older than the bound: a lagging node could
    hide a revocation)
 6. the root is anchored (NOT_ANCHORED)
 7. by the centre that signed, which is an active member (ISSUER_NOT_MEMBER)
 8. whose key was valid at the anchor time on chain, not at the claimed issue time
    (KEY_NOT_VALID_AT_ANCHOR)
 9. the certificate is not revoked (REVOKED)
10. and not expired at the later of the head's time and the verifier's clock (EXPIRED)
11. and, when the verifier acts for an institution, meant for it (WRONG_AUDIENCE)
Blacklist status is looked up beside the verdict, never as part of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from node.bindings import CertificateStatus, KeyAlgorithm
from verifier import explain
from verifier import format as fmt
from verifier.chain import ChainReader, ChainUnavailable, PublicKey
from verifier.errors import HpfVerifierError
from verifier.result import CheckResult, Status, VerificationResult, decide


@dataclass
class Context:
    """What the checks share for one certificate. Filled as the pipeline goes."""

    text: str
    reader: ChainReader | None
    institution: int | None
    with_blacklist: bool = False
    signed: fmt.SignedCertificate | None = None
    digest: bytes | None = None
    key: PublicKey | None = None
    root: bytes | None = None
    status: CertificateStatus | None = None
    chain_error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


CheckFn = Callable[[Context], CheckResult]


@dataclass(frozen=True)
class Check:
    name: str
    stage: str
    reason: str
    run: CheckFn


def _ok(check: Check, zh: str, en: str, **data: Any) -> CheckResult:
    return CheckResult(name=check.name, stage=check.stage, status=Status.OK, reason=None, message_zh=zh,
                       message_en=en, data=data)


def _fail(check: Check, zh: str, en: str, **data: Any) -> CheckResult:
    return CheckResult(name=check.name, stage=check.stage, status=Status.FAIL, reason=check.reason, message_zh=zh,
                       message_en=en, data=data)


def _unknown(check: Check, zh: str, en: str, reason: str = "CHAIN_UNAVAILABLE") -> CheckResult:
    return CheckResult(name=check.name, stage=check.stage, status=Status.UNKNOWN, reason=reason, message_zh=zh,
                       message_en=en)


def _skipped(check: Check) -> CheckResult:
    return CheckResult(
        name=check.name, stage=check.stage, status=Status.UNKNOWN, reason=None,
        message_zh="前一步未通过，此项未检查。", message_en="Not checked: an earlier check did not pass.",
    )


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


# 1. decode
def _decode(ctx: Context) -> CheckResult:
    check = DECODE
    try:
        ctx.signed = fmt.decode(ctx.text)
    except HpfVerifierError as exc:
        reason = getattr(exc, "reason", "MALFORMED")
        if reason == "UNSUPPORTED_VERSION":
            # A newer genuine certificate must never be called fake: this verifier cannot tell.
            return CheckResult(name=check.name, stage=check.stage, status=Status.UNKNOWN, reason=reason,
                               message_zh="证明版本比本核验程序新，无法判断，请更新核验程序。",
                               message_en=f"{exc} Please update the verifier.")
        return CheckResult(name=check.name, stage=check.stage, status=Status.FAIL, reason=reason,
                           message_zh="证明数据格式错误，无法解析。", message_en=str(exc))
    ctx.digest = fmt.certificate_digest(ctx.signed)
    return _ok(check, "证明数据格式正确。", "The certificate is well formed.")


# 2. key
def _key_known(ctx: Context) -> CheckResult:
    check = KEY_KNOWN
    assert ctx.signed is not None and ctx.reader is not None
    kid = ctx.signed.key_id
    try:
        key = ctx.reader.public_key(kid)
    except ChainUnavailable as exc:
        ctx.chain_error = str(exc)
        return _unknown(check, "无法连接区块链，签名密钥未能查询。", f"The signing key could not be looked up: {exc}.")
    centre = ctx.signed.certificate.centre_code
    if key is None:
        age = ctx.reader.node_behind(time.time())
        if age is not None:  # a lagging node may simply not know the key yet
            ctx.chain_error = _behind_en(ctx.reader, age)
            return _unknown(check, _behind_zh(age), ctx.chain_error, reason="NODE_BEHIND")
    if key is None or key.centre != centre:
        return _fail(check, "签名密钥未在联盟链上登记。",
                     f"Key {kid.hex()} is not a key registered on chain by centre {centre}.")
    ctx.key = key
    return _ok(check, "签名密钥已在联盟链上登记。", f"Key {kid.hex()} is registered by centre {centre}.")


# 3. signature
def _signature(ctx: Context) -> CheckResult:
    check = SIGNATURE
    assert ctx.signed is not None and ctx.key is not None
    # The algorithm the key was registered with on chain, not the one the certificate claims.
    # A minimal certificate's disclosed fields are covered by the signature through their salted
    # digests: one whose digest is not signed was forged or altered (and is never shown).
    mismatched = getattr(ctx.signed.certificate, "mismatched", 0)
    if mismatched:
        return _fail(check, f"有 {mismatched} 项披露信息与签名不符：内容被篡改。",
                     f"{mismatched} disclosed field(s) do not match the signed digests: the content was altered.")
    if fmt.verify_signature(ctx.signed, ctx.key.public_key, _ALGORITHMS[ctx.key.algorithm]):
        return _ok(check, "电子签名有效，内容未被篡改。", "The signature is valid: the content is as signed.")
    return _fail(check, "电子签名无效：内容可能被篡改。", "The signature does not match: the content was altered or forged.")


# 4. proof
def _proof(ctx: Context) -> CheckResult:
    check = PROOF
    assert ctx.signed is not None and ctx.digest is not None
    root = fmt.computed_root(ctx.signed)
    if root is None or ctx.signed.root_tag is None:
        return CheckResult(name=check.name, stage=check.stage, status=Status.FAIL, reason="NOT_ANCHORED",
                           message_zh="证明未附带上链凭据。", message_en="The certificate carries no inclusion proof.")
    if root[: len(ctx.signed.root_tag)] != ctx.signed.root_tag:
        return _fail(check, "上链凭据（默克尔证明）无效。",
                     "The inclusion proof does not lead to the batch root the certificate names.")
    ctx.root = root
    return _ok(check, "上链凭据（默克尔证明）有效。", f"The inclusion proof leads to batch root 0x{root.hex()}.",
               root="0x" + root.hex())


# 5. one chain read
def _chain_read(ctx: Context) -> CheckResult:
    check = CHAIN_READ
    assert ctx.signed is not None and ctx.digest is not None and ctx.reader is not None
    root = ctx.root or b"\x00" * 32
    cert = ctx.signed.certificate
    try:
        if ctx.with_blacklist:  # the holder's entries ride along in the same round trip
            ctx.status, entries = ctx.reader.status_and_entries(
                ctx.digest, root, cert.centre_code, ctx.signed.key_id, cert.subject_ref
            )
            ctx.extra["blacklist_entries"] = entries
        else:
            ctx.status = ctx.reader.certificate_status(ctx.digest, root, cert.centre_code, ctx.signed.key_id)
    except ChainUnavailable as exc:
        ctx.chain_error = str(exc)
        return _unknown(check, "无法连接区块链，暂时无法判断真伪，请稍后重试。", f"The chain could not be read: {exc}.")
    s = ctx.status
    age = ctx.reader.head_age(s.read_at, time.time())
    if age is not None:  # nothing a stale node says is trusted, in either direction
        ctx.extra["stale_status"] = s
        ctx.status = None
        ctx.chain_error = _behind_en(ctx.reader, age)
        return _unknown(check, _behind_zh(age), ctx.chain_error, reason="NODE_BEHIND")
    return _ok(check, f"已读取区块链（区块 {s.read_block}）。", f"Chain read at block {s.read_block}, {_iso(s.read_at)}.",
               block=s.read_block, time=s.read_at, node=ctx.reader.node)


def _behind_en(reader: ChainReader, age: float) -> str:
    return (f"node behind: the head of {reader.node} is {age:.0f} s old (bound {reader.head_bound():.0f} s); "
            "try again or read another node")


def _behind_zh(age: float) -> str:
    return f"区块链节点落后（最新区块已 {age:.0f} 秒未更新），暂时无法判断，请稍后重试或换用其他节点。"


# 6. anchored
def _anchored(ctx: Context) -> CheckResult:
    check = ANCHORED
    s = ctx.status
    assert s is not None
    if not s.anchored:
        return _fail(check, "该批次未在联盟链上存证。", "The batch root is not anchored on chain.")
    return _ok(check, f"已于 {explain.beijing(s.anchored_at)} 在联盟链上存证。",
               f"Anchored on chain at {_iso(s.anchored_at)} (block {s.anchor_block}).", anchored_at=s.anchored_at)


# 7. member
def _member(ctx: Context) -> CheckResult:
    check = MEMBER
    s, signed = ctx.status, ctx.signed
    assert s is not None and signed is not None
    centre = signed.certificate.centre_code
    if s.anchoring_centre != centre:
        return _fail(check, "存证机构与出具机构不一致。",
                     f"The batch was anchored by centre {s.anchoring_centre}, not by the issuing centre {centre}.")
    if not s.centre_active:
        return _fail(check, "出具机构不是联盟有效成员。", f"Centre {centre} is not an active member of the consortium.")
    return _ok(check, "出具机构为联盟有效成员。", f"Centre {centre} is an active member.")


# 8. key valid at anchor
def _key_at_anchor(ctx: Context) -> CheckResult:
    check = KEY_AT_ANCHOR
    s = ctx.status
    assert s is not None
    if not s.key_valid_at_anchor:
        return _fail(check, "存证时签名密钥已失效（可能为倒签）。",
                     f"The signing key was not valid at the anchor time {_iso(s.anchored_at)}.")
    return _ok(check, "存证时签名密钥有效。", "The signing key was valid when the batch was anchored.")


# 9. revoked
def _not_revoked(ctx: Context) -> CheckResult:
    check = NOT_REVOKED
    s = ctx.status
    assert s is not None
    if s.revoked:
        reason = s.revocation_reason.name.lower()
        return _fail(check, f"该证明已于 {explain.beijing(s.revoked_at)} 撤销（{explain.REVOCATION_ZH.get(reason.replace('_', '-'), reason)}）。",
                     f"Revoked at {_iso(s.revoked_at)} ({reason}).", revoked_at=s.revoked_at, revocation_reason=reason)
    return _ok(check, "证明未被撤销。", "Not revoked.")


# 10. expiry
def _not_expired(ctx: Context) -> CheckResult:
    check = NOT_EXPIRED
    s, signed = ctx.status, ctx.signed
    assert s is not None and signed is not None
    until = signed.certificate.valid_until
    # The head is fresh here (step 5): judge at the later of its time and our clock, so that a
    # quiet chain (no block for a while) does not keep an expired certificate valid.
    if max(s.read_at, int(time.time())) > until:
        return _fail(check, f"证明已于 {explain.beijing(until)} 过期。", f"Expired at {_iso(until)}.")
    return _ok(check, f"证明在有效期内（至 {explain.beijing(until)}）。", f"Valid until {_iso(until)}.")


# 11. audience
def _audience(ctx: Context) -> CheckResult:
    check = AUDIENCE
    assert ctx.signed is not None
    audience = ctx.signed.certificate.audience
    if audience is None:
        return _ok(check, "证明未指定使用机构。", "The certificate is not bound to one institution.")
    if ctx.institution is None:
        return _ok(check, f"证明仅供机构 {audience} 使用（本次未以机构身份核验）。",
                   f"Bound to institution {audience}; this verifier does not act for an institution.")
    if ctx.institution != audience:
        # Which institution it is meant for is the holder's business, not this reader's.
        return _fail(check, "证明指定了其他使用机构，非本机构。",
                     f"The certificate is meant for another institution, not {ctx.institution}.")
    return _ok(check, "证明指定本机构使用。", f"Meant for this institution ({audience}).")


_ALGORITHMS = {KeyAlgorithm.EDDSA: "EdDSA", KeyAlgorithm.ES256: "ES256", KeyAlgorithm.SM2: "SM2"}

DECODE = Check("decode", "format", "MALFORMED", _decode)
KEY_KNOWN = Check("key_known", "signature", "UNKNOWN_KEY", _key_known)
SIGNATURE = Check("signature", "signature", "BAD_SIGNATURE", _signature)
PROOF = Check("inclusion_proof", "anchor", "PROOF_INVALID", _proof)
CHAIN_READ = Check("chain_read", "chain", "CHAIN_UNAVAILABLE", _chain_read)
ANCHORED = Check("anchored", "anchor", "NOT_ANCHORED", _anchored)
MEMBER = Check("issuer_member", "issuer", "ISSUER_NOT_MEMBER", _member)
KEY_AT_ANCHOR = Check("key_valid_at_anchor", "issuer", "KEY_NOT_VALID_AT_ANCHOR", _key_at_anchor)
NOT_REVOKED = Check("not_revoked", "status", "REVOKED", _not_revoked)
NOT_EXPIRED = Check("not_expired", "status", "EXPIRED", _not_expired)
AUDIENCE = Check("audience", "consent", "WRONG_AUDIENCE", _audience)

PIPELINE: tuple[Check, ...] = (
    DECODE, KEY_KNOWN, SIGNATURE, PROOF, CHAIN_READ, ANCHORED, MEMBER, KEY_AT_ANCHOR, NOT_REVOKED, NOT_EXPIRED,
    AUDIENCE,
)
_NEEDS_CHAIN = {KEY_KNOWN.name, CHAIN_READ.name}
_NEEDS_STATUS = {ANCHORED.name, MEMBER.name, KEY_AT_ANCHOR.name, NOT_REVOKED.name, NOT_EXPIRED.name}


def _gate(check: Check, ctx: Context) -> CheckResult | None:
    """Why `check` cannot run for `ctx` yet, as its result; None when it can.

    A check whose input an earlier check failed to establish is not run: the earlier failure
    already names the reason, and a second reason derived from it would only mislead.
    """
    chain_down = _unknown(check, "无法连接区块链，此项无法判断。", f"Could not be checked: {ctx.chain_error}.")
    if check.name in _NEEDS_CHAIN and ctx.reader is None:
        return _unknown(check, "未配置区块链连接。", "No chain is configured for this verifier.")
    if check.name in (SIGNATURE.name, KEY_AT_ANCHOR.name) and ctx.key is None:
        return chain_down if ctx.chain_error else _skipped(check)
    if check.name in _NEEDS_STATUS and ctx.status is None:
        return chain_down if ctx.chain_error else _skipped(check)
    if check.name == ANCHORED.name and ctx.root is None:
        return _skipped(check)
    if check.name in (MEMBER.name, KEY_AT_ANCHOR.name) and ctx.status is not None and not ctx.status.anchored:
        return _skipped(check)
    return None


def run_checks(ctx: Context, pipeline: tuple[Check, ...] = PIPELINE) -> list[CheckResult]:
    results: list[CheckResult] = []
    for check in pipeline:
        if results and results[0].status is not Status.OK:
            results.append(_skipped(check))  # nothing can be said of an unreadable certificate
            continue
        gated = _gate(check, ctx)
        if gated is not None:
            results.append(gated)
            continue
        try:
            results.append(check.run(ctx))
        except Exception as exc:  # a broken check is that check's ERROR, never a crash of the run
            results.append(CheckResult(
                name=check.name, stage=check.stage, status=Status.ERROR, reason=check.reason,
                message_zh="检查过程出错，无法判断。", message_en=f"The check failed to run: {type(exc).__name__}: {exc}",
            ))
    return results


def blacklist_status(ctx: Context) -> dict[str, Any]:
    """The holder's blacklist entries, by the certificate's subject reference (beside the verdict)."""
    if ctx.signed is None:
        return _not_checked("no certificate")
    if ctx.reader is None:
        return _not_checked("no chain configured")
    try:
        entries = ctx.extra.get("blacklist_entries")
        if entries is None:
            entries = ctx.reader.active_entries(ctx.signed.certificate.subject_ref)
    except ChainUnavailable as exc:
        return _not_checked(f"blacklist could not be read: {exc}")
    return {"checked": True, "listed": bool(entries), "entries": [e.to_json() for e in entries]}


def _not_checked(message: str) -> dict[str, Any]:
    """The blacklist block when it could not be read: `listed` is null, never false (unknown is not clear)."""
    return {"checked": False, "listed": None, "entries": [], "message": message}


class Verifier:
    """Verifies HPF1 strings against one chain, optionally acting for one institution."""

    def _centre_name(self, code: int) -> str | None:
        """The centre's name as registered on chain (the certificate carries only its code)."""
        if self.reader is None:
            return None
        try:
            return self.reader.centre_name(code)
        except ChainUnavailable:
            return None

    def __init__(self, reader: ChainReader | None, *, institution: int | None = None,
                 pipeline: tuple[Check, ...] = PIPELINE) -> None:
        self.reader = reader
        self.institution = institution
        self.pipeline = pipeline

    def verify(self, text: str, *, with_blacklist: bool = True) -> VerificationResult:
        ctx = Context(text=text, reader=self.reader, institution=self.institution, with_blacklist=with_blacklist)
        checks = tuple(run_checks(ctx, self.pipeline))
        verdict = decide(checks)
        chain = None
        node = self.reader.node if self.reader is not None else None
        read = ctx.status or ctx.extra.get("stale_status")
        if read is not None:
            chain = {"node": node, "block": read.read_block, "time": read.read_at, "time_iso": _iso(read.read_at)}
            if ctx.chain_error:
                chain["error"] = ctx.chain_error
        elif ctx.chain_error:
            chain = {"node": node, "error": ctx.chain_error, "checked_at": int(time.time())}
        certificate = None
        claims: list[dict[str, Any]] = []
        if ctx.signed is not None:
            certificate = ctx.signed.certificate.to_json()
            certificate["centre_name"] = self._centre_name(certificate["centre_code"])
            claims = [c.to_json() for c in getattr(ctx.signed.certificate, "claims", ())]
        blacklist = blacklist_status(ctx) if with_blacklist else _not_checked("not asked for")
        if any(c.reason == "WRONG_AUDIENCE" and c.status is Status.FAIL for c in checks):
            # Not meant for this reader: the number, the centre and the refusal, nothing personal.
            certificate = explain.withhold_for_wrong_audience(certificate)
            claims = []
            blacklist = {"checked": False, "listed": None, "entries": [], "withheld": True,
                         "message": "withheld: the certificate is meant for another institution"}
        else:
            blacklist = explain.annotate_blacklist(blacklist, self._centre_name)
        revocation = None
        if ctx.status is not None and ctx.status.revoked:
            revocation = {"revoked_at": ctx.status.revoked_at,
                          "revocation_reason": ctx.status.revocation_reason.name.lower().replace("_", "-")}
        json_checks = [c.to_json() for c in checks]
        return VerificationResult(
            verdict=verdict,
            checks=checks,
            certificate=certificate,
            blacklist=blacklist,
            digest="0x" + ctx.digest.hex() if ctx.digest else None,
            chain=chain,
            summary=explain.summary(str(verdict), json_checks, certificate, blacklist, revocation),
            claims=claims,
        )
