"""Issuance benchmark on a real anvil node. Rerun: `make bench` (or this script alone).

    python scripts/bench_issue.py [--accounts 100000] [--skip-postgres] [--clients 32] [--seconds 20]

Prints one table:
- bulk issuance (`Issuer.issue_all`: certificates signed, batched, anchored and stored per second)
  on SQLite and on PostgreSQL, for N accounts;
- OpenAttestation's `wrapDocuments` on N comparable documents, in the same run (Node 22,
  scripts/oa-bench) — it only builds the Merkle tree, it neither signs, stores nor anchors;
- on-demand request-to-download latency under 32 concurrent employees through the portal
  (`hpf issuer serve`, 1 s batch timer): log in once, then request a certificate and download
  its PDF, again and again;
- PDF render time (signed PAdES and unsigned) and the QR PNG.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from rich.console import Console
from rich.table import Table
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from issuer import documents  # noqa: E402
from issuer.db import Account, make_engine, session_scope, upgrade  # noqa: E402
from issuer.demo_data import generate_csv  # noqa: E402
from issuer.importer import import_accounts  # noqa: E402
from issuer.issuance import open_issuer  # noqa: E402
from issuer.passwords import set_passwords  # noqa: E402
from issuer.pki import ensure_centre_certificate  # noqa: E402
from issuer.settings import IssuerSettings  # noqa: E402
from node import accounts as demo  # noqa: E402
from node.deploy import demo_admins, demo_genesis, deploy  # noqa: E402
from node.launcher import NodeConfig, free_port, running_node  # noqa: E402
from node.settings import Settings  # noqa: E402

CENTRE = 460100
PASSWORD = "bench-password-1"


def _pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))] * 1000


def seed_sqlite(url: str, n: int, work: Path) -> None:
    engine = make_engine(url)
    upgrade(engine)
    path = generate_csv(work / "accounts.csv", CENTRE, n, seed=1)
    with session_scope(engine) as s:
        report = import_accounts(s, CENTRE, path)
    assert not report.rejected, report.rejected[:3]
    set_passwords(engine, CENTRE, PASSWORD, limit=64)
    engine.dispose()


def copy_accounts(src_url: str, dst_url: str) -> None:
    """The accounts (with their month summaries) into another database: issuance reads no months."""
    src, dst = make_engine(src_url), make_engine(dst_url)
    upgrade(dst)
    table = Account.__table__
    with src.connect() as a, dst.begin() as b:
        rows = [dict(r._mapping) for r in a.execute(table.select())]
        for i in range(0, len(rows), 5000):
            b.execute(table.insert(), rows[i : i + 5000])
    src.dispose()
    dst.dispose()


def bulk(ns: Settings, iset: IssuerSettings, url: str) -> tuple[int, float]:
    engine = make_engine(url)
    issuer = open_issuer(CENTRE, node_settings=ns, issuer_settings=iset, engine=engine)
    report = issuer.issue_all(purpose="housing-loan")
    engine.dispose()
    return report.issued, report.seconds


def open_attestation(n: int) -> tuple[int, float] | None:
    script = ROOT / "scripts" / "oa-bench" / "wrap.mjs"
    node = ROOT / "node_modules" / ".bin" / "node"
    if not (ROOT / "scripts" / "oa-bench" / "node_modules").exists() or not node.exists():
        return None
    out = subprocess.run([str(node), "--max-old-space-size=8192", str(script), str(n)], capture_output=True,
                         text=True, timeout=1800, cwd=script.parent, check=False)
    if out.returncode != 0:
        print(out.stderr[-2000:], file=sys.stderr)
        return None
    r = json.loads(out.stdout.strip().splitlines()[-1])
    return int(r["n"]), float(r["seconds"])


def on_demand(env: dict[str, str], port: int, ids: list[str], clients: int, seconds: float,
              workers: int, rounds: int = 8) -> dict[str, tuple[int, float, float, int]]:
    """Request + PDF download through the portal by `clients` logged-in employees, two ways:
    "together": all ask at the same moment, `rounds` times (a pause between rounds);
    "loop": each asks again as soon as it has its PDF, for `seconds` (a stress test).
    Returns {mode: (downloads, p50 ms, p99 ms, errors)}."""
    import httpx

    base = f"http://127.0.0.1:{port}"
    log = open(Path(env["HPF_HOME"]) / "portal.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "issuer.console", "issuer", "serve", "--centre", str(CENTRE),
                             "--port", str(port), "--workers", str(workers)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        sessions = [httpx.Client(base_url=base, timeout=60) for _ in range(clients)]
        for i, c in enumerate(sessions):  # log in first: argon2 is deliberately slow
            c.post("/v1/login", json={"id_number": ids[i % len(ids)], "password": PASSWORD}).raise_for_status()
        lock = threading.Lock()

        def cycle(c: httpx.Client, lat: list[float], errors: list[int]) -> None:
            t = time.perf_counter()
            r = c.post("/v1/certificates", json={"purpose": "housing-loan", "audience": None})
            ok = r.status_code == 200
            if ok:
                pdf = c.get(f"/v1/certificates/{r.json()['number']}/pdf")
                ok = pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            with lock:
                if ok:
                    lat.append(time.perf_counter() - t)
                else:
                    errors[0] += 1

        def run(target: object, args_of: object) -> None:
            threads = [threading.Thread(target=target, args=args_of(i)) for i in range(clients)]  # type: ignore[arg-type,operator]
            for t in threads:
                t.start()
            for t in threads:
                t.join()

        out: dict[str, tuple[int, float, float, int]] = {}
        lat: list[float] = []
        errors = [0]
        for _ in range(rounds):
            barrier = threading.Barrier(clients)

            def together(c: httpx.Client, b: threading.Barrier = barrier) -> None:
                b.wait()
                cycle(c, lat, errors)

            run(together, lambda i: (sessions[i],))
            time.sleep(1.5)
        out["together"] = (len(lat), _pct(lat, 50), _pct(lat, 99), errors[0])

        loop_lat: list[float] = []
        loop_errors = [0]
        stop_at = time.monotonic() + seconds

        def loop(c: httpx.Client) -> None:
            while time.monotonic() < stop_at:
                cycle(c, loop_lat, loop_errors)

        run(loop, lambda i: (sessions[i],))
        out["loop"] = (len(loop_lat), _pct(loop_lat, 50), _pct(loop_lat, 99), loop_errors[0])
        for c in sessions:
            c.close()
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def render_times(text: str, number: str, work: Path, passphrase: bytes) -> dict[str, tuple[float, float]]:
    signer = ensure_centre_certificate(work / "pki", CENTRE, "海口市住房公积金管理局", passphrase=passphrase)
    documents.preload()
    out: dict[str, tuple[float, float]] = {}
    for name, fn in (
        ("PDF, signed (PAdES)", lambda: documents.render_pdf(text, centre_name="海口市住房公积金管理局", signer=signer)),
        ("PDF, unsigned", lambda: documents.render_pdf(text, centre_name="海口市住房公积金管理局")),
        ("QR PNG", lambda: documents.render_qr_png(text, number)),
    ):
        fn()
        lat = []
        for _ in range(40):
            documents.qr_matrix.cache_clear()  # every render encodes its QR code afresh
            t = time.perf_counter()
            fn()
            lat.append(time.perf_counter() - t)
        out[name] = (_pct(lat, 50), _pct(lat, 99))
    return out


RENDER_TARGET_MS = 100.0  # issue 5: "a PDF in under 100 ms" (p50, signed or not); was a timed test


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--portal-workers", type=int, default=2)
    args = ap.parse_args()
    n = args.accounts
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="hpf-bench-issue-") as tmp:
        work = Path(tmp)
        # No state file: anvil's JSON dump every second grows with 100,000 certificates' anchors
        # and is a development convenience a production chain does not have.
        cfg = NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=work / "node", persist=False)
        with running_node(cfg) as node:
            w3 = Web3(Web3.HTTPProvider(node.cfg.rpc_url))
            ns = Settings(home=work, deployments_dir=work / "deployments", node_port=node.cfg.port)
            deploy(w3, demo.demo_deployer(), demo_genesis(), ns.deployment_file, admins=demo_admins())
            iset = IssuerSettings(home=work)
            sqlite_url = iset.database_url_for(CENTRE)
            print(f"seeding {n:,} demo accounts (with their deposit months) …", file=sys.stderr)
            t = time.perf_counter()
            seed_sqlite(sqlite_url, n, work)
            print(f"  {time.perf_counter() - t:.0f} s", file=sys.stderr)

            print("bulk issuance, SQLite …", file=sys.stderr)
            issued, secs = bulk(ns, iset, sqlite_url)
            rows.append(("bulk issue-all, SQLite", f"{issued:,}", f"{issued / secs:,.0f} /s", f"{secs:.1f} s"))

            if not args.skip_postgres:
                sys.path.insert(0, str(ROOT / "tests" / "issuer"))
                from postgres import postgres_server  # type: ignore[import-not-found]

                print("bulk issuance, PostgreSQL …", file=sys.stderr)
                with postgres_server() as pg:
                    pg_url = pg.create_database("hpf_bench")
                    copy_accounts(sqlite_url, pg_url)
                    issued, secs = bulk(ns, iset, pg_url)
                    rows.append(("bulk issue-all, PostgreSQL", f"{issued:,}", f"{issued / secs:,.0f} /s", f"{secs:.1f} s"))

            print("OpenAttestation wrapDocuments …", file=sys.stderr)
            for count in sorted({n, min(n, 10_000)}):
                oa = open_attestation(count)
                if oa is None:
                    rows.append(("OpenAttestation wrapDocuments", "", "not run", "npm ci in scripts/oa-bench first"))
                    break
                rows.append(("OpenAttestation wrapDocuments", f"{oa[0]:,}", f"{oa[0] / oa[1]:,.0f} /s",
                             f"{oa[1]:.1f} s (tree only: no signature, storage or anchor)"))

            print(f"on-demand: {args.clients} employees through the portal for {args.seconds:.0f} s …", file=sys.stderr)
            engine = make_engine(sqlite_url)
            with session_scope(engine) as s:
                from sqlalchemy import select

                ids = list(s.scalars(select(Account.id_number).where(Account.password_hash.is_not(None),
                                                                     Account.last_month.is_not(None),
                                                                     Account.status != "closed").limit(args.clients)))
                text_row = s.execute(select(Account.id).limit(1)).first()
            env = {**os.environ, "HPF_HOME": str(work), "HPF_DEPLOYMENTS_DIR": str(work / "deployments"),
                   "HPF_NODE_PORT": str(node.cfg.port), "HPF_CONFIG": str(work / "none.toml"),
                   "HPF_BATCH_TIMEOUT": "1.0", "HPF_LOG_LEVEL": "WARNING",
                   "HPF_CERTIFICATES_PER_DAY": "0"}  # measures latency, not the quota
            results = on_demand(env, free_port(), ids, args.clients, args.seconds, args.portal_workers)
            w = args.portal_workers
            done, p50, p99, errors = results["together"]
            rows.append((f"on demand: {args.clients} employees ask at once, 8 rounds", f"{done:,}",
                         f"p50 {p50:,.0f} ms", (f"p99 {p99:,.0f} ms; {errors} errors; request to PDF downloaded; "
                                               f"1 s batch timer, {w} workers")))
            done, p50, p99, errors = results["loop"]
            rows.append((f"on demand: {args.clients} employees ask again at once, {args.seconds:.0f} s", f"{done:,}",
                         f"p50 {p50:,.0f} ms", f"p99 {p99:,.0f} ms; {errors} errors; stress: no pause between requests"))

            issuer = open_issuer(CENTRE, node_settings=ns, issuer_settings=iset, engine=engine)
            cert = issuer.request(id_number=ids[0])
            assert cert.text is not None and text_row is not None
            for name, (q50, q99) in render_times(cert.text, cert.number, work, iset.signing_key_passphrase()).items():
                met = "met" if q50 < RENDER_TARGET_MS else "MISSED"
                rows.append((f"render {name}", "40", f"p50 {q50:.1f} ms",
                             f"p99 {q99:.1f} ms; target p50 < {RENDER_TARGET_MS:.0f} ms: {met}"))
            engine.dispose()

    table = Table(title=f"hpf issuance benchmark ({os.cpu_count()} cores, anvil local node, {n:,} accounts)")
    for col in ("what", "certificates", "rate / latency", "note"):
        table.add_column(col, justify="right" if col == "certificates" else "left")
    for r in rows:
        table.add_row(*r)
    Console(width=150).print(table)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
