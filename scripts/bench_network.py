"""The chain layer's figures: a 4-validator geth Clique network (1 s blocks, final at depth 3)
against anvil, in one run. Rerun: `make bench-network` (or this script alone).

    python scripts/bench_network.py [--accounts 3000] [--clients 32] [--rounds 3] [--anchors 20]

Prints one table:
- anchoring latency (one batch root: sign, send, until final by the engine's rule) p50/p99;
- bulk issue-all throughput (certificates signed, batched, anchored until final, stored per s);
- on-demand request→PDF p50/p99 with 32 employees at once (in-process issuer with its batcher,
  1 s batch timer; each request waits until its root is final, then the PDF is rendered).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from issuer import documents  # noqa: E402
from issuer.anchoring import ANCHOR_GAS, Anchorer  # noqa: E402
from issuer.db import Account, make_engine, session_scope, upgrade  # noqa: E402
from issuer.db.models import AccountStatus  # noqa: E402
from issuer.demo_data import generate_csv  # noqa: E402
from issuer.importer import import_accounts  # noqa: E402
from issuer.issuance import open_issuer  # noqa: E402
from issuer.settings import IssuerSettings  # noqa: E402
from node import accounts as demo  # noqa: E402
from node.chain import poa  # noqa: E402
from node.deploy import demo_admins, demo_genesis, deploy  # noqa: E402
from node.launcher import NodeConfig, free_port, running_node  # noqa: E402
from node.network import NETWORK_CHAIN_ID, LocalNetwork  # noqa: E402
from node.settings import Settings  # noqa: E402

CENTRE = 460100


def _pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def _engine(home: Path, n: int):  # type: ignore[no-untyped-def]
    eng = make_engine(IssuerSettings(home=home).database_url_for(CENTRE))
    upgrade(eng)
    with session_scope(eng) as s:
        import_accounts(s, CENTRE, generate_csv(home / "accounts.csv", CENTRE, n, seed=11))
    return eng


def measure(name: str, ns: Settings, home: Path, args: argparse.Namespace) -> dict[str, float | str]:
    iset = IssuerSettings(home=home)
    engine = _engine(home, args.accounts)
    issuer = open_issuer(CENTRE, node_settings=ns, issuer_settings=iset, engine=engine, batch_timeout=1.0)
    rule = issuer.reconciler.finality()
    # 1. anchoring latency: one root at a time, submit → final.
    anchorer: Anchorer = issuer.anchorer
    lat = []
    for _ in range(args.anchors):
        root = os.urandom(32)
        t0 = time.perf_counter()
        with anchorer.sending() as slot:
            ((_, raw),) = anchorer.sign_in(slot, [(Anchorer.anchor_data(root, 1), ANCHOR_GAS)])
            slot.send([raw])
        while True:
            (info,) = anchorer.batches([root])
            head = int(anchorer.rpc.call("eth_blockNumber", []), 16)
            if info.centre and rule.is_final(info.block, head):
                break
            time.sleep(0.02)
        lat.append(time.perf_counter() - t0)
    # 2. bulk issue-all (until every batch is final).
    report = issuer.issue_all(limit=args.accounts)
    bulk = report.issued / report.seconds
    # 3. on-demand: 32 employees at once, request → final → PDF.
    with session_scope(engine) as s:
        ids = list(s.scalars(select(Account.id_number).where(Account.status != AccountStatus.CLOSED,
                                                             Account.last_month.is_not(None)).limit(args.clients)))
    issuer.start()
    samples: list[float] = []
    errors: list[str] = []
    barrier = threading.Barrier(len(ids))

    def employee(id_number: str) -> None:
        for _ in range(args.rounds):
            barrier.wait()
            t0 = time.perf_counter()
            try:
                cert = issuer.request(id_number=id_number, timeout=120)
                assert cert.text is not None
                pdf = documents.render_pdf(cert.text, centre_name="海口市住房公积金管理局")
                assert pdf.startswith(b"%PDF")
                samples.append(time.perf_counter() - t0)
            except Exception as exc:  # noqa: BLE001 — counted, not hidden
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=employee, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    issuer.close()
    engine.dispose()
    return {
        "name": name, "rule": rule.describe(),
        "anchor_p50": _pct(lat, 50), "anchor_p99": _pct(lat, 99),
        "bulk": bulk, "bulk_n": report.issued,
        "od_p50": _pct(samples, 50) if samples else float("nan"), "od_p99": _pct(samples, 99) if samples else float("nan"),
        "od_n": len(samples), "errors": len(errors),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--anchors", type=int, default=20)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="hpf-bench-net-") as tmp:
        work = Path(tmp)
        # anvil (mine on demand, final when included)
        home = work / "anvil"
        cfg = NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=home / "node", persist=False)
        with running_node(cfg):
            ns = Settings(home=home, deployments_dir=home / "deployments", node_port=cfg.port)
            deploy(Web3(Web3.HTTPProvider(cfg.rpc_url)), demo.demo_deployer(), demo_genesis(), ns.deployment_file,
                   admins=demo_admins())
            rows.append(measure("anvil", ns, home, args))
        # 4 geth Clique validators, 1 s blocks; the issuer on validator 0
        home = work / "geth"
        net = LocalNetwork(home / "network")
        net.up(4)
        try:
            url = net.node(0).rpc_url
            ns = Settings(home=home, deployments_dir=home / "deployments", rpc_url=url, chain_id=NETWORK_CHAIN_ID,
                          local_network=True)
            deploy(poa(Web3(Web3.HTTPProvider(url))), demo.demo_deployer(), demo_genesis(), ns.deployment_file,
                   admins=demo_admins())
            rows.append(measure("geth Clique, 4 validators, 1 s", ns, home, args))
        finally:
            net.down()
    t = Table(title=f"chain layer: {args.accounts} accounts bulk, {args.clients} employees × {args.rounds} on demand")
    for col in ("network", "finality", "anchor submit→final p50 / p99 (s)", "bulk issue-all (certs/s)",
                "on-demand request→PDF p50 / p99 (s)", "errors"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r["name"]), str(r["rule"]), f"{r['anchor_p50']:.2f} / {r['anchor_p99']:.2f}",
                  f"{r['bulk']:.0f} ({r['bulk_n']})", f"{r['od_p50']:.2f} / {r['od_p99']:.2f} (n={r['od_n']})",
                  str(r["errors"]))
    Console(width=200).print(t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
