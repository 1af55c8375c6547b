"""Crash safety with real processes: `hpf issuer issue-all` is killed (SIGKILL) at random moments,
and the chain node is killed under it; after a restart every stored certificate is anchored,
each batch root is on chain exactly once, and nothing was handed out without its proof; run again,
issue-all resumes (nobody gets a second certificate)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from web3 import Web3

from issuer.db import (
    Account,
    AccountStatus,
    Batch,
    BatchState,
    Certificate,
    CertificateStatus,
    make_engine,
    session_scope,
    upgrade,
)
from issuer.demo_data import generate_csv
from issuer.importer import import_accounts
from issuer.issuance.reading import issued_certificate as _issued
from issuer.settings import IssuerSettings
from node import accounts as demo
from node.bindings import Contracts
from node.deploy import DeploymentRecord, demo_admins, demo_genesis, deploy
from node.launcher import LocalNode, NodeConfig, free_port
from verifier.chain import RpcChainReader, RpcClient
from verifier.merkle import MerkleTree
from verifier.pipeline import Verifier

from .network import centre_with_accounts

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CENTRE = 460100
ACCOUNTS = 2500


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("crash")


@pytest.fixture(scope="module")
def node(home: Path) -> Iterator[LocalNode]:
    n = LocalNode(NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=home / "node"))
    n.start()
    w3 = Web3(Web3.HTTPProvider(n.cfg.rpc_url))
    deploy(w3, demo.demo_deployer(), demo_genesis(), home / "deployments" / "46000.json", admins=demo_admins())
    yield n
    n.stop()


@pytest.fixture(scope="module")
def env(home: Path, node: LocalNode) -> dict[str, str]:
    return {
        **os.environ,
        "HPF_HOME": str(home),
        "HPF_DEPLOYMENTS_DIR": str(home / "deployments"),
        "HPF_NODE_PORT": str(node.cfg.port),
        "HPF_CONFIG": str(home / "none.toml"),
        "HPF_LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="module")
def engine(home: Path, node: LocalNode) -> Iterator[Engine]:
    eng = make_engine(IssuerSettings(home=home).database_url_for(CENTRE))
    upgrade(eng)
    generate_csv(home / "accounts.csv", CENTRE, ACCOUNTS, seed=3)
    with session_scope(eng) as s:
        assert not import_accounts(s, CENTRE, home / "accounts.csv").rejected
    yield eng
    eng.dispose()


def _hpf(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "issuer.console", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _count(engine: Engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Certificate)) or 0


def _kill_when_issuing(proc: subprocess.Popen[bytes], engine: Engine, start: int, rng: random.Random) -> None:
    """SIGKILL `proc` at a random moment after it has stored its first certificates."""
    deadline = time.monotonic() + 60
    while _count(engine) == start and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(rng.uniform(0.0, 0.6))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


def _check_invariants(engine: Engine, node: LocalNode) -> int:
    w3 = Web3(Web3.HTTPProvider(node.cfg.rpc_url))
    record = DeploymentRecord.load(Path(node.cfg.data_dir).parent / "deployments" / "46000.json")
    contracts = Contracts.at(w3, record.addresses())
    with session_scope(engine) as s:
        waiting = s.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.status == CertificateStatus.SIGNED))
        states = dict(s.execute(select(Batch.state, func.count()).group_by(Batch.state)).all())
        batches = {b.id: b.root for b in s.scalars(select(Batch).where(Batch.state == BatchState.ANCHORED))}
        leaves: dict[int, list[bytes]] = {}
        for batch_id, digest in s.execute(select(Certificate.batch_id, Certificate.digest)
                                          .order_by(Certificate.batch_id, Certificate.leaf_index)):
            leaves.setdefault(batch_id, []).append(digest)
        total = s.scalar(select(func.count()).select_from(Certificate)) or 0
    assert waiting == 0, "a certificate is still waiting for its anchor"
    assert set(states) <= {BatchState.ANCHORED, BatchState.FAILED} and states.get(BatchState.ANCHORED)
    assert set(leaves) == set(batches), "a certificate outside an anchored batch"
    for batch_id, root in batches.items():
        assert MerkleTree.build(leaves[batch_id]).root == root
    # On chain: every root anchored by this centre, once; no root the database does not know.
    events = contracts.ledger.contract.events.BatchAnchored().get_logs(from_block=0)
    anchored = [bytes(e["args"]["root"]) for e in events if e["args"]["centre"] == CENTRE]
    assert len(anchored) == len(set(anchored))
    assert set(anchored) == set(batches.values())
    return total


def _verify_some(engine: Engine, node: LocalNode, n: int = 3) -> None:
    w3 = Web3(Web3.HTTPProvider(node.cfg.rpc_url))
    record = DeploymentRecord.load(Path(node.cfg.data_dir).parent / "deployments" / "46000.json")
    c = Contracts.at(w3, record.addresses())
    verifier = Verifier(RpcChainReader(RpcClient(node.cfg.rpc_url), ledger=c.ledger.address,
                                    consortium=c.consortium.address, blacklist=c.blacklist.address))
    with session_scope(engine) as s:
        rows = list(s.scalars(select(Certificate).order_by(func.random()).limit(n)))
        texts = [_issued(s, r).text for r in rows]
    for text in texts:
        assert text is not None and str(verifier.verify(text, with_blacklist=False).verdict) == "VALID"


def test_killing_the_issuer_at_random_moments_loses_and_doubles_nothing(
    engine: Engine, env: dict[str, str], node: LocalNode
) -> None:
    rng = random.Random(20261122)
    for _ in range(3):
        proc = _hpf(env, "issuer", "issue-all", "--centre", str(CENTRE), "--workers", "0", "--json")
        _kill_when_issuing(proc, engine, _count(engine), rng)
    # Restart: any issuer command recovers first.
    done = subprocess.run([sys.executable, "-m", "issuer.console", "issuer", "status", "--centre", str(CENTRE), "--json"],
                          env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    total = _check_invariants(engine, node)
    assert total > 0
    _verify_some(engine, node)


def test_killing_the_chain_node_mid_run_then_restarting_it(engine: Engine, env: dict[str, str], node: LocalNode) -> None:
    start = _count(engine)
    # --reissue: the runs above certified the accounts already, and this run must be busy
    # issuing when the node dies.
    proc = _hpf(env, "issuer", "issue-all", "--centre", str(CENTRE), "--workers", "0", "--reissue", "--json")
    deadline = time.monotonic() + 60
    while _count(engine) == start and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(node.pid(), signal.SIGKILL)  # no state dump: the node may lose its last second
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1, stderr.decode()  # one clear sentence, no traceback
    assert b"Traceback" not in stderr
    node.start()
    done = subprocess.run([sys.executable, "-m", "issuer.console", "issuer", "status", "--centre", str(CENTRE), "--json"],
                          env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    _check_invariants(engine, node)
    _verify_some(engine, node)


def test_issue_all_killed_midway_resumes_without_doubles(home: Path, env: dict[str, str], node: LocalNode) -> None:
    """SIGKILL issue-all after it stored its first chunk, run it again: it skips the accounts
    that hold a current certificate of the same content and says how many; every account ends
    with exactly one current certificate (before: those of the first chunk had two)."""
    centre = 460200
    eng = centre_with_accounts(home, centre, 2200, seed=5)
    try:
        with session_scope(eng) as s:
            eligible = s.scalar(select(func.count()).select_from(Account).where(
                Account.centre_code == centre, Account.status != AccountStatus.CLOSED,
                Account.last_month.is_not(None))) or 0
        proc = _hpf(env, "issuer", "issue-all", "--centre", str(centre), "--workers", "0", "--json")
        deadline = time.monotonic() + 120
        while _count(eng) == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        stored = _count(eng)
        assert 0 < stored < eligible, "the kill did not land midway"
        again = subprocess.run([sys.executable, "-m", "issuer.console", "issuer", "issue-all", "--centre", str(centre),
                                "--workers", "0", "--json"], env=env, capture_output=True, timeout=300)
        assert again.returncode == 0, again.stderr.decode()
        report = json.loads(again.stdout)
        assert report["already_current"] == stored and report["issued"] == eligible - stored
        with session_scope(eng) as s:
            per_account = dict(s.execute(
                select(Certificate.account_id, func.count()).where(
                    Certificate.centre_code == centre, Certificate.status != CertificateStatus.REVOKED)
                .group_by(Certificate.account_id)).all())
        assert len(per_account) == eligible and set(per_account.values()) == {1}
    finally:
        eng.dispose()
