"""Blacklist lookups: from the local index and from the chain, single IDs and a 10,000-row file.
Rerun: `make bench`. Prints one table."""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from issuer.blacklist import open_service  # noqa: E402
from issuer.ids import make_id, normalise_id, subject_ref  # noqa: E402
from issuer.settings import DEMO_CONSORTIUM_KEY as KEY  # noqa: E402
from node import accounts as demo  # noqa: E402
from node.bindings import BlacklistReason  # noqa: E402
from node.deploy import demo_admins, demo_genesis, deploy  # noqa: E402
from node.launcher import NodeConfig, free_port, running_node  # noqa: E402
from node.settings import Settings  # noqa: E402

LISTED = 1000
YEAR = 365 * 24 * 3600


def people(n: int, offset: int = 0) -> list[str]:
    return [make_id(region_code=460100 + 100 * (i % 3), birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                    sequence=(i // 480) % 1000) for i in range(offset, offset + n)]


def main() -> int:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        cfg = NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=home / "node")
        with running_node(cfg):
            settings = Settings(home=home, deployments_dir=home / "deployments", node_port=cfg.port)
            w3 = Web3(Web3.HTTPProvider(cfg.rpc_url))
            deploy(w3, demo.demo_deployer(), demo_genesis(), settings.deployment_file, admins=demo_admins())
            svc = open_service(settings, 460100, KEY, trace=False, quota=1_000_000)  # measuring, not limiting
            listed_ids = people(LISTED)
            now = int(w3.eth.get_block("latest")["timestamp"])
            t0 = time.perf_counter()
            last = None
            for who in listed_ids:  # sent without waiting for each receipt: one centre, one nonce stream
                last = svc.operator.send(
                    svc.contracts.blacklist.contract.functions.list(
                        subject_ref(KEY, who), int(BlacklistReason.LOAN_DEFAULT), now + 4 * YEAR, b"\x00" * 32),
                    wait=False, gas=150_000)
            svc.operator.wait(last)  # type: ignore[arg-type]
            rows.append((f"list {LISTED:,} subjects (transactions)", f"{LISTED / (time.perf_counter() - t0):,.0f}/s", ""))
            t0 = time.perf_counter()
            svc.sync()
            rows.append(("index sync of those listings", f"{time.perf_counter() - t0:.2f} s", ""))

            subjects = [subject_ref(KEY, w) for w in listed_ids]
            at = int(w3.eth.get_block("latest")["timestamp"])
            n = 20_000
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(n):
                svc.indexer.active_entries_of(subjects[i % LISTED], at)
            rows.append(("index lookup, one subject (SQLite query)", f"{n / (time.perf_counter() - t0):,.0f}/s",
                         f"{n / (time.process_time() - c0):,.0f}/CPU-s"))
            snapshot = svc.indexer.active_entries_by_subject(at)
            ids = listed_ids + people(LISTED, offset=50_000)
            n = 100_000
            t0, c0 = time.perf_counter(), time.process_time()
            hits = 0
            for i in range(n):
                hits += bool(snapshot.get(subject_ref(KEY, normalise_id(ids[i % len(ids)]))))
            rows.append(("index lookup of an ID number (validate + HMAC + snapshot)",
                         f"{n / (time.perf_counter() - t0):,.0f}/s", f"{n / (time.process_time() - c0):,.0f}/CPU-s"))
            assert hits == n // 2

            n = 500
            t0 = time.perf_counter()
            for i in range(n):
                svc.contracts.blacklist.active_entries_of(subjects[i % LISTED])
            rows.append(("chain read, one subject per eth_call", f"{n / (time.perf_counter() - t0):,.0f}/s", ""))
            t0 = time.perf_counter()
            counts = svc.contracts.blacklist.active_counts_of(subjects)
            rows.append((f"chain read of {LISTED:,} subjects in one call (activeCountsOf)",
                         f"{(time.perf_counter() - t0) * 1000:.0f} ms", f"{sum(counts):,} listed"))

            file_ids = (listed_ids * 10)[:5000] + people(5000, offset=100_000)
            src = home / "ids.csv"
            with src.open("w", newline="") as f:
                w = csv.writer(f)
                w.writerow(["id_number"])
                w.writerows([[x] for x in file_ids])
            t0 = time.perf_counter()
            summary = svc.check_file(src, home / "result.csv")
            rows.append(("10,000-row ID file → result CSV", f"{time.perf_counter() - t0:.2f} s",
                         f"{summary['listed']:,} listed, {summary['clear']:,} clear"))
            traced = open_service(settings, 460100, KEY, trace=True, quota=1_000_000)
            t0 = time.perf_counter()
            traced._trace([subject_ref(KEY, x) for x in file_ids])
            rows.append(("  … then recording the 10,000 checks on chain", f"{time.perf_counter() - t0:.2f} s",
                         "AccessTrace, 1,000 a transaction"))

    table = Table(title=f"hpf blacklist benchmark ({os.cpu_count()} cores, anvil local node)")
    for col in ("operation", "rate / time", "note"):
        table.add_column(col, justify="right" if col == "rate / time" else "left")
    for r in rows:
        table.add_row(*r)
    Console(width=140).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
