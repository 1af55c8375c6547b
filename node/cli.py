"""`hpf node …` and `hpf deploy`: run the local chain node and deploy the contracts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from eth_account import Account
from eth_utils import to_checksum_address
from rich.console import Console

from node import accounts as demo
from node.chain import connect
from node.deploy import Genesis, demo_admins, demo_genesis, deploy
from node.errors import ConfigError, HpfNodeError
from node.launcher import LocalNode, NodeConfig
from node.settings import Settings, get_settings

app = typer.Typer(
    help="Run the local consortium chain node (anvil): up, down, status, reset.",
    no_args_is_help=True,
)
out = Console()
err = Console(stderr=True, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")

EXIT_ERROR = 1


def handle_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Print an HpfNodeError (or any package's root error) as one sentence, not a trace."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except HpfNodeError as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper


def node_config(settings: Settings) -> NodeConfig:
    return NodeConfig(
        host=settings.node_host,
        port=settings.node_port,
        chain_id=settings.chain_id,
        data_dir=settings.node_dir,
        block_time=settings.block_time,
    )


def _local_only(settings: Settings) -> None:
    if settings.rpc_url is not None:
        raise ConfigError(
            f"HPF_RPC_URL points at a remote network ({settings.rpc_url}); `hpf node` manages only the local node."
        )


JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]


@app.command()
@handle_errors
def up(json_out: JsonOpt = False) -> None:
    """Start the local node in the background (idempotent) and wait until its RPC answers."""
    settings = get_settings()
    _local_only(settings)
    node = LocalNode(node_config(settings))
    started = node.start()
    info = {
        "started": started,
        "rpc_url": settings.effective_rpc_url,
        "chain_id": settings.chain_id,
        "pid": node.pid(),
        "state_file": str(node.cfg.state_file),
        "log_file": str(node.cfg.log_file),
    }
    if json_out:
        print(json.dumps(info))
    else:
        verb = "started" if started else "already running"
        out.print(f"chain node {verb}: {info['rpc_url']} (chain id {info['chain_id']}, pid {info['pid']})")


@app.command()
@handle_errors
def down(json_out: JsonOpt = False) -> None:
    """Stop the local node. Its state is kept: `hpf node up` resumes where it stopped."""
    settings = get_settings()
    _local_only(settings)
    stopped = LocalNode(node_config(settings)).stop()
    if json_out:
        print(json.dumps({"stopped": stopped}))
    else:
        out.print("chain node stopped" if stopped else "chain node was not running")


@app.command()
@handle_errors
def status(json_out: JsonOpt = False) -> None:
    """Exit 0 if the configured node answers (with its chain id and block), 1 if not."""
    settings = get_settings()
    try:
        w3 = connect(settings)
        info: dict[str, Any] = {
            "running": True,
            "rpc_url": settings.effective_rpc_url,
            "chain_id": w3.eth.chain_id,
            "block": w3.eth.block_number,
        }
    except HpfNodeError as exc:
        info = {"running": False, "rpc_url": settings.effective_rpc_url, "error": str(exc)}
    if json_out:
        print(json.dumps(info))
    elif info["running"]:
        out.print(f"chain node answers at {info['rpc_url']}: chain id {info['chain_id']}, block {info['block']}")
    else:
        err.print(f"[bold red]not running:[/] {info['error']}", highlight=False)
    raise typer.Exit(0 if info["running"] else 1)


@app.command()
@handle_errors
def reset(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Stop the local node and delete its chain state (and the local deployment record)."""
    settings = get_settings()
    _local_only(settings)
    if not yes and sys.stdin.isatty():
        typer.confirm("Delete the local chain state and every contract on it?", abort=True)
    LocalNode(node_config(settings)).reset()
    settings.deployment_file.unlink(missing_ok=True)
    out.print("local chain state deleted; `hpf node up` starts a fresh chain")


def _genesis_admins(settings: Settings, genesis: Genesis) -> dict[int, Any]:
    """The founding centres' admin accounts available here (their `hpf centre init` key files,
    or HPF_ADMIN_KEY for the centre it belongs to): registering the genesis institutions takes
    `threshold` of them. Fewer is an error, never a silent skip."""
    from node.keystore import keystore_path, load_account, passphrase

    found: dict[int, Any] = {}
    admin_key = getattr(settings, "admin_key", None)
    by_address = {to_checksum_address(c.admin): c.code for c in genesis.centres}
    if admin_key is not None:
        acct = Account.from_key(admin_key.get_secret_value())
        if acct.address in by_address:
            found[by_address[acct.address]] = acct
    for c in genesis.centres:
        path = keystore_path(settings, "centre-admin", c.code)
        if c.code not in found and path.exists():
            found[c.code] = load_account(path, passphrase(settings))
    if len(found) < genesis.threshold:
        raise ConfigError(
            f"The genesis file names {len(genesis.institutions)} institutions; registering them needs the admin keys "
            f"of {genesis.threshold} founding centres, but only {len(found)} are available here "
            "(HPF_ADMIN_KEY, or {home}/keys/centre-admin-<code>.json)."
        )
    return found


@handle_errors
def deploy_command(
    genesis_file: Annotated[
        Path | None,
        typer.Option("--genesis", help="JSON file of founding centres (required on a non-demo network)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Deploy the contracts to the configured network and record them in deployments/<chain-id>.json.

    Idempotent: nothing is sent when the recorded contracts are on chain with unchanged code.
    On the local network the demo consortium is used (centres 460100 Haikou, 460200 Sanya,
    460400 Danzhou; two demo lenders registered by 2-of-3 proposals), signed with DEMO keys.
    """
    settings = get_settings()
    w3 = connect(settings)
    if settings.deployer_key is not None:
        deployer = Account.from_key(settings.deployer_key.get_secret_value())
        admins = None
    elif settings.local:
        deployer, admins = demo.demo_deployer(), demo_admins()
    else:
        raise ConfigError("Deploying to a remote network needs HPF_DEPLOYER_KEY (a hex private key).")
    if genesis_file is not None:
        genesis: Genesis = Genesis.from_file(genesis_file)
    elif settings.local:
        genesis = demo_genesis()
    else:
        raise ConfigError("Deploying to a remote network needs --genesis FILE naming the founding centres.")
    if admins is None and genesis.institutions:
        admins = _genesis_admins(settings, genesis)
    result = deploy(w3, deployer, genesis, settings.deployment_file, admins=admins)
    missing = [i.id for i in genesis.institutions if result.registered.get(i.id) != to_checksum_address(i.account)]
    if missing:
        raise ConfigError(f"The genesis file names institutions {missing} that are not registered on chain as given.")
    addresses = result.record.addresses()
    info = {
        "deployed": result.deployed,
        "chain_id": result.record.chain_id,
        "deployment_file": str(settings.deployment_file),
        "contracts": addresses,
        "proposals_executed": result.proposals_executed,
    }
    if json_out:
        print(json.dumps(info))
        return
    verb = "deployed" if result.deployed else "already deployed, unchanged"
    out.print(f"contracts {verb} on chain {info['chain_id']}; record: {info['deployment_file']}")
    for name, address in addresses.items():
        out.print(f"  {name:<18} {address}")
