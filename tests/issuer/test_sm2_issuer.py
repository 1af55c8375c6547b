"""The national suite in the issuer, against a real anvil node: a centre that signs with SM2 (the
demo network's 460400), `--algorithm` on rotate-key, SM4 at rest, `status --json` naming the key,
bulk issuance signing SM2 in worker processes, and a malformed SM2 key never sent to the chain."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from issuer import keystore
from issuer.db import (
    Account,
    AccountStatus,
    Certificate,
    CertificateStatus,
    KeyAlgorithm,
    SigningKey,
    make_engine,
    session_scope,
)
from issuer.issuance import open_issuer
from issuer.keys import MalformedPublicKey, admin_account, ensure_signing_key
from issuer.settings import IssuerSettings
from node.bindings import Contracts, Sender
from node.settings import Settings
from verifier import format as fmt
from verifier import sm2
from verifier.chain import RpcChainReader, RpcClient
from verifier.pipeline import Verifier

from .network import Network, centre_with_accounts, local_network

pytestmark = pytest.mark.integration
DANZHOU = 460400  # signs with SM2 on the demo network
SANYA = 460200  # starts with Ed25519, rotated to SM2 here


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    home = tmp_path_factory.mktemp("sm2-issuer")
    with local_network(home) as network:
        centre_with_accounts(home, DANZHOU, 30, seed=3).dispose()
        centre_with_accounts(home, SANYA, 10, seed=5).dispose()
        yield network


@pytest.fixture(scope="module")
def env(net: Network) -> dict[str, str]:
    return net.env(HPF_BATCH_TIMEOUT="0.2")


def hpf(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "issuer.console", *args], env=env, capture_output=True, text=True,
                          timeout=180)


def _engine(net: Network, centre: int) -> Engine:
    return make_engine(IssuerSettings(home=net.home).database_url_for(centre))


def _id_number(net: Network, centre: int) -> str:
    eng = _engine(net, centre)
    try:
        with session_scope(eng) as s:
            return s.scalars(select(Account.id_number).where(Account.status != AccountStatus.CLOSED,
                                                             Account.last_month.is_not(None))
                             .order_by(Account.id)).first()  # type: ignore[return-value]
    finally:
        eng.dispose()


def _verifier(net: Network) -> Verifier:
    c = net.contracts
    return Verifier(RpcChainReader(RpcClient(net.settings.effective_rpc_url), ledger=c.ledger.address,
                                consortium=c.consortium.address, blacklist=c.blacklist.address))


def test_danzhou_signs_with_sm2_and_status_names_the_key(net: Network, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "c.txt"
    r = hpf(env, "issue", "--centre", str(DANZHOU), "--id", _id_number(net, DANZHOU), "--out", str(out))
    assert r.returncode == 0, r.stderr
    signed = fmt.decode(out.read_text())
    assert signed.algorithm == "SM2"
    assert hpf(env, "verify", str(out)).returncode == 0
    status = hpf(env, "issuer", "status", "--centre", str(DANZHOU), "--json")
    assert status.returncode == 0, status.stderr
    key = json.loads(status.stdout)["signing_key"]
    assert key["algorithm"] == "SM2" and key["id"] == signed.key_id.hex()
    public = bytes.fromhex(key["public_key"])
    assert sm2.check_public_key(public) == public
    assert fmt.verify_signature(signed, public, "SM2")  # what an outside party can do with the status
    assert net.contracts.consortium.key(signed.key_id).algorithm.name == "SM2"
    # at rest: SM4-GCM under PBKDF2-HMAC-SM3, bound to the key id
    eng = _engine(net, DANZHOU)
    try:
        with session_scope(eng) as s:
            row = s.scalars(select(SigningKey).where(SigningKey.key_id == signed.key_id)).one()
            blob, algorithm = row.encrypted_private_key, row.algorithm
    finally:
        eng.dispose()
    assert algorithm is KeyAlgorithm.SM2 and blob.startswith(keystore.MAGIC)
    passphrase = IssuerSettings(home=net.home).signing_key_passphrase()
    assert fmt.public_key_bytes(keystore.decrypt(blob, passphrase, signed.key_id)) == public
    with pytest.raises(keystore.WrongPassphrase):
        keystore.decrypt(blob, passphrase + b"x", signed.key_id)
    with pytest.raises(keystore.WrongPassphrase):  # copied onto another key's row
        keystore.decrypt(blob, passphrase, b"\x00" * 8)


def test_rotate_key_to_sm2_and_back(net: Network, env: dict[str, str], tmp_path: Path) -> None:
    who = _id_number(net, SANYA)
    before = tmp_path / "before.txt"
    assert hpf(env, "issue", "--centre", str(SANYA), "--id", who, "--out", str(before)).returncode == 0
    assert fmt.decode(before.read_text()).algorithm == "EdDSA"
    bad = hpf(env, "issuer", "rotate-key", "--centre", str(SANYA), "--algorithm", "rsa")
    assert bad.returncode == 64 and "ed25519" in bad.stderr
    r = hpf(env, "issuer", "rotate-key", "--centre", str(SANYA), "--grace", "0", "--algorithm", "sm2")
    assert r.returncode == 0 and "retired" in r.stdout, r.stderr
    after = tmp_path / "after.txt"
    assert hpf(env, "issue", "--centre", str(SANYA), "--id", who, "--out", str(after)).returncode == 0
    assert fmt.decode(after.read_text()).algorithm == "SM2"
    for f in (before, after):  # the Ed25519 certificate stays valid beside the SM2 one
        assert hpf(env, "verify", str(f)).returncode == 0
    r = hpf(env, "issuer", "rotate-key", "--centre", str(SANYA), "--grace", "0", "--algorithm", "es256")
    assert r.returncode == 0, r.stderr
    es = tmp_path / "es.txt"
    assert hpf(env, "issue", "--centre", str(SANYA), "--id", who, "--out", str(es)).returncode == 0
    assert fmt.decode(es.read_text()).algorithm == "ES256"
    assert hpf(env, "verify", str(es)).returncode == 0


def test_bulk_issuance_signs_sm2_in_worker_processes(net: Network) -> None:
    ns: Settings = net.settings
    eng = _engine(net, DANZHOU)
    try:
        issuer = open_issuer(DANZHOU, node_settings=ns, issuer_settings=IssuerSettings(home=net.home), engine=eng)
        # reissue: an earlier test of the module certified one of these accounts, and issue-all
        # would skip it as already current
        report = issuer.issue_all(limit=12, workers=2, reissue=True)
        assert report.issued == 12 and report.problems == []
        verifier = _verifier(net)
        with session_scope(eng) as s:
            last = s.scalars(select(Certificate.number).where(Certificate.status == CertificateStatus.ANCHORED)
                             .order_by(Certificate.id.desc()).limit(3)).all()
        texts = [issuer.certificate(n).text for n in last]
        assert len(texts) == 3
        for text in texts:
            assert text is not None and fmt.decode(text).algorithm == "SM2"
            assert verifier.verify(text).verdict.value == "VALID"
    finally:
        eng.dispose()


def test_a_malformed_sm2_public_key_is_refused_before_anything_is_sent(net: Network) -> None:
    c: Contracts = net.contracts
    w3 = c.consortium.w3
    eng = _engine(net, SANYA)
    bad_public = b"\x04" + b"\x01" * 64  # not on the curve
    kid = fmt.key_id_for(bad_public)
    try:
        with session_scope(eng) as s:
            s.add(SigningKey(key_id=kid, centre_code=SANYA, algorithm=KeyAlgorithm.SM2, public_key=bad_public,
                             encrypted_private_key=b"-"))
        block, nonce = w3.eth.block_number, w3.eth.get_transaction_count(admin_account(net.settings, SANYA).address)
        with pytest.raises(MalformedPublicKey, match="SM2 public key"):
            ensure_signing_key(eng, SANYA, b"unused", c, lambda: Sender(w3, admin_account(net.settings, SANYA)))
        assert w3.eth.block_number == block
        assert w3.eth.get_transaction_count(admin_account(net.settings, SANYA).address) == nonce
        assert c.consortium.key(kid) is None or c.consortium.key(kid).centre == 0
    finally:
        with session_scope(eng) as s:
            s.delete(s.scalars(select(SigningKey).where(SigningKey.key_id == kid)).one())
        eng.dispose()
