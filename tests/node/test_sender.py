"""One transaction sender per account, shared by processes: two worker processes sending for the
same account at once never collide on a nonce ("nonce too low" 500s before), and the finality
rule read from a real anvil node."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from node import accounts as demo
from node.finality import finality_of
from node.launcher import LocalNode
from node.rpc import RpcClient
from node.sender import TxSender, account_lock

INDEX = 9  # a DEMO account no other test sends from
SENDS = 15


ROOT = Path(__file__).resolve().parents[2]


def send_many(url: str, home: str, chain_id: int) -> None:
    """Run in a worker process: send SENDS transactions for the shared account, print statuses."""
    account = demo.demo_account(INDEX)
    sender = TxSender(RpcClient(url), account, chain_id=chain_id, lock=account_lock(Path(home), chain_id, account.address))
    hashes = []
    for i in range(SENDS):
        hashes += sender.sign_and_send([(account.address, bytes([i]), 30_000)])
    receipts = sender.wait(hashes, timeout=60)
    print(json.dumps([int(r["status"], 16) if r else None for r in receipts]))  # noqa: T201 — read by the parent


def test_two_processes_share_one_account_without_nonce_collisions(anvil: LocalNode, tmp_path: Path) -> None:
    code = (f"from tests.node.test_sender import send_many; "
            f"send_many({anvil.cfg.rpc_url!r}, {str(tmp_path)!r}, {anvil.cfg.chain_id})")
    rpc = RpcClient(anvil.cfg.rpc_url)
    before = int(rpc.call("eth_getTransactionCount", [demo.demo_account(INDEX).address, "latest"]), 16)
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    results = [json.loads(o.strip().splitlines()[-1]) for o in outputs]
    assert all(statuses == [1] * SENDS for statuses in results), results
    after = int(rpc.call("eth_getTransactionCount", [demo.demo_account(INDEX).address, "latest"]), 16)
    assert after - before == 2 * SENDS


def test_anvil_is_final_when_included(anvil: LocalNode) -> None:
    rule = finality_of(RpcClient(anvil.cfg.rpc_url))
    assert (rule.engine, rule.depth) == ("anvil", 1)
    assert rule.is_final(5, 5) and not rule.is_final(0, 5)
    assert finality_of(RpcClient(anvil.cfg.rpc_url), confirmations=4).depth == 4
