"""The access-trace queue: an acknowledged record survives a crash and is recorded exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from node.bindings import AccessTraceBinding, unpack_access_record
from node.sealing import DEMO_TRACE_PRIVATE_KEY
from node.settings import Settings
from verifier.trace import open_queue

pytestmark = pytest.mark.integration


def _ref(log) -> bytes | None:  # type: ignore[no-untyped-def]
    """The record's reference, opened with the DEMO trace key as a member centre would."""
    return AccessTraceBinding.open_record(log["args"], DEMO_TRACE_PRIVATE_KEY)


def test_records_acknowledged_before_a_kill_are_sent_after_restart(chain, chain_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, c = chain
    env = {**os.environ, **chain_env, "HPF_HOME": str(tmp_path)}
    refs = [os.urandom(32) for _ in range(5)]
    script = (
        "import os, sys, time\n"
        "from node.bindings import AccessPurpose\n"
        "from node.settings import get_settings\n"
        "from verifier.trace import open_queue\n"
        "q = open_queue(get_settings(), 91000001)\n"
        f"q.add([(bytes.fromhex(h), AccessPurpose.CERTIFICATE_VERIFIED) for h in {[r.hex() for r in refs]!r}])\n"
        "print('acknowledged', flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "acknowledged"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    settings = Settings(home=tmp_path, deployments_dir=chain_env["HPF_DEPLOYMENTS_DIR"],
                        node_port=int(chain_env["HPF_NODE_PORT"]))
    queue = open_queue(settings, 91000001)
    assert queue.pending() == 5
    assert queue.flush_all() == 5
    assert queue.flush_all() == 0
    logs = [lg for lg in c.trace.contract.events.AccessRecorded().get_logs(from_block=0)
            if _ref(lg) in set(refs)]
    assert sorted(_ref(lg) for lg in logs) == sorted(refs)  # each exactly once
    assert {unpack_access_record(lg["args"]["record"]).recorder for lg in logs} == {91000001}


def test_a_sent_but_unsettled_batch_is_not_sent_twice(chain, chain_env, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A crash after the transaction was sent but before the rows were deleted: the restart sees
    the mined transaction and deletes the rows instead of sending them again."""
    _, c = chain
    settings = Settings(home=tmp_path, deployments_dir=chain_env["HPF_DEPLOYMENTS_DIR"],
                        node_port=int(chain_env["HPF_NODE_PORT"]))
    queue = open_queue(settings, 91000002)
    from node.bindings import AccessPurpose

    ref = os.urandom(32)
    queue.add([(ref, AccessPurpose.CERTIFICATE_VERIFIED)])
    tx = queue.sender.send(queue.trace.contract.functions.record(*queue.trace.seal(
        [(ref, AccessPurpose.CERTIFICATE_VERIFIED)])))
    tx_hex = "0x" + bytes(tx["transactionHash"]).hex()  # type: ignore[index]
    queue._db.execute("UPDATE queue SET tx=?", (tx_hex,))  # what flush() marks before sending
    queue.stop()

    again = open_queue(settings, 91000002)
    assert again.flush_all() == 0 and again.pending() == 0
    logs = [lg for lg in c.trace.contract.events.AccessRecorded().get_logs(from_block=0) if _ref(lg) == ref]
    assert len(logs) == 1
