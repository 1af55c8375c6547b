"""`hpf verifier keys add|list|revoke`: the verifier service's API keys, one or more per institution."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from node.settings import get_settings
from verifier.apikeys import ApiKeyStore, key_store_path

app = typer.Typer(help="API keys of the verifier service, per institution (hashed at rest).", no_args_is_help=True)
out = Console()
err = Console(stderr=True, soft_wrap=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _store() -> ApiKeyStore:
    return ApiKeyStore(key_store_path(get_settings().home))


@app.command("add")
def add_command(
    institution: Annotated[int, typer.Option("--institution", min=1_000_000, max=2**32 - 1,
                                             help="The registered institution the key acts for.")],
    label: Annotated[str, typer.Option("--label", help="Who holds it, e.g. 'loan desk, Haikou branch'.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Issue a new key; it is printed once and only its hash is kept."""
    record, key = _store().add(institution, label)
    if json_out:
        print(json.dumps({**record.to_json(), "key": key}, ensure_ascii=False))
        return
    out.print(f"API key {record.id} for institution {institution}: {key}\n"
              "请妥善保存：密钥只显示这一次。 (Shown once; only its hash is kept. Send it as header X-API-Key.)",
              highlight=False)


@app.command("list")
def list_command(json_out: JsonOpt = False) -> None:
    """Every key: id, institution, label, first characters, created, revoked."""
    keys = _store().list()
    if json_out:
        print(json.dumps([k.to_json() for k in keys], ensure_ascii=False))
        return
    table = Table("id", "institution", "label", "key starts", "created", "status")
    for k in keys:
        created = datetime.fromtimestamp(k.created_at, UTC).strftime("%Y-%m-%d")
        table.add_row(str(k.id), str(k.institution), k.label, k.shown + "…", created,
                      "revoked 已吊销" if k.revoked_at else "active 有效")
    out.print(table)


@app.command("revoke")
def revoke_command(key_id: Annotated[int, typer.Argument(metavar="KEY_ID", help="The key's id (from list).")],
                   json_out: JsonOpt = False) -> None:
    """Revoke a key at once, also in a running service."""
    if not _store().revoke(key_id):
        err.print(f"[bold red]error:[/] 没有该有效密钥。 There is no active API key {key_id}.", highlight=False)
        raise typer.Exit(1)
    if json_out:
        print(json.dumps({"id": key_id, "revoked": True}))
    else:
        out.print(f"API key {key_id} revoked (已吊销)")
