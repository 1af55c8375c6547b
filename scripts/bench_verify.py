"""Verification throughput and latency, on a real anvil node. Rerun: `make bench`.

Prints one table: verifications per second (one core, one thread unless said) and p50/p99
latency for an HPF1 string, a clean PNG, a PDF, the HTTP endpoint under 32 concurrent clients
(JSON string), and a phone photo through the API.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from web3 import Web3

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from node import accounts as demo  # noqa: E402
from node.bindings import Contracts  # noqa: E402
from node.deploy import demo_admins, demo_genesis, deploy  # noqa: E402
from node.launcher import NodeConfig, free_port, running_node  # noqa: E402
from tests.verifier import photos as P  # noqa: E402
from tests.verifier.issuing import issue, make_certificate, register_key  # noqa: E402
from verifier.chain import RpcChainReader, RpcClient  # noqa: E402
from verifier.inputs import read_input  # noqa: E402
from verifier.pipeline import Verifier  # noqa: E402

N_CERTS = 256


def _pct(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))] * 1000


def measure(fn: Callable[[int], None], n: int) -> tuple[float, float, float, float]:
    """(per second of wall time, per second of this process's CPU time, p50 ms, p99 ms).

    The node runs on the same two cores, so wall-clock rates include its work; the CPU-time
    rate is what one core of the verifier itself sustains."""
    lat = []
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        t = time.perf_counter()
        fn(i)
        lat.append(time.perf_counter() - t)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    return n / total, n / cpu, _pct(lat, 50), _pct(lat, 99)


def http_load(base: str, bodies: list[tuple[bytes, str]], clients: int, seconds: float) -> tuple[float, float, float, int]:
    host, port = base.split("//")[1].split(":")
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        i = k
        mine = []
        while time.monotonic() < stop:
            body, ctype = bodies[i % len(bodies)]
            i += clients
            t = time.perf_counter()
            conn.request("POST", "/v1/verify", body, {"Content-Type": ctype, "X-API-Key": "demo-key-91000001"})
            resp = conn.getresponse()
            data = resp.read()
            mine.append(time.perf_counter() - t)
            if resp.status != 200 or json.loads(data)["verdict"] != "VALID":
                with lock:
                    errors += 1
        with lock:
            lat.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.perf_counter() - t0
    return len(lat) / total, _pct(lat, 50), _pct(lat, 99), errors


def main() -> int:
    rows: list[tuple[str, str, float, float | None, float, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        cfg = NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=home / "node")
        with running_node(cfg):
            w3 = Web3(Web3.HTTPProvider(cfg.rpc_url))
            record_path = home / "deployments" / "46000.json"
            record = deploy(w3, demo.demo_deployer(), demo_genesis(), record_path, admins=demo_admins()).record
            c = Contracts.at(w3, record.addresses())
            key = register_key(c, 460100)
            texts: list[str] = []
            for _ in range(N_CERTS // 64):
                t, _, _ = issue(c, [make_certificate(w3) for _ in range(64)], *key)
                texts += t
            reader = RpcChainReader(RpcClient(cfg.rpc_url), ledger=c.ledger.address, consortium=c.consortium.address,
                                 blacklist=c.blacklist.address)
            verifier = Verifier(reader)
            assert verifier.verify(texts[0]).verdict.value == "VALID"

            def by_string(i: int) -> None:
                verifier.verify(texts[i % len(texts)], with_blacklist=False)

            def by_string_bl(i: int) -> None:
                verifier.verify(texts[i % len(texts)])

            pngs = [P.qr_png(t, scale=3) for t in texts[:64]]

            def by_png(i: int) -> None:
                (found,) = read_input(pngs[i % len(pngs)])
                verifier.verify(found.text, with_blacklist=False)

            pdfs = []
            for t in texts[:8]:
                page = P.printed_page([t], dpi=150)
                with tempfile.SpooledTemporaryFile() as buf:
                    page.save(buf, "PDF", resolution=150)
                    buf.seek(0)
                    pdfs.append(buf.read())

            def by_pdf(i: int) -> None:
                (found,) = read_input(pdfs[i % len(pdfs)])
                verifier.verify(found.text, with_blacklist=False)

            for name, fn, n in (("HPF1 string", by_string, 3000), ("HPF1 string + blacklist", by_string_bl, 2000),
                                ("clean PNG (1 QR)", by_png, 1000), ("PDF, A4 page at 150 dpi", by_pdf, 60)):
                measure(fn, min(n, 50))  # warm up
                rate, per_cpu, p50, p99 = measure(fn, n)
                rows.append((name, "in-process, 1 thread", rate, per_cpu, p50, p99, ""))

            port = free_port()
            env = {**os.environ, "HPF_HOME": str(home), "HPF_DEPLOYMENTS_DIR": str(home / "deployments"),
                   "HPF_NODE_PORT": str(cfg.port), "HPF_VERIFIER_PORT": str(port), "HPF_LOG_LEVEL": "WARNING",
                   "HPF_CONFIG": str(home / "none.toml"),
                   # Quotas off: this measures verification, not how soon a quota refuses.
                   "HPF_VERIFIER_VERIFICATIONS_PER_MINUTE": "0", "HPF_VERIFIER_VERIFICATIONS_PER_DAY": "0"}
            for workers in (1, 2):
                proc = subprocess.Popen([sys.executable, "-m", "issuer.console", "verifier", "serve", "--workers",
                                         str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                base = f"http://127.0.0.1:{port}"
                try:
                    for _ in range(150):
                        try:
                            urllib.request.urlopen(base + "/healthz", timeout=1)
                            break
                        except OSError:
                            time.sleep(0.2)
                    bodies = [(json.dumps({"hpf1": t}).encode(), "application/json") for t in texts]
                    http_load(base, bodies, 32, 1.0)
                    rate, p50, p99, errors = http_load(base, bodies, 32, 8.0)
                    rows.append(("HTTP POST /v1/verify (JSON)", f"32 clients, {workers} worker(s)", rate, None, p50,
                                 p99, f"{errors} errors"))
                    photo = P.encode(P.colourise(P.phone_photo(P.printed_page([texts[5]], dpi=300), dpi=300)),
                                     "JPEG", quality=60)
                    photos = [(photo, "image/jpeg")]
                    rate, p50, p99, errors = http_load(base, photos, 1, 5.0)
                    rows.append(("HTTP phone photo (JPEG, all distortions)", f"1 client, {workers} worker(s)", rate,
                                 None, p50, p99, f"{errors} errors, {len(photo) // 1024} KiB"))
                finally:
                    proc.terminate()
                    proc.wait(timeout=30)

    table = Table(title=f"hpf verify benchmark ({os.cpu_count()} cores, anvil local node)")
    for col in ("input", "load", "per second", "per CPU-second", "p50 ms", "p99 ms", "note"):
        table.add_column(col, justify="left" if col in ("input", "load", "note") else "right")
    for name, load, rate, per_cpu, p50, p99, note in rows:
        table.add_row(name, load, f"{rate:,.0f}", f"{per_cpu:,.0f}" if per_cpu else "", f"{p50:.2f}", f"{p99:.2f}", note)
    Console(width=140).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
