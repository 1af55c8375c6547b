"""The national suite's cost, beside Ed25519 (and ES256), on one machine in one run. Rerun: `make bench`.

    python scripts/bench_sm2.py [--accounts 10000] [--seconds 3]

Prints one table:
- signatures and verifications per second on one core (one process, one thread) over a real
  certificate's Sig_structure (`verifier.format.sign` / `verify_signature`, COSE encoding included);
- bulk issuance (`Issuer.issue_all`: signed, batched, anchored on a real anvil node and stored in
  SQLite) for N accounts of centre 460100 with Ed25519 and of 460400 with SM2, signing in this
  process and in 2 worker processes;
- full verifications per second (the whole pipeline against the node, one thread, no blacklist
  lookup) of 256 Ed25519 and 256 SM2 certificates.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from issuer.db import make_engine, session_scope, upgrade  # noqa: E402
from issuer.demo_data import generate_csv  # noqa: E402
from issuer.importer import import_accounts  # noqa: E402
from issuer.issuance import open_issuer  # noqa: E402
from issuer.keystore import generate  # noqa: E402
from issuer.settings import IssuerSettings  # noqa: E402
from node import accounts as demo  # noqa: E402
from node.bindings import Contracts, KeyAlgorithm  # noqa: E402
from node.deploy import demo_admins, demo_genesis, deploy  # noqa: E402
from node.launcher import NodeConfig, free_port, running_node  # noqa: E402
from node.settings import Settings  # noqa: E402
from tests.verifier.issuing import admin, issue, make_certificate  # noqa: E402
from verifier import format as fmt  # noqa: E402
from verifier.chain import RpcChainReader, RpcClient  # noqa: E402
from verifier.pipeline import Verifier  # noqa: E402

ED_CENTRE, SM2_CENTRE = 460100, 460400  # on the demo network 460400's keys are SM2
N_VERIFY = 256


def rate(fn: Callable[[int], object], seconds: float) -> float:
    """Calls per second of fn(i), over at least `seconds` (after a short warm-up)."""
    for i in range(20):
        fn(i)
    n, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(50):
            fn(n)
            n += 1
    return n / elapsed


def primitives(seconds: float) -> list[tuple[str, str, str]]:
    class _Clock:
        class eth:  # noqa: N801
            @staticmethod
            def get_block(_: str) -> dict[str, int]:
                return {"timestamp": 1_790_000_000}

    certificate = make_certificate(_Clock())  # type: ignore[arg-type]
    rows = []
    for algorithm in ("EdDSA", "ES256", "SM2"):
        key = generate(algorithm)  # type: ignore[arg-type]
        public = fmt.public_key_bytes(key)
        kid = fmt.key_id_for(public)
        signed = fmt.sign(certificate, key, kid, algorithm)  # type: ignore[arg-type]
        assert fmt.verify_signature(signed, public, algorithm)  # type: ignore[arg-type]
        s = rate(lambda _i: fmt.sign(certificate, key, kid, algorithm), seconds)  # type: ignore[arg-type]  # noqa: B023 — run now
        v = rate(lambda _i: fmt.verify_signature(signed, public, algorithm), seconds)  # type: ignore[arg-type]  # noqa: B023
        rows.append((f"{algorithm}: sign a certificate, 1 core", f"{s:,.0f} /s", "COSE_Sign1 included"))
        rows.append((f"{algorithm}: verify a signature, 1 core", f"{v:,.0f} /s", ""))
    return rows


def seed(iset: IssuerSettings, centre: int, n: int, work: Path) -> str:
    url = iset.database_url_for(centre)
    engine = make_engine(url)
    upgrade(engine)
    path = generate_csv(work / f"{centre}.csv", centre, n, seed=centre)
    with session_scope(engine) as s:
        report = import_accounts(s, centre, path)
    assert not report.rejected, report.rejected[:3]
    engine.dispose()
    return url


def bulk(ns: Settings, iset: IssuerSettings, centre: int, url: str, workers: int, limit: int) -> tuple[str, int, float]:
    engine = make_engine(url)
    try:
        issuer = open_issuer(centre, node_settings=ns, issuer_settings=iset, engine=engine)
        algorithm = issuer.active_key().algorithm
        # reissue: each row signs its own certificates (issue-all resumes, and would skip accounts the
        # previous row certified)
        report = issuer.issue_all(purpose="housing-loan", workers=workers, limit=limit, reissue=True)
        assert not report.problems, report.problems[:3]
        return algorithm, report.issued, report.seconds
    finally:
        engine.dispose()


def verifications(c: Contracts, w3: Web3, rpc_url: str, seconds: float) -> list[tuple[str, str, str]]:
    reader = RpcChainReader(RpcClient(rpc_url), ledger=c.ledger.address, consortium=c.consortium.address,
                         blacklist=c.blacklist.address)
    verifier = Verifier(reader)
    rows = []
    for centre, algorithm in ((ED_CENTRE, "EdDSA"), (SM2_CENTRE, "SM2")):
        key = generate(algorithm)  # type: ignore[arg-type]
        public = fmt.public_key_bytes(key)
        kid = fmt.key_id_for(public)
        chain_alg = KeyAlgorithm.SM2 if algorithm == "SM2" else KeyAlgorithm.EDDSA
        c.consortium.register_key(admin(w3, centre), kid, chain_alg, public)
        texts: list[str] = []
        for _ in range(N_VERIFY // 64):
            t, _, _ = issue(c, [make_certificate(w3, centre=centre) for _ in range(64)], key, kid,
                            algorithm=algorithm)  # type: ignore[arg-type]
            texts += t
        assert verifier.verify(texts[0]).verdict.value == "VALID"
        r = rate(lambda i: verifier.verify(texts[i % len(texts)], with_blacklist=False), seconds)  # noqa: B023 — run now
        rows.append((f"{algorithm}: full verification, 1 thread", f"{r:,.0f} /s",
                     f"{N_VERIFY} certificates, pipeline + one JSON-RPC batch to anvil"))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    rows: list[tuple[str, str, str]] = []
    print("signature primitives …", file=sys.stderr)
    rows += primitives(args.seconds)
    with tempfile.TemporaryDirectory(prefix="hpf-bench-sm2-") as tmp:
        work = Path(tmp)
        cfg = NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=work / "node", persist=False)
        with running_node(cfg) as node:
            w3 = Web3(Web3.HTTPProvider(node.cfg.rpc_url))
            ns = Settings(home=work, deployments_dir=work / "deployments", node_port=node.cfg.port)
            record = deploy(w3, demo.demo_deployer(), demo_genesis(), ns.deployment_file, admins=demo_admins()).record
            iset = IssuerSettings(home=work)
            urls = {}
            for centre in (ED_CENTRE, SM2_CENTRE):
                print(f"seeding {args.accounts:,} accounts of {centre} …", file=sys.stderr)
                urls[centre] = seed(iset, centre, args.accounts, work)
            half = args.accounts // 2
            for workers in (0, 2):
                for centre in (ED_CENTRE, SM2_CENTRE):
                    print(f"bulk issuance, centre {centre}, {workers} workers …", file=sys.stderr)
                    algorithm, issued, secs = bulk(ns, iset, centre, urls[centre], workers, half)
                    where = "in this process" if workers == 0 else f"in {workers} worker processes"
                    rows.append((f"{algorithm}: bulk issue-all, SQLite, signing {where}", f"{issued / secs:,.0f} /s",
                                 f"{issued:,} certificates in {secs:.1f} s, anchored on anvil"))
            print("full verification …", file=sys.stderr)
            rows += verifications(Contracts.at(w3, record.addresses()), w3, node.cfg.rpc_url, args.seconds)
    table = Table(title=f"SM2 (GmSSL 3.2 via gmssl-pyx) beside Ed25519 — {os.cpu_count()} CPUs, "
                        f"load {os.getloadavg()[0]:.1f}")
    for name in ("what", "rate", "conditions"):
        table.add_column(name)
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    return 0


if __name__ == "__main__":
    multiprocessing.freeze_support()
    sys.exit(main())
