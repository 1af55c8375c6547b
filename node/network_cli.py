"""`hpf network …`: the local multi-validator network (geth Clique), and Besu QBFT configuration
for production.

    hpf network up [--validators N]      start N validators (default 4), peered; idempotent
    hpf network status [--json]          per node: RPC URL, head, peers, sealing, lag
    hpf network stop-node I | start-node I
    hpf network down                     stop every validator (chains are kept)
    hpf network reset [--yes]            stop and delete the network
    hpf network env [--node I]           the HPF_* settings that point a process at node I
    hpf network config --engine besu-qbft --validators FILE --out DIR

Exit codes: 0 done, 1 failed (one sentence says why), 64 bad input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from node.cli import JsonOpt, handle_errors
from node.errors import ConfigError
from node.network import DEFAULT_VALIDATORS, NETWORK_CHAIN_ID, LocalNetwork
from node.settings import get_settings

app = typer.Typer(help="The local multi-validator network (geth Clique) and Besu QBFT configuration.",
                  no_args_is_help=True)
out = Console()
err = Console(stderr=True)

EXIT_USAGE = 64


def _network() -> LocalNetwork:
    return LocalNetwork(get_settings().network_dir)


@app.command()
@handle_errors
def up(
    validators: Annotated[int, typer.Option("--validators", "-n", help="How many sealing validators.")] = DEFAULT_VALIDATORS,
    json_out: JsonOpt = False,
) -> None:
    """Start the local network (creating it the first time) and peer the validators. State is kept
    across down/up."""
    net = _network()
    started = net.up(validators)
    rows = net.status()
    if json_out:
        print(json.dumps({"started": started, "chain_id": net.layout().chain_id, "nodes": rows}))
        return
    out.print(f"local network of {len(rows)} validators (chain id {net.layout().chain_id}, Clique, 1 s blocks)")
    for r in rows:
        out.print(f"  validator {r['index']}: {r['rpc_url']}  head {r['head']}  peers {r['peers']}")


@app.command()
@handle_errors
def status(json_out: JsonOpt = False) -> None:
    """Per validator: RPC URL, head block, peers, whether it seals, lag behind the highest head.
    Exit 0 when every validator answers, 1 if not."""
    net = _network()
    if not net.exists():
        raise ConfigError("There is no local network: start one with `hpf network up`.")
    rows = net.status()
    if json_out:
        print(json.dumps({"chain_id": net.layout().chain_id, "nodes": rows}))
    else:
        for r in rows:
            state = "running" if r["running"] else "stopped"
            out.print(f"validator {r['index']} {state:<7} {r['rpc_url']}  head {r['head']}  peers {r['peers']}  "
                      f"signer {'yes' if r['signer'] else 'no'}  sealing {'yes' if r['sealing'] else 'no'}  "
                      f"lag {r['lag']}", highlight=False)
    raise typer.Exit(0 if all(r["running"] for r in rows) else 1)


@app.command("add-node")
@handle_errors
def add_node(
    observer: Annotated[bool, typer.Option("--observer", help="Join as a peer only; no vote to make it a signer.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """A node for a new member (e.g. a centre that joined the consortium): it joins as a peer,
    catches up, and the running signers vote it in as a sealer (Clique) unless --observer. Point
    the new centre at it with `hpf network env --node I`."""
    node = _network().add_node(sealer=not observer)
    row = next(r for r in _network().status() if r["index"] == node.index)
    if json_out:
        print(json.dumps(row))
        return
    out.print(f"node {node.index}: {node.rpc_url}  head {row['head']}  peers {row['peers']}  "
              f"signer {'yes' if row['signer'] else 'no'}\n"
              f"point a centre at it: eval $(hpf network env --node {node.index})", highlight=False)


@app.command("stop-node")
@handle_errors
def stop_node(index: Annotated[int, typer.Argument(help="Validator index (0-based).")]) -> None:
    """Stop one validator (its chain is kept)."""
    stopped = _network().stop_node(index)
    out.print(f"validator {index} {'stopped' if stopped else 'was not running'}")


@app.command("start-node")
@handle_errors
def start_node(index: Annotated[int, typer.Argument(help="Validator index (0-based).")]) -> None:
    """Start one validator again and peer it; it catches up with the others."""
    started = _network().start_node(index)
    out.print(f"validator {index} {'started' if started else 'already running'}")


@app.command()
@handle_errors
def down() -> None:
    """Stop every validator. Chains are kept: `hpf network up` resumes."""
    stopped = _network().down()
    out.print(f"stopped validators {stopped}" if stopped else "no validator was running")


@app.command()
@handle_errors
def reset(yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False) -> None:
    """Stop the network and delete its chains (and the local deployment record of its chain id)."""
    if not yes and sys.stdin.isatty():
        typer.confirm("Delete the local network and every contract on it?", abort=True)
    settings = get_settings()
    _network().reset()
    (settings.deployments_dir / f"{NETWORK_CHAIN_ID}.json").unlink(missing_ok=True)
    out.print("local network deleted")


@app.command()
@handle_errors
def env(node: Annotated[int, typer.Option("--node", help="Validator index.")] = 0) -> None:
    """Print the settings (shell `export` lines) that point hpf at validator NODE."""
    n = _network().node(node)
    for k, v in {"HPF_RPC_URL": n.rpc_url, "HPF_CHAIN_ID": str(n.chain_id), "HPF_LOCAL_NETWORK": "1"}.items():
        print(f"export {k}={v}")


@app.command()
@handle_errors
def config(
    engine: Annotated[str, typer.Option("--engine", help="Only besu-qbft.")] = "besu-qbft",
    validators: Annotated[Path | None, typer.Option("--validators", help="JSON file: [{\"name\", \"address\"}...]")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Directory to write into.")] = None,
    chain_id: Annotated[int, typer.Option("--chain-id")] = NETWORK_CHAIN_ID,
    block_period: Annotated[int, typer.Option("--block-period", help="Seconds.")] = 2,
) -> None:
    """Write a Hyperledger Besu QBFT genesis and per-validator configuration (docs/network.md)."""
    from node.besu import BesuConfigError, write_qbft_config

    if engine != "besu-qbft":
        err.print(f"error: engine {engine!r} is not supported; use besu-qbft.")
        raise typer.Exit(EXIT_USAGE)
    if validators is None or out_dir is None:
        err.print("error: --validators FILE and --out DIR are required.")
        raise typer.Exit(EXIT_USAGE)
    try:
        written: dict[str, Any] = write_qbft_config(validators, out_dir, chain_id=chain_id, block_period=block_period)
    except BesuConfigError as exc:
        err.print(f"error: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    out.print(f"wrote {len(written['files'])} files to {out_dir} (genesis: {written['genesis']})")
