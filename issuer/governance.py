"""Consortium governance for a centre's staff: read members, institutions and proposals; propose,
approve, execute and cancel — each said in words first and checked against the chain before
anything is sent, each written to the centre's audit log.

A proposal's action is checked by simulating it as the consortium itself (`eth_call` from the
Consortium's address), so "this cannot pass" (a centre already admitted, an account in use) is
said before any proposal is made; approve, execute and cancel are simulated from the centre's
admin account, so an expired, executed or cancelled proposal, or an approver that is no longer an
active member, is refused with the contract's reason in one sentence and nothing is sent.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_typing import HexStr
from eth_utils import is_address, to_checksum_address
from sqlalchemy import Engine, select

from issuer.db import AuditEntry, session_scope
from issuer.digests import DigestName, digest
from issuer.errors import EXIT_USAGE, HpfIssuerError
from node.bindings import Contracts, Sender, decode_revert, simulate
from node.errors import ContractError

__all__ = [
    "ACTIONS",
    "GovernanceError",
    "Plan",
    "audit",
    "describe",
    "institutions",
    "members",
    "plan",
    "proposals",
    "staff_actor",
]

ACTIONS = (
    "admit-centre",
    "suspend-centre",
    "reinstate-centre",
    "register-institution",
    "suspend-institution",
    "set-threshold",
)
_ZERO = "0x0000000000000000000000000000000000000000"


class GovernanceError(HpfIssuerError):
    """A governance step that cannot be taken; the message says why, in one sentence."""


class GovernanceUsage(GovernanceError):
    exit_code = EXIT_USAGE
    http_status = 400


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A governance call, ready to propose: where it goes, its calldata, and what it does in words."""

    action: str
    target: str
    data: bytes
    words: str
    words_zh: str


# --- what the contract's errors mean, in one sentence --------------------------------------------

_REASONS: dict[str, tuple[str, str]] = {
    "ConsortiumNotCentreAdmin": ("this account is not the admin account of an active member centre",
                                 "本账户不是有效成员中心的管理员账户"),
    "ConsortiumUnknownProposal": ("there is no such proposal", "没有这个提案"),
    "ConsortiumProposalExpired": ("the proposal has expired", "提案已过期"),
    "ConsortiumProposalAlreadyExecuted": ("the proposal was already executed", "提案已执行"),
    "ConsortiumProposalCancelled": ("the proposal was cancelled", "提案已撤销"),
    "ConsortiumProposalAlreadyApproved": ("this centre has already approved the proposal", "本中心已批准过该提案"),
    "ConsortiumProposalBelowThreshold": (
        "the proposal has too few approvals from centres that are active members now",
        "现有成员中心的批准数不足"),
    "ConsortiumNotProposer": ("only the centre that proposed it (or the consortium) can cancel a proposal",
                              "只有提出该提案的中心（或联盟决议）才能撤销提案"),
    "ConsortiumCentreExists": ("that centre is already a member", "该中心已是成员"),
    "ConsortiumCentreNotActive": ("that centre is not an active member", "该中心不是有效成员"),
    "ConsortiumCentreNotSuspended": ("that centre is not suspended", "该中心未被暂停"),
    "ConsortiumInvalidCentreCode": ("the centre code is not a 6-digit code", "中心代码不是6位代码"),
    "ConsortiumAccountInUse": ("that account already belongs to a member or an institution",
                               "该账户已属于某成员或机构"),
    "ConsortiumZeroAccount": ("an account address is missing", "缺少账户地址"),
    "ConsortiumInvalidInstitutionId": ("an institution id must be at least 1000000", "机构编号必须不小于1000000"),
    "ConsortiumInstitutionExists": ("that institution is already registered", "该机构已登记"),
    "ConsortiumUnknownInstitution": ("there is no such institution", "没有这个机构"),
    "ConsortiumInstitutionNotActive": ("that institution is already suspended", "该机构已被暂停"),
    "ConsortiumInvalidThreshold": ("the threshold must be between 1 and the number of active members",
                                   "门槛必须在1和有效成员数之间"),
}


def explain(exc: ContractError) -> tuple[str, str]:
    """(English, Chinese) one-sentence reason for a contract error; a failed proposal's inner error
    is explained instead of the wrapper."""
    if exc.error == "ConsortiumProposalFailed":
        inner = decode_revert(str(exc.error_args.get("returnData", "0x")))
        if inner.error:
            exc = inner
    en, zh = _REASONS.get(exc.error, ("the chain refused it", "区块链拒绝了该操作"))
    return f"Refused: {en} ({exc}).", f"已拒绝：{zh}。"


def _refuse(exc: ContractError) -> GovernanceError:
    en, zh = explain(exc)
    return GovernanceError(en, message_zh=zh)


def preflight(w3: Any, fn: Any, sender: str) -> None:
    """Simulate `fn` from `sender`; raise GovernanceError with the contract's reason if it would revert."""
    try:
        simulate(lambda: fn.call({"from": to_checksum_address(sender)}))
    except ContractError as exc:
        raise _refuse(exc) from exc


# --- reading ---------------------------------------------------------------------------------------


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC") if ts else "-"


def members(contracts: Contracts, indexed: list[dict[str, Any]], keys_of: Callable[[int], list[Any]]) -> list[dict[str, Any]]:
    """Every centre the index knows, read back from the chain (status, accounts), with its keys."""
    rows = []
    for c in sorted(indexed, key=lambda c: c["code"]):
        info = contracts.consortium.centre(int(c["code"]))
        rows.append({
            "code": info.code,
            "name": info.name,
            "status": info.status.name.lower(),
            "admin": info.admin,
            "operator": info.operator,
            "keys": [{"key_id": "0x" + k.key_id.hex(), "algorithm": k.algorithm.name, "valid_from": k.valid_from,
                      "valid_until": k.valid_until} for k in keys_of(info.code)],
        })
    return rows


def institutions(contracts: Contracts, indexed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for i in sorted(indexed, key=lambda i: i["id"]):
        info = contracts.consortium.institution(int(i["id"]))
        rows.append({"id": info.id, "name": info.name, "account": info.account, "sponsor": info.sponsor,
                     "status": "active" if info.active else "suspended"})
    return rows


def proposal_state(p: Any, now: int) -> str:
    if p.executed:
        return "executed"
    if p.cancelled:
        return "cancelled"
    if now >= p.expires_at:
        return "expired"
    return "open"


def proposal_count(contracts: Contracts, limit: int = 100_000) -> int:
    """How many proposals exist: ids are sequential from 1 and an unknown one has no expiry, so a
    doubling then a bisection finds the last in O(log n) reads."""
    def known(pid: int) -> bool:
        return bool(contracts.consortium.proposal(pid).expires_at != 0)

    lo, hi = 0, 1
    while hi <= limit and known(hi):
        lo, hi = hi, hi * 2
    hi = min(hi, limit + 1)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if known(mid) else (lo, mid)
    return lo


def proposals(contracts: Contracts, now: int, *, limit: int = 200) -> list[dict[str, Any]]:
    """Proposals newest first, with approvals (all, and those that count now) and what they do."""
    c = contracts.consortium
    count = proposal_count(contracts)
    threshold = c.threshold()
    rows = []
    for pid in range(count, max(0, count - limit), -1):
        p = c.proposal(pid)
        words, words_zh = describe(contracts, p.target, p.data)
        approvers = c.approvers_of(pid)
        rows.append({
            "id": pid,
            "state": proposal_state(p, now),
            "proposer": p.proposer,
            "approvers": approvers,
            "approvals": p.approvals,
            "active_approvals": c.active_approvals(pid),
            "threshold": threshold,
            "expires_at": p.expires_at,
            "target": p.target,
            "does": words,
            "does_zh": words_zh,
        })
    return rows


# --- saying a call in words ------------------------------------------------------------------------


def describe(contracts: Contracts, target: str, data: bytes) -> tuple[str, str]:
    """(English, Chinese) words for what executing a call does."""
    for binding in (contracts.consortium, contracts.blacklist):
        if to_checksum_address(target) != binding.address:
            continue
        try:
            fn, args = binding.contract.decode_function_input(data)
        except ValueError:
            break
        return _words(fn.fn_name, args, contracts)
    return (f"call 0x{bytes(data[:4]).hex()} on {target}", f"调用合约 {target} 的函数 0x{bytes(data[:4]).hex()}")


def _words(name: str, a: dict[str, Any], contracts: Contracts) -> tuple[str, str]:
    if name == "admitCentre":
        return (f"admit centre {a['code']} {a['name']} (admin {a['admin']}, operator {a['operator']})",
                f"接纳中心 {a['code']} {a['name']}（管理员 {a['admin']}，操作员 {a['operator']}）")
    if name == "suspendCentre":
        return f"suspend centre {a['code']}", f"暂停中心 {a['code']}"
    if name == "reinstateCentre":
        return f"reinstate centre {a['code']}", f"恢复中心 {a['code']}"
    if name == "registerInstitution":
        return (f"register institution {a['id']} {a['name']} (account {a['account_']}, sponsored by {a['sponsor']})",
                f"登记机构 {a['id']} {a['name']}（账户 {a['account_']}，担保中心 {a['sponsor']}）")
    if name == "suspendInstitution":
        return f"suspend institution {a['id']}", f"暂停机构 {a['id']}"
    if name == "setThreshold":
        return (f"set the approvals a proposal needs to {a['threshold_']}",
                f"将提案所需批准数设为 {a['threshold_']}")
    if name == "cancel":
        return f"cancel proposal {a['proposalId']}", f"撤销提案 {a['proposalId']}"
    if name == "liftByGovernance":
        return f"lift blacklist entry {a['id']} by consortium decision", f"以联盟决议解除黑名单条目 {a['id']}"
    shown = ", ".join(f"{k}={v}" for k, v in a.items())
    return f"{name}({shown})", f"{name}({shown})"


# --- planning a proposal ---------------------------------------------------------------------------


def _address(text: str, what: str) -> str:
    if not is_address(text):
        raise GovernanceUsage(f"The {what} {text!r} is not an account address (0x and 40 hex digits).",
                              message_zh=f"{what} {text!r} 不是账户地址。")
    return to_checksum_address(text)


def read_request(path: Path) -> dict[str, Any]:
    """A join request written by `hpf lender init` or `hpf centre init`."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GovernanceUsage(f"Cannot read the join request {path}: {exc}.",
                              message_zh=f"无法读取加入申请 {path}。") from exc
    if not isinstance(raw, dict) or raw.get("kind") not in ("institution", "centre"):
        raise GovernanceUsage(f"{path} is not a join request written by `hpf lender init` or `hpf centre init`.",
                              message_zh=f"{path} 不是加入申请文件。")
    return raw


def plan(contracts: Contracts, action: str, *, code: int | None = None, name: str | None = None,
         admin: str | None = None, operator: str | None = None, institution: int | None = None,
         account: str | None = None, sponsor: int | None = None, threshold: int | None = None) -> Plan:
    """The call `action` makes, checked for its arguments; nothing is sent."""
    c = contracts.consortium

    def need(value: Any, option: str) -> Any:
        if value is None or value == "":
            raise GovernanceUsage(f"{action} needs {option}.", message_zh=f"{action} 需要 {option}。")
        return value

    if action == "admit-centre":
        args: tuple[Any, ...] = (int(need(code, "--code")), str(need(name, "--name")),
                                 _address(need(admin, "--admin"), "admin"),
                                 _address(need(operator, "--operator"), "operator"))
        fn = "admitCentre"
    elif action in ("suspend-centre", "reinstate-centre"):
        args = (int(need(code, "--code")),)
        fn = "suspendCentre" if action == "suspend-centre" else "reinstateCentre"
    elif action == "register-institution":
        args = (int(need(institution, "--id")), str(need(name, "--name")),
                _address(need(account, "--account"), "account"), int(need(sponsor, "--sponsor")))
        fn = "registerInstitution"
    elif action == "suspend-institution":
        args = (int(need(institution, "--id")),)
        fn = "suspendInstitution"
    elif action == "set-threshold":
        args = (int(need(threshold, "--threshold")),)
        fn = "setThreshold"
    else:
        raise GovernanceUsage(f"Unknown action {action!r}: one of {', '.join(ACTIONS)}.",
                              message_zh=f"未知的操作 {action!r}。")
    data = c.encode(fn, *args)
    words, words_zh = describe(contracts, c.address, data)
    return Plan(action=action, target=c.address, data=data, words=words, words_zh=words_zh)


def check_plan(contracts: Contracts, p: Plan, proposer: str) -> None:
    """Refuse a proposal that cannot pass as things stand: the proposer is not an active member's
    admin, or the call itself would fail if executed now (simulated as the consortium)."""
    c = contracts.consortium
    preflight(c.w3, c.contract.functions.propose(p.target, p.data), proposer)
    try:
        simulate(lambda: c.w3.eth.call({"from": c.address, "to": p.target, "data": HexStr("0x" + p.data.hex())}))
    except ContractError as exc:
        raise _refuse(exc) from exc


def check_step(contracts: Contracts, step: str, proposal_id: int, sender: str) -> None:
    """Refuse approve / execute / cancel that the contract would refuse, before sending."""
    c = contracts.consortium
    p = c.proposal(proposal_id)
    if p.expires_at == 0:
        raise GovernanceError(f"Refused: there is no proposal {proposal_id}.", message_zh=f"已拒绝：没有提案 {proposal_id}。")
    fn = {"approve": c.contract.functions.approve, "execute": c.contract.functions.execute,
          "cancel": c.contract.functions.cancel}[step]
    preflight(c.w3, fn(proposal_id), sender)


def send_step(contracts: Contracts, step: str, proposal_id: int, sender: Sender) -> str:
    c = contracts.consortium
    try:
        receipt = {"approve": c.approve, "execute": c.execute, "cancel": c.cancel}[step](sender, proposal_id)
    except ContractError as exc:
        raise _refuse(exc) from exc
    return "0x" + bytes(receipt["transactionHash"]).hex()


# --- the audit log ---------------------------------------------------------------------------------


def staff_actor(staff_key: str) -> str:
    """How a staff key is named in the audit log: a fingerprint, never the key."""
    return "staff-key:" + hashlib.sha256(staff_key.encode()).hexdigest()[:12]


def cli_actor() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 — no user name on this system
        user = "unknown"
    return f"cli:{user}"[:64]


def note_hash(note: str, name: DigestName = "sha256") -> bytes:
    """What goes on chain for a clerk's free text: its SHA-256 (SM3 for a centre of the national
    suite), or zero when there is none."""
    return digest(note.encode("utf-8"), name) if note else bytes(32)


def audit(engine: Engine, centre: int, *, actor: str, action: str, target: str, detail: str,
          note: str | None = None, tx_hash: str | None = None, note_digest: DigestName = "sha256") -> None:
    with session_scope(engine) as s:
        s.add(AuditEntry(centre_code=centre, actor=actor, action=action, target=target, detail=detail,
                         note=note or None, note_hash=note_hash(note, note_digest) if note else None,
                         tx_hash=tx_hash))


def audit_log(engine: Engine, centre: int, *, limit: int = 100) -> list[dict[str, Any]]:
    with session_scope(engine) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.centre_code == centre)
                         .order_by(AuditEntry.id.desc()).limit(limit))
        return [{"at": r.at.isoformat(), "actor": r.actor, "action": r.action, "target": r.target,
                 "detail": r.detail, "note": r.note, "tx": r.tx_hash} for r in rows]


# --- one desk for the CLI and the staff API --------------------------------------------------------


@dataclass
class Desk:
    """A centre's governance desk: its admin account on the chain and its audit log."""

    contracts: Contracts
    admin: Sender
    engine: Engine
    centre: int

    def propose(self, p: Plan, *, actor: str) -> dict[str, Any]:
        check_plan(self.contracts, p, self.admin.address)
        c = self.contracts.consortium
        try:
            receipt = self.admin.send(c.contract.functions.propose(p.target, p.data))
        except ContractError as exc:
            raise _refuse(exc) from exc
        pid = int(c.events(receipt, "ProposalCreated")[0]["proposalId"])
        tx = "0x" + bytes(receipt["transactionHash"]).hex()
        audit(self.engine, self.centre, actor=actor, action="propose", target=str(pid),
              detail=f"{p.action}: {p.words}", tx_hash=tx)
        return {"proposal": pid, "action": p.action, "does": p.words, "does_zh": p.words_zh, "tx": tx}

    def check(self, step: str, proposal_id: int) -> tuple[str, str]:
        """Refuse what cannot pass; else the proposal in words."""
        check_step(self.contracts, step, proposal_id, self.admin.address)
        p = self.contracts.consortium.proposal(proposal_id)
        return describe(self.contracts, p.target, p.data)

    def step(self, step: str, proposal_id: int, *, actor: str) -> dict[str, Any]:
        words, _ = self.check(step, proposal_id)
        tx = send_step(self.contracts, step, proposal_id, self.admin)
        audit(self.engine, self.centre, actor=actor, action=step, target=str(proposal_id), detail=words, tx_hash=tx)
        c = self.contracts.consortium
        after = c.proposal(proposal_id)
        return {"proposal": proposal_id, "step": step, "does": words, "tx": tx, "executed": after.executed,
                "cancelled": after.cancelled, "active_approvals": c.active_approvals(proposal_id),
                "threshold": c.threshold()}
