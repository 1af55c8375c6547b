"""The chain layer on a real 4-validator geth Clique network (one shared network, real
processes): issue through one node and verify through another; a validator stopped during bulk
issuance; a partition healed; a node SIGKILLed and restored from an older copy of its data; the
squatting and front-running attempts refused; a verifier behind a stale node."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from issuer.db import Batch, BatchState, Certificate, CertificateStatus, session_scope
from issuer.db.models import Account, AccountStatus
from node import accounts as demo
from node.bindings import KeyAlgorithm, Sender
from node.errors import ContractError

from .conftest import VALIDATORS, GethNet

pytestmark = pytest.mark.integration

HAIKOU, SANYA, DANZHOU = 460100, 460200, 460400


def _ids(engine, n: int, offset: int = 0) -> list[str]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return list(s.scalars(select(Account.id_number).where(Account.last_month.is_not(None),
                                                                   Account.status != AccountStatus.CLOSED)
                              .order_by(Account.id).offset(offset).limit(n)))


def _handed_out(engine) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        return [(r.number, r.batch_id) for r in s.execute(select(Certificate.number, Certificate.batch_id).where(
            Certificate.status == CertificateStatus.ANCHORED))]


def test_network_status_reports_every_validator_sealing(geth_net: GethNet) -> None:
    rows = geth_net.net.status()
    assert len(rows) == 4
    assert all(r["running"] and r["sealing"] and r["peers"] == 3 and r["lag"] <= 1 for r in rows)


def test_issue_through_one_node_verify_through_another(geth_net: GethNet) -> None:
    engine = geth_net.engine(HAIKOU)
    issuer = geth_net.issuer(HAIKOU, 0, engine)
    issuer.start()
    try:
        rule = issuer.reconciler.finality()
        assert (rule.engine, rule.depth, rule.signers) == ("clique", 3, 4)
        cert = issuer.request(id_number=_ids(engine, 1)[0], timeout=60)
        assert cert.status is CertificateStatus.ANCHORED and cert.text is not None
        # Handed out only once final: at least `depth` blocks stand on the anchor, on any node.
        assert geth_net.head(2) - cert.anchored_block + 1 >= rule.depth
        result = geth_net.verifier(2).verify(cert.text)
        assert str(result.verdict) == "VALID", result.to_json()
        assert result.chain is not None and result.chain["node"] == geth_net.url(2)
        assert result.chain["block"] >= cert.anchored_block and result.chain["time"] > 0
    finally:
        issuer.close()


def test_a_stopped_validator_does_not_stop_bulk_issuance(geth_net: GethNet) -> None:
    engine = geth_net.engine(SANYA)
    issuer = geth_net.issuer(SANYA, 1, engine)
    stopper = threading.Timer(1.0, geth_net.net.stop_node, args=(3,))
    stopper.start()
    try:
        report = issuer.issue_all(limit=250)
    finally:
        stopper.join()
    assert report.issued == 250 and not report.problems
    assert geth_net.net.status()[3]["running"] is False
    geth_net.net.start_node(3)
    geth_net.wait_synced()
    audit = issuer.reconciler.audit()
    assert audit["missing"] == 0 and audit["final"] == audit["batches"] == report.batches, audit
    verifier = geth_net.verifier(3)  # the restarted node caught up
    with session_scope(engine) as s:
        numbers = list(s.scalars(select(Certificate.number).order_by(Certificate.id)))
    for number in (numbers[0], numbers[len(numbers) // 2], numbers[-1]):
        text = issuer.certificate(number).text
        assert text is not None and str(verifier.verify(text).verdict) == "VALID"


def test_a_partition_heals_and_every_root_is_on_chain_once(geth_net: GethNet) -> None:
    net = geth_net.net
    side_a = geth_net.issuer(HAIKOU, 0, geth_net.engine(HAIKOU))  # validators 0 and 1
    side_b = geth_net.issuer(DANZHOU, 2, geth_net.engine(DANZHOU))  # validators 2 and 3
    side_a.start()
    side_b.start()
    try:
        for i in (0, 1):
            net.disconnect(i, [2, 3])
        time.sleep(1.5)
        a_ids = [side_a.submit(id_number=n) for n in _ids(side_a.engine, 6, offset=10)]
        b_ids = [side_b.submit(id_number=n) for n in _ids(side_b.engine, 6, offset=10)]
        time.sleep(6)  # both halves seal what they can (Clique: two of four signers stall quickly)
        net.heal()  # reconnect; if the halves deadlock on equal forks, the losing one is rewound
        geth_net.wait_synced(timeout=90)
        certs = [side_a.wait(i, timeout=120) for i in a_ids] + [side_b.wait(i, timeout=120) for i in b_ids]
    finally:
        side_a.close()
        side_b.close()
    verifier = geth_net.verifier(1)
    for cert in certs:
        assert cert.text is not None and str(verifier.verify(cert.text).verdict) == "VALID"
    for iss in (side_a, side_b):
        assert iss.reconciler.audit()["missing"] == 0
    # Every root is anchored exactly once (one BatchAnchored event per centre and root).
    ledger = geth_net.contracts(1).ledger.contract
    seen = [(e["args"]["centre"], bytes(e["args"]["root"])) for e in ledger.events.BatchAnchored.get_logs(from_block=0)]
    assert len(seen) == len(set(seen))


def test_a_node_restored_from_an_old_copy_gets_its_roots_again(geth_net: GethNet) -> None:
    net = geth_net.net
    node = net.node(0)
    engine = geth_net.engine(HAIKOU)
    issuer = geth_net.issuer(HAIKOU, 0, engine)
    # An old copy of validator 0's data, taken while it is stopped (a backup).
    net.stop_node(0)
    backup = node.data_dir.parent / "validator-0.backup"
    shutil.rmtree(backup, ignore_errors=True)
    shutil.copytree(node.data_dir, backup)
    net.start_node(0)
    geth_net.wait_synced()
    issuer.start()
    try:
        issued = [issuer.request(id_number=n, timeout=90) for n in _ids(engine, 4, offset=20)]
    finally:
        issuer.close()
    # Crash (SIGKILL), restore the old copy, and let it come back alone first.
    net.stop_node(0, kill=True)
    net.disconnect(0, [1, 2, 3])  # the others stop redialling it
    shutil.rmtree(node.data_dir)
    shutil.copytree(backup, node.data_dir)
    net.start_node(0, peer=False)
    assert issuer.reconciler.check_anchored() >= 1  # the issuer notices the roots are gone ...
    with session_scope(engine) as s:
        numbers = [c.number for c in issued]
        batch_ids = set(s.scalars(select(Certificate.batch_id).where(Certificate.number.in_(numbers))))
        states = set(s.scalars(select(Batch.state).where(Batch.id.in_(batch_ids))))
        statuses = set(s.scalars(select(Certificate.status).where(Certificate.number.in_([c.number for c in issued]))))
    assert BatchState.ANCHORED not in states and statuses == {CertificateStatus.SIGNED}  # ... and says so
    net.connect()
    geth_net.wait_synced(timeout=90)
    issuer.start()  # recovery anchors again whatever the chain does not hold (here: it has them back)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            audit = issuer.reconciler.audit()
            if audit["final"] == audit["batches"]:
                break
            time.sleep(1)
        issuer.anchor_pending(force=True)
    finally:
        issuer.close()
    audit = issuer.reconciler.audit()
    assert audit["missing"] == 0 and audit["final"] == audit["batches"], audit
    verifier = geth_net.verifier(0)
    for c in issued:
        again = issuer.certificate(c.number)
        assert again.status is CertificateStatus.ANCHORED and again.text is not None
        assert str(verifier.verify(again.text).verdict) == "VALID"


def test_squatting_and_front_running_are_refused(geth_net: GethNet) -> None:
    c = geth_net.contracts(1)
    w3 = c.consortium.w3
    victim_public = bytes(range(32))
    victim_id = hashlib.sha256(victim_public).digest()[:8]
    sanya_admin = Sender(w3, demo.demo_account(demo.demo_centre(SANYA).admin_index))
    with pytest.raises(ContractError) as refused:
        c.consortium.register_key(sanya_admin, victim_id, KeyAlgorithm.EDDSA, b"\x01" * 32)
    assert refused.value.error == "ConsortiumKeyIdMismatch"
    # Front-running a root: Sanya anchors Haikou's root first; it lands in Sanya's namespace.
    root = hashlib.sha256(b"front-run").digest()
    sanya_op = Sender(w3, demo.demo_account(demo.demo_centre(SANYA).operator_index))
    haikou_op = Sender(w3, demo.demo_account(demo.demo_centre(HAIKOU).operator_index))
    c.ledger.anchor(sanya_op, root, 5)
    c.ledger.anchor(haikou_op, root, 5)
    assert c.ledger.batch(HAIKOU, root).centre == HAIKOU  # type: ignore[union-attr]
    assert c.ledger.batch(SANYA, root).centre == SANYA  # type: ignore[union-attr]
    with pytest.raises(ContractError) as again:
        c.ledger.anchor(haikou_op, root, 5)
    assert again.value.error == "CertificateLedgerRootAnchored"


def test_a_verifier_behind_a_stale_node_answers_indeterminate(geth_net: GethNet) -> None:
    engine = geth_net.engine(HAIKOU)
    issuer = geth_net.issuer(HAIKOU, 0, engine)
    number = _handed_out(engine)[0][0]
    text = issuer.certificate(number).text
    assert text is not None
    net = geth_net.net
    net.disconnect(3, [0, 1, 2])  # validator 3 alone: its head stops moving
    try:
        time.sleep(6)
        result = geth_net.verifier(3, max_head_age=3).verify(text)
        assert str(result.verdict) == "INDETERMINATE"
        assert "NODE_BEHIND" in result.reasons
        assert result.chain is not None and result.chain["node"] == geth_net.url(3) and result.chain["block"] > 0
        assert str(geth_net.verifier(2, max_head_age=3).verify(text).verdict) == "VALID"
    finally:
        net.connect()
    geth_net.wait_synced()


def test_network_cli_status_and_audit_json(geth_net: GethNet, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from node.network_cli import app
    from node.settings import get_settings

    monkeypatch.setenv("HPF_HOME", str(geth_net.home))
    monkeypatch.setenv("HPF_CONFIG", str(geth_net.home / "none.toml"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["status", "--json"])
        assert result.exit_code == 0, result.output
        nodes = json.loads(result.output)["nodes"]
        assert [n["index"] for n in nodes] == [0, 1, 2, 3] and all(n["sealing"] for n in nodes)
        assert {"rpc_url", "head", "peers", "lag"} <= set(nodes[0])
        result = CliRunner().invoke(app, ["stop-node", "9"])
        assert result.exit_code == 1 and "no validator 9" in result.output.lower()
    finally:
        get_settings.cache_clear()


def test_a_new_centre_joins_with_its_own_sealing_node(geth_net: GethNet, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 13 on the multi-validator network: 460300 gets a node of its own that joins as a peer,
    catches up and is voted in as a sealer; through that node the centre is admitted by governance,
    registers its (SM2) signing key and issues; the certificate verifies VALID through validator 0.
    Last in the module: the network has five signers afterwards."""
    import json
    import os
    import subprocess
    import sys

    from typer.testing import CliRunner

    from node.network_cli import app
    from node.settings import get_settings
    from tests.issuer.network import centre_with_accounts
    from tests.issuer.test_consortium import _enact, _first_account, ok
    from verifier import format as fmt

    home = geth_net.home
    monkeypatch.setenv("HPF_HOME", str(home))
    monkeypatch.setenv("HPF_CONFIG", str(home / "none.toml"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["add-node", "--json"])
        assert result.exit_code == 0, result.output
        row = json.loads(result.output)
        assert row["index"] == VALIDATORS and row["signer"] is True and row["peers"] >= 1
        assert len(geth_net.net.signers()) == VALIDATORS + 1
        status = CliRunner().invoke(app, ["status", "--json"])
        assert status.exit_code == 0 and len(json.loads(status.output)["nodes"]) == VALIDATORS + 1
    finally:
        get_settings.cache_clear()
    geth_net.wait_synced()

    env = {**os.environ, "HPF_HOME": str(home), "HPF_DEPLOYMENTS_DIR": str(home / "deployments"),
           "HPF_RPC_URL": geth_net.url(VALIDATORS), "HPF_CHAIN_ID": str(geth_net.net.layout().chain_id),
           "HPF_LOCAL_NETWORK": "1", "HPF_CONFIG": str(home / "none.toml"), "HPF_BATCH_TIMEOUT": "0.3",
           "HPF_LOG_LEVEL": "WARNING"}

    def hpf(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "issuer.console", *args], env=env, capture_output=True,
                              text=True, timeout=240, cwd=home)

    join = tmp_path / "join-460300.json"
    ok(hpf("centre", "init", "--code", "460300", "--name", "三沙市住房公积金管理局", "--algorithm", "sm2",
           "--out", str(join)))
    _enact(env, "admit-centre", "--request", str(join))
    ok(hpf("centre", "register-key", "--centre", "460300"))
    centre_with_accounts(home, 460300, 4, seed=7).dispose()
    cert = tmp_path / "sansha.txt"
    ok(hpf("issue", "--centre", "460300", "--id", _first_account(home, 460300), "--out", str(cert)))
    text = cert.read_text()
    assert fmt.decode(text).algorithm == "SM2"
    result = geth_net.verifier(0).verify(text)
    assert result.verdict.value == "VALID", result.reasons
