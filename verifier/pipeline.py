"""Verification as an explicit, ordered list of small named checks (docs/design.md §4).

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

The contract every check keeps (docs/design.md §4):
- it returns a CheckResult: OK, FAIL with a `Reason`, or UNKNOWN (could not tell: the chain);
- if it raises, the pipeline records ERROR with reason CHECK_ERROR (verdict INDETERMINATE),
  never the check's own failure code and never a crash of the run;
- what it needs from the context is declared on it (`needs`); when a need is unmet the check is
  not run and is SKIPPED (an earlier check did not pass and already names the reason) or, if
  the chain could not be read, UNKNOWN with CHAIN_UNAVAILABLE.

Adding a check:
 1. if it establishes or reads something new, add a typed field to `Context`;
 2. write `def _my_check(ctx: Context) -> CheckResult` using `_ok(MY_CHECK, zh, en)` and
    `_fail(MY_CHECK, zh, en)` (or `_unknown`), with a `# n.` tag and a line in the list above;
 3. declare it: `MY_CHECK = Check("my_check", "stage", Reason.MY_REASON, _my_check,
    needs=(DECODED, ...))` — a new reason code goes into `verifier.reasons.Reason` and the
    table in docs/verifier.md (a test compares them);
 4. put it in `PIPELINE` where it belongs, and unit-test it with the in-memory chain of
    tests/verifier/fake_chain.py (tests/verifier/test_checks.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from node.bindings import BlacklistEntry, CertificateStatus, KeyAlgorithm, enum_code
from verifier import explain
from verifier import format as fmt
from verifier.chain import ChainReader, ChainUnavailable, PublicKey
from verifier.errors import HpfVerifierError
from verifier.reasons import Reason
from verifier.result import CheckResult, Status, VerificationResult, decide


@dataclass
class Context:
    """What the checks share for one certificate. Filled as the pipeline goes."""

    text: str
    reader: ChainReader | None
    institution: int | None
    with_blacklist: bool = False
    signed: fmt.SignedCertificate | None = None  # 1. decode
    digest: bytes | None = None  # 1. decode
    key: PublicKey | None = None  # 2. key_known
    root: bytes | None = None  # 4. inclusion_proof
    status: CertificateStatus | None = None  # 5. chain_read
    blacklist_entries: list[BlacklistEntry] | None = None  # 5. chain_read, with_blacklist only
    stale_status: CertificateStatus | None = None  # 5. chain_read: what a node behind said (shown, never trusted)
    chain_error: str | None = None  # any check that could not read the chain


CheckFn = Callable[[Context], CheckResult]


@dataclass(frozen=True)
class Requirement:
    """Something a check needs from the context before it can run, and what it reports if not."""

    what: str
    met: Callable[[Context], bool]
    unmet: Callable[[Check, Context], CheckResult]


@dataclass(frozen=True)
class Check:
    """One step: a name and stage (shown to users), the reason code it fails with, the function
    that runs it and what it needs (checked in order before it runs)."""

    name: str
    stage: str
    reason: Reason
    run: CheckFn
    needs: tuple[Requirement, ...] = ()


def _ok(check: Check, zh: str, en: str, **data: Any) -> CheckResult:
    return CheckResult(name=check.name, stage=check.stage, status=Status.OK, reason=None, message_zh=zh,
                       message_en=en, data=data)


def _fail(check: Check, zh: str, en: str, *, reason: Reason | None = None, **data: Any) -> CheckResult:
    return CheckResult(name=check.name, stage=check.stage, status=Status.FAIL, reason=reason or check.reason,
                       message_zh=zh, message_en=en, data=data)


def _unknown(check: Check, zh: str, en: str, reason: Reason = Reason.CHAIN_UNAVAILABLE) -> CheckResult:
    return CheckResult(name=check.name, stage=check.stage, status=Status.UNKNOWN, reason=reason, message_zh=zh,
                       message_en=en)


def _skipped(check: Check, ctx: Context) -> CheckResult:
    return CheckResult(
        name=check.name, stage=check.stage, status=Status.SKIPPED, reason=None,
        message_zh="前一步未通过，此项未检查。", message_en="Not checked: an earlier check did not pass.",
    )


def _error(check: Check, exc: Exception) -> CheckResult:
    return CheckResult(
        name=check.name, stage=check.stage, status=Status.ERROR, reason=Reason.CHECK_ERROR,
        message_zh="检查过程出错，无法判断。", message_en=f"The check failed to run: {type(exc).__name__}: {exc}",
    )


def _skipped_or_chain_down(check: Check, ctx: Context) -> CheckResult:
    """An input an earlier check establishes is missing: because the chain could not be read
    (then this check cannot tell either), or because that check did not pass (it names why)."""
    if ctx.chain_error:
        return _unknown(check, "无法连接区块链，此项无法判断。", f"Could not be checked: {ctx.chain_error}.")
    return _skipped(check, ctx)


def _no_chain(check: Check, ctx: Context) -> CheckResult:
    return _unknown(check, "未配置区块链连接。", "No chain is configured for this verifier.")


DECODED = Requirement(
    "a decoded certificate", lambda ctx: ctx.signed is not None and ctx.digest is not None, _skipped
)
CHAIN = Requirement("a chain to read", lambda ctx: ctx.reader is not None, _no_chain)
KEY = Requirement("the registered signing key", lambda ctx: ctx.key is not None, _skipped_or_chain_down)
ROOT = Requirement("the batch root the proof leads to", lambda ctx: ctx.root is not None, _skipped)
STATUS = Requirement("the status read from the chain", lambda ctx: ctx.status is not None, _skipped_or_chain_down)
ANCHORED_ROOT = Requirement(
    "an anchored batch root", lambda ctx: ctx.status is not None and ctx.status.anchored, _skipped
)


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


# 1. decode
def _decode(ctx: Context) -> CheckResult:
    check = DECODE
    try:
        ctx.signed = fmt.decode(ctx.text)
    except HpfVerifierError as exc:
        reason = Reason(getattr(exc, "reason", Reason.MALFORMED))
        if reason is Reason.UNSUPPORTED_VERSION:
            # A newer genuine certificate must never be called fake: this verifier cannot tell.
            return _unknown(check, "证明版本比本核验程序新，无法判断，请更新核验程序。",
                            f"{exc} Please update the verifier.", reason=reason)
        return _fail(check, "证明数据格式错误，无法解析。", str(exc), reason=reason)
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
            return _unknown(check, _behind_zh(age), ctx.chain_error, reason=Reason.NODE_BEHIND)
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
        return _fail(check, "证明未附带上链凭据。", "The certificate carries no inclusion proof.",
                     reason=Reason.NOT_ANCHORED)
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
            ctx.status, ctx.blacklist_entries = ctx.reader.status_and_entries(
                ctx.digest, root, cert.centre_code, ctx.signed.key_id, cert.subject_ref
            )
        else:
            ctx.status = ctx.reader.certificate_status(ctx.digest, root, cert.centre_code, ctx.signed.key_id)
    except ChainUnavailable as exc:
        ctx.chain_error = str(exc)
        return _unknown(check, "无法连接区块链，暂时无法判断真伪，请稍后重试。", f"The chain could not be read: {exc}.")
    s = ctx.status
    age = ctx.reader.head_age(s.read_at, time.time())
    if age is not None:  # nothing a stale node says is trusted, in either direction
        ctx.stale_status = s
        ctx.status = None
        ctx.chain_error = _behind_en(ctx.reader, age)
        return _unknown(check, _behind_zh(age), ctx.chain_error, reason=Reason.NODE_BEHIND)
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
        reason_zh = explain.REVOCATION_ZH.get(reason.replace('_', '-'), reason)
        return _fail(check, f"该证明已于 {explain.beijing(s.revoked_at)} 撤销（{reason_zh}）。",
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


_ALGORITHMS: dict[KeyAlgorithm, fmt.Algorithm] = {
    KeyAlgorithm.EDDSA: "EdDSA", KeyAlgorithm.ES256: "ES256", KeyAlgorithm.SM2: "SM2"
}

DECODE = Check("decode", "format", Reason.MALFORMED, _decode)
KEY_KNOWN = Check("key_known", "signature", Reason.UNKNOWN_KEY, _key_known, needs=(DECODED, CHAIN))
SIGNATURE = Check("signature", "signature", Reason.BAD_SIGNATURE, _signature, needs=(DECODED, KEY))
PROOF = Check("inclusion_proof", "anchor", Reason.PROOF_INVALID, _proof, needs=(DECODED,))
CHAIN_READ = Check("chain_read", "chain", Reason.CHAIN_UNAVAILABLE, _chain_read, needs=(DECODED, CHAIN))
ANCHORED = Check("anchored", "anchor", Reason.NOT_ANCHORED, _anchored, needs=(DECODED, STATUS, ROOT))
MEMBER = Check("issuer_member", "issuer", Reason.ISSUER_NOT_MEMBER, _member,
               needs=(DECODED, STATUS, ANCHORED_ROOT))
KEY_AT_ANCHOR = Check("key_valid_at_anchor", "issuer", Reason.KEY_NOT_VALID_AT_ANCHOR, _key_at_anchor,
                      needs=(DECODED, KEY, STATUS, ANCHORED_ROOT))
NOT_REVOKED = Check("not_revoked", "status", Reason.REVOKED, _not_revoked, needs=(DECODED, STATUS))
NOT_EXPIRED = Check("not_expired", "status", Reason.EXPIRED, _not_expired, needs=(DECODED, STATUS))
AUDIENCE = Check("audience", "consent", Reason.WRONG_AUDIENCE, _audience, needs=(DECODED,))

PIPELINE: tuple[Check, ...] = (
    DECODE, KEY_KNOWN, SIGNATURE, PROOF, CHAIN_READ, ANCHORED, MEMBER, KEY_AT_ANCHOR, NOT_REVOKED, NOT_EXPIRED,
    AUDIENCE,
)


def run_check(check: Check, ctx: Context) -> CheckResult:
    """One check: not run when a need is unmet; an exception is its ERROR (CHECK_ERROR)."""
    for need in check.needs:
        if not need.met(ctx):
            return need.unmet(check, ctx)
    try:
        return check.run(ctx)
    except Exception as exc:  # noqa: BLE001 — a broken check is never its own failure code, and never a crash of the run
        return _error(check, exc)


def run_checks(ctx: Context, pipeline: tuple[Check, ...] = PIPELINE) -> list[CheckResult]:
    return [run_check(check, ctx) for check in pipeline]


def blacklist_status(ctx: Context) -> dict[str, Any]:
    """The holder's blacklist entries, by the certificate's subject reference (beside the verdict)."""
    if ctx.signed is None:
        return _not_checked("no certificate")
    if ctx.reader is None:
        return _not_checked("no chain configured")
    try:
        entries = ctx.blacklist_entries
        if entries is None:
            entries = ctx.reader.active_entries(ctx.signed.certificate.subject_ref)
    except Exception as exc:  # noqa: BLE001 — beside the verdict: an outage or a bug here says "not checked", never crashes
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
        except Exception:  # noqa: BLE001 — a name shown beside the verdict never breaks it (as a check's ERROR would not)
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
        read = ctx.status or ctx.stale_status
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
        if any(c.reason is Reason.WRONG_AUDIENCE and c.status is Status.FAIL for c in checks):
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
                          "revocation_reason": enum_code(ctx.status.revocation_reason)}
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
