"""`hpf lender init`: a lending institution (bank) prepares to join the consortium.

    hpf lender init --id 91000003 --name NAME --out request.json

Creates the bank's chain account (its key encrypted at rest under `{home}/keys/`, passphrase
HPF_KEY_PASSPHRASE) and writes a join request for a member centre to propose with
`hpf consortium propose register-institution --request request.json --centre C`.
Running it again prints the same request: the account is created once.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from node.errors import HpfNodeError
from node.settings import get_settings

app = typer.Typer(help="A lending institution joining the consortium (贷款机构入网): init.", no_args_is_help=True)
out = Console()
err = Console(stderr=True, soft_wrap=True)
EXIT_USAGE = 64
_MIN_ID, _MAX_ID = 1_000_000, 2**32 - 1


@app.callback()
def _group() -> None:
    """A lending institution joining the consortium."""


@app.command("init")
def init_command(
    institution: Annotated[int, typer.Option("--id", help="The institution's id (≥ 1000000), agreed with the centre.")],
    name: Annotated[str, typer.Option("--name", help="The institution's name, as it will appear on chain.")],
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the join request (JSON).")] = Path(
        "request.json"),
    json_out: Annotated[bool, typer.Option("--json", help="Print the request as JSON.")] = False,
) -> None:
    """Create the institution's chain account (encrypted at rest) and write its join request."""
    from node.keystore import create_account, fund_on_local_network, keystore_path, passphrase

    if not _MIN_ID <= institution <= _MAX_ID:
        err.print(f"[bold red]error:[/] 机构编号无效。 The institution id must be between {_MIN_ID} and {_MAX_ID}, "
                  f"not {institution}.", highlight=False)
        raise typer.Exit(EXIT_USAGE)
    if not name.strip() or len(name) > 200:
        err.print("[bold red]error:[/] 请给出机构名称。 Give the institution's name (1–200 characters).")
        raise typer.Exit(EXIT_USAGE)
    settings = get_settings()
    try:
        path = keystore_path(settings, "institution", institution)
        account, created = create_account(path, passphrase(settings))
        try:
            fund_on_local_network(settings, account.address)
        except HpfNodeError:
            pass  # the local node is not up yet; `hpf consortium` works without it, funding can wait
    except HpfNodeError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    request = {"kind": "institution", "id": institution, "name": name.strip(), "account": account.address,
               "created_at": int(time.time())}
    if not created and out_file.exists():
        try:
            previous = json.loads(out_file.read_text(encoding="utf-8"))
            request["created_at"] = previous.get("created_at", request["created_at"])
        except (OSError, ValueError):
            pass
    try:
        out_file.write_text(json.dumps(request, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        err.print(f"[bold red]error:[/] 无法写入 {out_file}。 Cannot write {out_file}: {exc.strerror}.", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    if json_out:
        print(json.dumps(request, ensure_ascii=False))
        return
    verb = "created" if created else "already exists"
    out.print(
        f"institution {institution}: chain account {account.address} {verb} (key file {path}, encrypted)\n"
        f"join request written to {out_file}: send it to your sponsoring centre, which proposes\n"
        f"  hpf consortium propose register-institution --request {out_file} --centre CODE\n"
        f"已生成入网申请：请交给担保中心提出登记提案。",
        highlight=False,
    )
