"""`hpf consortium …`: the consortium's membership and its M-of-N proposals, for a centre's staff.

    hpf consortium members|institutions|proposals [--json]
    hpf consortium propose ACTION … --centre C [--yes] [--json]
    hpf consortium approve|execute|cancel ID --centre C [--yes] [--json]
    hpf consortium audit --centre C [--json]

Each change is said in words and confirmed (`--yes` for scripts); what the contract would refuse
is refused before anything is sent, with its reason in one sentence (exit 1); bad usage exits 64.
Every change is written to the centre's audit log (who, when, which transaction).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from issuer.cli import _Command, _fail
from issuer.errors import EXIT_USAGE, HpfIssuerError
from node.errors import HpfNodeError

app = typer.Typer(
    help="The consortium (联盟治理): members, institutions, proposals; propose, approve, execute, cancel.",
    no_args_is_help=True,
)
out = Console()
F = TypeVar("F", bound=Callable[..., Any])

Centre = Annotated[int, typer.Option("--centre", metavar="CODE", help="Your centre's code, e.g. 460100.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for scripts).")]
ProposalId = Annotated[int, typer.Argument(metavar="ID", min=1, help="The proposal's number.")]


@contextmanager
def _errors(json_out: bool = False) -> Iterator[None]:
    try:
        yield
    except HpfIssuerError as exc:
        _fail(exc.message, exc.message_zh, exc.exit_code, json_out)
    except HpfNodeError as exc:
        _fail(str(exc), None, 1, json_out)


@dataclass
class _Ctx:
    w3: Any
    contracts: Any
    settings: Any

    def indexer(self) -> Any:
        from node.deploy import DeploymentRecord
        from node.indexer import Indexer

        record = DeploymentRecord.load(self.settings.deployment_file)
        ix = Indexer(self.w3, record.addresses(), record.start_block, self.settings.index_file)
        ix.sync()
        return ix

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])


def _chain() -> _Ctx:
    from node.chain import connect
    from node.deploy import load_contracts
    from node.settings import get_settings

    settings = get_settings()
    w3 = connect(settings)
    return _Ctx(w3=w3, contracts=load_contracts(w3, settings.deployment_file), settings=settings)


def _admin(ctx: _Ctx, centre: int) -> Any:
    from issuer.ids import check_centre_code
    from issuer.keys import admin_account
    from node.bindings import Sender

    check_centre_code(centre)
    return Sender(ctx.w3, admin_account(ctx.settings, centre))


def _engine(centre: int) -> Any:
    from issuer.cli import _open_centre

    return _open_centre(centre)[0]


def _confirm(words: str, words_zh: str, yes: bool, json_out: bool) -> None:
    if not json_out:
        out.print(f"{words_zh}\n{words}", highlight=False)
    if yes:
        return
    if not typer.confirm("Send this to the chain? 确认提交？", default=False, err=True):
        _fail("Nothing was sent.", "未提交。", 1, json_out)


@contextmanager
def _desk(ctx: _Ctx, sender: Any, centre: int) -> Iterator[Any]:
    from issuer.governance import Desk

    engine = _engine(centre)
    try:
        yield Desk(contracts=ctx.contracts, admin=sender, engine=engine, centre=centre)
    finally:
        engine.dispose()


# --- reading ---------------------------------------------------------------------------------------


@app.command("members", cls=_Command)
def members_command(json_out: JsonOpt = False) -> None:
    """Member centres (成员中心): code, name, status, admin and operator accounts, signing keys."""
    from issuer.governance import members

    with _errors(json_out):
        ctx = _chain()
        ix = ctx.indexer()
        rows = members(ctx.contracts, ix.centres(), ix.keys_of)
    if json_out:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("code 代码", "name 名称", "status 状态", "admin 管理员", "operator 操作员", "keys 签名密钥")
    for r in rows:
        keys = "; ".join(f"{k['key_id']} {_date(k['valid_from'])}–{_date(k['valid_until']) if k['valid_until'] else ''}"
                         for k in r["keys"])
        table.add_row(str(r["code"]), r["name"], _STATUS_ZH.get(r["status"], r["status"]), r["admin"], r["operator"],
                      keys or "-")
    out.print(table)


@app.command("institutions", cls=_Command)
def institutions_command(json_out: JsonOpt = False) -> None:
    """Registered lending institutions (贷款机构): id, name, account, sponsoring centre, status."""
    from issuer.governance import institutions

    with _errors(json_out):
        ctx = _chain()
        rows = institutions(ctx.contracts, ctx.indexer().institutions())
    if json_out:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("id 编号", "name 名称", "account 账户", "sponsor 担保中心", "status 状态")
    for r in rows:
        table.add_row(str(r["id"]), r["name"], r["account"], str(r["sponsor"]), _STATUS_ZH[r["status"]])
    out.print(table)


@app.command("proposals", cls=_Command)
def proposals_command(
    json_out: JsonOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most N, newest first.")] = 50,
) -> None:
    """Open and past proposals (提案): state, approvals (those that count now), expiry, what they do."""
    from issuer.governance import proposals

    with _errors(json_out):
        ctx = _chain()
        rows = proposals(ctx.contracts, ctx.now(), limit=limit)
    if json_out:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("id", "state 状态", "approvals 批准", "expires 到期", "does 内容")
    for r in rows:
        table.add_row(str(r["id"]), _STATE_ZH[r["state"]],
                      f"{r['active_approvals']}/{r['threshold']} ({', '.join(map(str, r['approvers']))})",
                      _date(r["expires_at"]), r["does_zh"])
    out.print(table)


@app.command("audit", cls=_Command)
def audit_command(centre: Centre, json_out: JsonOpt = False,
                  limit: Annotated[int, typer.Option("--limit", min=1)] = 100) -> None:
    """The centre's audit log (审计日志) of governance and appeal actions: who, when, what."""
    from issuer.governance import audit_log

    with _errors(json_out):
        engine = _engine(centre)
        try:
            rows = audit_log(engine, centre, limit=limit)
        finally:
            engine.dispose()
    if json_out:
        print(json.dumps(rows, ensure_ascii=False))
        return
    table = Table("at", "who", "action", "target", "detail", "tx")
    for r in rows:
        table.add_row(r["at"], r["actor"], r["action"], r["target"], r["detail"], r["tx"] or "")
    out.print(table)


# --- changing --------------------------------------------------------------------------------------


@app.command("propose", cls=_Command)
def propose_command(
    action: Annotated[str, typer.Argument(metavar="ACTION", help="admit-centre, suspend-centre, reinstate-centre, "
                                          "register-institution, suspend-institution or set-threshold.")],
    centre: Centre,
    request: Annotated[Path | None, typer.Option("--request", help="A join request from `hpf lender init` or "
                                                 "`hpf centre init` (admit-centre, register-institution).")] = None,
    code: Annotated[int | None, typer.Option("--code", help="The centre concerned (admit/suspend/reinstate).")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of the centre or institution.")] = None,
    admin: Annotated[str | None, typer.Option("--admin", help="New centre's admin account (0x…).")] = None,
    operator: Annotated[str | None, typer.Option("--operator", help="New centre's operator account (0x…).")] = None,
    institution: Annotated[int | None, typer.Option("--id", help="The institution's id (≥ 1000000).")] = None,
    account: Annotated[str | None, typer.Option("--account", help="The institution's chain account (0x…).")] = None,
    sponsor: Annotated[int | None, typer.Option("--sponsor", help="Sponsoring centre (default: --centre).")] = None,
    threshold: Annotated[int | None, typer.Option("--threshold", help="New M for set-threshold.")] = None,
    yes: Yes = False,
    json_out: JsonOpt = False,
) -> None:
    """Propose a governance change (提出提案); your centre's approval counts at once.

    --json prints {"proposal": ID, "action", "does", "does_zh", "tx"}.
    """
    from issuer.governance import ACTIONS, GovernanceUsage, check_plan, cli_actor, plan, read_request

    with _errors(json_out):
        if action not in ACTIONS:
            raise GovernanceUsage(f"Unknown action {action!r}: one of {', '.join(ACTIONS)}.",
                                  message_zh=f"未知的操作 {action!r}。")
        if request is not None:
            req = read_request(request)
            if req["kind"] == "institution":
                institution = institution or int(req["id"])
                name = name or str(req["name"])
                account = account or str(req["account"])
            else:
                code = code or int(req["code"])
                name = name or str(req["name"])
                admin = admin or str(req["admin"])
                operator = operator or str(req["operator"])
        ctx = _chain()
        sender = _admin(ctx, centre)
        p = plan(ctx.contracts, action, code=code, name=name, admin=admin, operator=operator, institution=institution,
                 account=account, sponsor=sponsor if sponsor is not None else centre, threshold=threshold)
        check_plan(ctx.contracts, p, sender.address)
        _confirm(f"Centre {centre} proposes: {p.words}.", f"中心 {centre} 提议：{p.words_zh}。", yes, json_out)
        with _desk(ctx, sender, centre) as desk:
            info = desk.propose(p, actor=cli_actor())
        pid = info["proposal"]
    if json_out:
        print(json.dumps(info, ensure_ascii=False))
    else:
        out.print(f"已提出提案 {pid} (proposal {pid} created; other centres approve with "
                  f"`hpf consortium approve {pid} --centre CODE`)", highlight=False)


def _step(step: str, verb_zh: str, proposal_id: int, centre: int, yes: bool, json_out: bool) -> None:
    from issuer.governance import cli_actor, describe

    with _errors(json_out):
        ctx = _chain()
        sender = _admin(ctx, centre)
        with _desk(ctx, sender, centre) as desk:
            desk.check(step, proposal_id)
            p = ctx.contracts.consortium.proposal(proposal_id)
            words, words_zh = describe(ctx.contracts, p.target, p.data)
            _confirm(f"Centre {centre} will {step} proposal {proposal_id}: {words}.",
                     f"中心 {centre} 将{verb_zh}提案 {proposal_id}：{words_zh}。", yes, json_out)
            info = desk.step(step, proposal_id, actor=cli_actor())
        active, threshold = info["active_approvals"], info["threshold"]
    if json_out:
        print(json.dumps(info, ensure_ascii=False))
    else:
        out.print(f"已{verb_zh}提案 {proposal_id} ({step} done; approvals that count {active}/{threshold})",
                  highlight=False)


@app.command("approve", cls=_Command)
def approve_command(proposal_id: ProposalId, centre: Centre, yes: Yes = False, json_out: JsonOpt = False) -> None:
    """Approve a proposal for your centre (批准提案)."""
    _step("approve", "批准", proposal_id, centre, yes, json_out)


@app.command("execute", cls=_Command)
def execute_command(proposal_id: ProposalId, centre: Centre, yes: Yes = False, json_out: JsonOpt = False) -> None:
    """Execute a proposal that has enough approvals from active members (执行提案)."""
    _step("execute", "执行", proposal_id, centre, yes, json_out)


@app.command("cancel", cls=_Command)
def cancel_command(proposal_id: ProposalId, centre: Centre, yes: Yes = False, json_out: JsonOpt = False) -> None:
    """Withdraw a proposal your centre made (撤销提案); it can never pass afterwards."""
    _step("cancel", "撤销", proposal_id, centre, yes, json_out)


_STATUS_ZH = {"active": "正常", "suspended": "暂停", "none": "无"}
_STATE_ZH = {"open": "待批准", "executed": "已执行", "cancelled": "已撤销", "expired": "已过期"}


def _date(ts: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(ts)) if ts else ""


__all__ = ["EXIT_USAGE", "app"]
