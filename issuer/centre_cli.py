"""`hpf centre init|register-key`: a new fund centre prepares to join the consortium.

    hpf centre init --code 460300 --name 三沙市住房公积金管理局 [--algorithm sm2] [--out join-460300.json]
    hpf centre register-key --centre 460300      # after `admit-centre` was executed

`init` creates the centre's admin and operator chain accounts (keys encrypted at rest under
`{home}/keys/`, passphrase HPF_KEY_PASSPHRASE), its database and its first certificate-signing
key (kept encrypted in that database), and writes the join request a member centre proposes
with `hpf consortium propose admit-centre --request join-460300.json --centre C`. Running it
again changes nothing and writes the same request.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from issuer.cli import _Command, _fail, _open_centre
from issuer.consortium_cli import _errors

app = typer.Typer(help="A fund centre joining the consortium (新中心入网): init, register-key.", no_args_is_help=True)
out = Console()


@app.command("init", cls=_Command)
def init_command(
    code: Annotated[int, typer.Option("--code", help="The centre's 6-digit administrative-division code.")],
    name: Annotated[str, typer.Option("--name", help="The centre's official name.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Join request file (default join-<code>.json).")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the request as JSON.")] = False,
    algorithm: Annotated[str | None, typer.Option(
        "--algorithm", help="ed25519 | es256 | sm2 (国密 SM2/SM3) for the first signing key. "
        "Default: the centre's HPF_SIGNING_ALGORITHMS setting, else ed25519.",
    )] = None,
) -> None:
    """Create the centre's accounts, database and first signing key; write its join request."""
    from issuer.db import SigningKey, session_scope
    from issuer.errors import EXIT_USAGE, HpfIssuerError
    from issuer.ids import check_centre_code
    from issuer.keys import _new_key
    from issuer.keystore import algorithm_named
    from issuer.settings import get_issuer_settings
    from node.errors import HpfNodeError
    from node.keystore import create_account, fund_on_local_network, keystore_path, passphrase
    from node.settings import get_settings

    target = out_file or Path(f"join-{code}.json")
    with _errors(json_out):
        check_centre_code(code)
        try:
            suite = algorithm_named(algorithm) if algorithm is not None else \
                get_issuer_settings().signing_algorithm_for(code)
        except ValueError as exc:
            _fail(f"{exc}.", "签名算法应为 ed25519、es256 或 sm2。", EXIT_USAGE, json_out)  # bad usage, as rotate-key
        if not name.strip() or len(name) > 100:
            raise HpfIssuerError("Give the centre's name (1–100 characters).", message_zh="请给出中心名称。")
        settings = get_settings()
        secret = passphrase(settings)
        admin, _ = create_account(keystore_path(settings, "centre-admin", code), secret)
        operator, _ = create_account(keystore_path(settings, "centre-operator", code), secret)
        for account in (admin, operator):
            try:
                fund_on_local_network(settings, account.address)
            except HpfNodeError:
                pass  # no local node yet: funding can wait until the centre acts
        engine, _ = _open_centre(code)
        try:
            with session_scope(engine) as s:
                key = s.scalars(select(SigningKey).where(SigningKey.centre_code == code)
                                .order_by(SigningKey.id).limit(1)).first()
                key_id = key.key_id if key is not None else None
            if key_id is None:
                row_id = _new_key(engine, code, get_issuer_settings().signing_key_passphrase(), suite)
                with session_scope(engine) as s:
                    key_id = s.get_one(SigningKey, row_id).key_id  # the row _new_key just added
            with session_scope(engine) as s:
                key_algorithm = s.scalars(select(SigningKey.algorithm).where(SigningKey.key_id == key_id)).one()
        finally:
            engine.dispose()
        request = {"kind": "centre", "code": code, "name": name.strip(), "admin": admin.address,
                   "operator": operator.address, "signing_key": "0x" + key_id.hex(),
                   "algorithm": str(getattr(key_algorithm, "value", key_algorithm))}
        try:
            target.write_text(json.dumps(request, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            raise HpfIssuerError(f"Cannot write {target}: {exc.strerror}.", message_zh=f"无法写入 {target}。") from exc
    if json_out:
        print(json.dumps(request, ensure_ascii=False))
        return
    out.print(
        f"centre {code} {name}: admin {admin.address}, operator {operator.address}, "
        f"signing key 0x{key_id.hex()} ({request['algorithm']})\n"
        f"join request written to {target}; a member centre proposes\n"
        f"  hpf consortium propose admit-centre --request {target} --centre CODE\n"
        f"once it is executed: hpf centre register-key --centre {code}\n"
        f"已生成入网申请：请交给成员中心提出接纳提案。",
        highlight=False,
    )


@app.command("register-key", cls=_Command)
def register_key_command(
    centre: Annotated[int, typer.Option("--centre", help="Your centre's code.")],
) -> None:
    """Register the centre's signing key on chain (after admission); idempotent."""
    from issuer.ids import check_centre_code
    from issuer.keys import admin_account, ensure_signing_key
    from issuer.settings import get_issuer_settings
    from node.bindings import Sender
    from node.chain import connect
    from node.deploy import load_contracts
    from node.settings import get_settings

    with _errors():
        check_centre_code(centre)
        ns = get_settings()
        w3 = connect(ns)
        contracts = load_contracts(w3, ns.deployment_file)
        engine, _ = _open_centre(centre)
        try:
            key = ensure_signing_key(engine, centre, get_issuer_settings().signing_key_passphrase(), contracts,
                                     lambda: Sender(w3, admin_account(ns, centre)))
        finally:
            engine.dispose()
    out.print(f"centre {centre}: signing key 0x{key.key_id.hex()} registered on chain (签名密钥已登记)", highlight=False)
