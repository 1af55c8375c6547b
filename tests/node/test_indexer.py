"""The event indexer agrees with the chain, also after a restart in the middle of a sync."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from eth_utils import keccak
from web3 import Web3

from node import accounts as demo
from node.bindings import AccessPurpose, BlacklistReason, Contracts, KeyAlgorithm, LiftReason, Sender
from node.deploy import DeploymentRecord
from node.indexer import Indexer
from node.indexer.store import IndexStore
from node.sealing import DEMO_TRACE_PRIVATE_KEY

YEAR = 365 * 24 * 3600


def _activity(w3: Web3, contracts: Contracts, rounds: int) -> list[bytes]:
    """Keys, anchors, listings, lifts and accesses spread over many blocks. Returns subjects."""
    haikou_admin = Sender(w3, demo.demo_account(demo.demo_centre(460100).admin_index))
    ops = {c.code: Sender(w3, demo.demo_account(c.operator_index)) for c in demo.DEMO_CENTRES}
    lender = Sender(w3, demo.demo_account(demo.DEMO_INSTITUTIONS[0].account_index))
    subjects = []
    salt = os.urandom(4)
    for i in range(rounds):
        public = keccak(salt + bytes([i]))
        key_id = hashlib.sha256(public).digest()[:8]
        contracts.consortium.register_key(haikou_admin, key_id, KeyAlgorithm.EDDSA, public)
        if i % 2:
            contracts.consortium.retire_key(haikou_admin, key_id)
        code = demo.DEMO_CENTRES[i % 3].code
        contracts.ledger.anchor(ops[code], keccak(salt + b"root" + bytes([i])), 10 + i)
        subject = keccak(salt + b"subject" + bytes([i % 4]))
        subjects.append(subject)
        now = int(w3.eth.get_block("latest")["timestamp"])
        entry = contracts.blacklist.list(ops[code], subject, BlacklistReason.LOAN_DEFAULT, now + 4 * YEAR, keccak(subject))
        if i % 3 == 0:
            contracts.blacklist.lift(ops[code], entry, LiftReason.SETTLED)
        contracts.trace.record(lender, [(subject, AccessPurpose.BLACKLIST_CHECKED),
                                        (keccak(bytes([i])), AccessPurpose.CERTIFICATE_VERIFIED)])
    return sorted(set(subjects))


def _agrees_with_chain(ix: Indexer, contracts: Contracts, subjects: list[bytes]) -> None:
    w3 = contracts.consortium.w3
    now = int(w3.eth.get_block("latest")["timestamp"])
    # The access records are sealed: nothing joins them to a subject until a member centre
    # opens them with the consortium trace key.
    assert all(not ix.accesses_to(subject) for subject in subjects)
    ix.open_accesses(ix.trace_key_versions([DEMO_TRACE_PRIVATE_KEY]))
    for subject in subjects:
        on_chain = sorted(e.id for e in contracts.blacklist.active_entries_of(subject))
        assert sorted(e.id for e in ix.active_entries_of(subject, now)) == on_chain
        for e in ix.entries_of(subject):
            chain_entry = contracts.blacklist.entry(e.id)
            assert (chain_entry.status, chain_entry.listed_at, chain_entry.expires_at) == (e.status, e.listed_at, e.expires_at)
        checks = ix.accesses_to(subject)
        assert checks and all(a.recorder == 91000001 for a in checks)
    assert ix.unreadable_accesses() == 0
    for k in ix.keys_of(460100):
        chain_key = contracts.consortium.key(k.key_id)
        assert (chain_key.valid_from, chain_key.valid_until or None, chain_key.public_key) == (
            k.valid_from, k.valid_until, k.public_key)
    assert {c["code"] for c in ix.centres()} == {460100, 460200, 460400}
    assert {i["id"] for i in ix.institutions()} == {91000001, 91000002}


def test_indexer_matches_chain_on_eth_tester(tester_w3: Web3, tester_contracts: Contracts, tmp_path: Path) -> None:
    subjects = _activity(tester_w3, tester_contracts, 6)
    ix = Indexer(tester_w3, tester_contracts.addresses(), 0, tmp_path / "index.sqlite")
    result = ix.sync()
    assert result.to_block == tester_w3.eth.block_number and result.behind == 0
    _agrees_with_chain(ix, tester_contracts, subjects)
    assert ix.count("batches") == 6
    root = keccak(b"none")
    assert ix.batch(460100, root) is None


def test_one_root_anchored_by_two_centres_is_two_batches(tester_w3: Web3, tester_contracts: Contracts,
                                                         tmp_path: Path) -> None:
    """Roots are namespaced per centre on chain (a front-runner fills its own namespace); the index
    keeps both, as the ledger does (before: one row per root, the second overwrote the first)."""
    root = keccak(os.urandom(32))
    for code, leaves in ((460100, 7), (460200, 3)):
        op = Sender(tester_w3, demo.demo_account(demo.demo_centre(code).operator_index))
        tester_contracts.ledger.anchor(op, root, leaves)
    ix = Indexer(tester_w3, tester_contracts.addresses(), 0, tmp_path / "index.sqlite")
    ix.sync()
    assert ix.batch(460100, root)["leaf_count"] == 7  # type: ignore[index]
    assert ix.batch(460200, root)["leaf_count"] == 3  # type: ignore[index]
    assert ix.batch(460400, root) is None


def test_an_index_of_an_older_layout_is_rebuilt(tester_w3: Web3, tester_contracts: Contracts, tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "index.sqlite"
    _activity(tester_w3, tester_contracts, 2)
    Indexer(tester_w3, tester_contracts.addresses(), 0, path).sync()
    old = sqlite3.connect(path)  # as version 1 left it: batches keyed by root alone, no version
    old.execute("DROP TABLE batches")
    old.execute("CREATE TABLE batches (root BLOB PRIMARY KEY, centre INTEGER NOT NULL, leaf_count INTEGER NOT NULL, "
                "anchored_at INTEGER NOT NULL, block INTEGER NOT NULL, tx BLOB NOT NULL)")
    old.execute("DELETE FROM meta WHERE key='index_version'")
    old.commit()
    old.close()
    ix = Indexer(tester_w3, tester_contracts.addresses(), 0, path)
    assert ix.last_block() == -1 and ix.count("batches") == 0  # rebuilt: synced again from the start
    ix.sync()
    assert ix.count("batches") >= 2


@pytest.mark.integration
def test_restart_mid_sync_resumes_and_agrees(anvil_w3: Web3, anvil_contracts: Contracts, anvil_deployment: DeploymentRecord,
                                             tmp_path: Path) -> None:
    subjects = _activity(anvil_w3, anvil_contracts, 12)
    db = tmp_path / "index.sqlite"
    first = Indexer(anvil_w3, anvil_contracts.addresses(), anvil_deployment.start_block, db)
    partial = first.sync(chunk=3, max_chunks=2)
    assert partial.behind > 0
    stopped_at = first.last_block()
    first.close()

    second = Indexer(anvil_w3, anvil_contracts.addresses(), anvil_deployment.start_block, db)
    assert second.last_block() == stopped_at
    done = second.sync(chunk=3)
    assert done.from_block == stopped_at + 1 and done.behind == 0
    _agrees_with_chain(second, anvil_contracts, subjects)
    # A sync with nothing new changes nothing.
    assert second.sync().events == 0


@pytest.mark.integration
def test_killed_indexer_process_loses_nothing(anvil_w3: Web3, anvil_contracts: Contracts,
                                              anvil_deployment: DeploymentRecord, tmp_path: Path) -> None:
    subjects = _activity(anvil_w3, anvil_contracts, 8)
    db = tmp_path / "index.sqlite"
    script = (
        "import sys, time\n"
        "from web3 import Web3\n"
        "from node.indexer import Indexer\n"
        f"w3 = Web3(Web3.HTTPProvider({anvil_w3.provider.endpoint_uri!r}))\n"
        f"ix = Indexer(w3, {anvil_contracts.addresses()!r}, {anvil_deployment.start_block}, {str(db)!r})\n"
        "while True:\n"
        "    r = ix.sync(chunk=1, max_chunks=1)\n"
        "    print(r.to_block, flush=True)\n"
        "    time.sleep(0.02)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for _ in range(5):
        proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    resumed = Indexer(anvil_w3, anvil_contracts.addresses(), anvil_deployment.start_block, db)
    assert resumed.last_block() > anvil_deployment.start_block
    resumed.sync()
    _agrees_with_chain(resumed, anvil_contracts, subjects)
    time.sleep(0)


def test_a_store_of_another_deployment_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    first = IndexStore(path, consortium="0x" + "11" * 20)
    with first.transaction() as db:
        db.execute("INSERT INTO trace_keys VALUES (1, ?, 5)", (bytes(32),))
        db.execute("INSERT INTO meta VALUES ('last_block', '5')")
    first.close()
    same = IndexStore(path, consortium="0x" + "11" * 20)
    assert same.count("trace_keys") == 1 and same.meta("last_block") == "5"
    same.close()
    other = IndexStore(path, consortium="0x" + "22" * 20)
    assert other.count("trace_keys") == 0 and other.meta("last_block") is None
    assert other.meta("consortium") == "0x" + "22" * 20


def test_a_store_transaction_that_raises_writes_nothing(tmp_path: Path) -> None:
    store = IndexStore(tmp_path / "index.sqlite", consortium="0x" + "11" * 20)

    def crash_mid_chunk() -> None:
        with store.transaction() as db:
            db.execute("INSERT INTO trace_keys VALUES (1, ?, 5)", (bytes(32),))
            raise RuntimeError("crash mid-chunk")

    with pytest.raises(RuntimeError):
        crash_mid_chunk()
    assert store.count("trace_keys") == 0
    with pytest.raises(ValueError):
        store.count("meta; DROP TABLE keys")
