"""Issuance against a real anvil node: on-demand requests through the batcher, bulk issuance,
revocation with an on-chain proof, key rotation; what comes out verifies VALID."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from issuer.db import Account, AccountStatus, Batch, BatchState, Certificate, CertificateStatus, session_scope
from issuer.db.numbers import parse_certificate_number
from issuer.issuance import BadRequest, Issuer, NotFound, certificate_text, open_issuer
from issuer.keys import admin_account, rotate
from issuer.settings import DEMO_CONSORTIUM_KEY, IssuerSettings
from node import accounts as demo
from node.bindings import Contracts, RevocationReason, Sender
from node.launcher import free_port
from node.settings import Settings
from verifier import format as fmt
from verifier.chain import ChainUnavailable, RpcChainReader, RpcClient
from verifier.pipeline import Verifier

from .network import centre_with_accounts, local_network

pytestmark = pytest.mark.integration
CENTRE = 460100


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, IssuerSettings, Contracts]]:
    home = tmp_path_factory.mktemp("issuance")
    with local_network(home) as net:
        yield net.settings, IssuerSettings(home=home), net.contracts


@pytest.fixture(scope="module")
def engine(network: tuple[Settings, IssuerSettings, Contracts]) -> Iterator[Engine]:
    eng = centre_with_accounts(network[1].home, CENTRE, 150, seed=7)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module")
def issuer(network: tuple[Settings, IssuerSettings, Contracts], engine: Engine) -> Iterator[Issuer]:
    ns, iset, _ = network
    iss = open_issuer(CENTRE, node_settings=ns, issuer_settings=iset, engine=engine, batch_timeout=0.3)
    iss.start()
    yield iss
    iss.close()


@pytest.fixture(scope="module")
def verifier(network: tuple[Settings, IssuerSettings, Contracts]) -> Verifier:
    ns, _, c = network
    reader = RpcChainReader(RpcClient(ns.effective_rpc_url), ledger=c.ledger.address, consortium=c.consortium.address,
                         blacklist=c.blacklist.address)
    return Verifier(reader)


def _accounts(engine: Engine, n: int, *, with_deposits: bool = True) -> list[Account]:
    with session_scope(engine) as s:
        stmt = select(Account).where(Account.status != AccountStatus.CLOSED)
        stmt = stmt.where(Account.last_month.is_not(None) if with_deposits else Account.last_month.is_(None))
        return list(s.scalars(stmt.order_by(Account.id).limit(n)))


def test_a_requested_certificate_comes_back_anchored_and_verifies(issuer: Issuer, engine: Engine, verifier: Verifier) -> None:
    (account,) = _accounts(engine, 1)
    cert = issuer.request(id_number=account.id_number, purpose="rental", audience=91000001)
    assert cert.status is CertificateStatus.ANCHORED and cert.text is not None and cert.anchored_block
    signed = fmt.decode(cert.text)
    c = signed.certificate
    assert (c.number, c.name, c.purpose, c.audience, c.centre_code) == (cert.number, account.name, "rental", 91000001, CENTRE)
    assert c.id_masked == account.id_number[:6] + "********" + account.id_number[14:]
    assert (c.first_month, c.last_month, c.months_continuous) == (account.first_month, account.last_month,
                                                                  account.months_continuous)
    assert fmt.certificate_digest(signed) == cert.digest
    result = Verifier(verifier.reader, institution=91000001).verify(cert.text)
    assert str(result.verdict) == "VALID", result.to_json()
    # Re-reading gives the same text, byte for byte.
    assert issuer.certificate(cert.number).text == cert.text


def test_concurrent_requests_share_batches_and_numbers_are_unique(issuer: Issuer, engine: Engine, verifier: Verifier) -> None:
    accounts = _accounts(engine, 20)
    results: list[object] = [None] * len(accounts)

    def one(i: int) -> None:
        results[i] = issuer.request(account_id=accounts[i].id, purpose="housing-loan")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(accounts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    certs = [r for r in results if r is not None]
    assert len(certs) == len(accounts)
    numbers = [c.number for c in certs]  # type: ignore[attr-defined]
    assert len(set(numbers)) == len(numbers)
    assert all(parse_certificate_number(n)[0] == CENTRE for n in numbers)
    roots = {c.root for c in certs}  # type: ignore[attr-defined]
    assert len(roots) < len(certs)  # batched together, not one anchor each
    for c in certs[:5]:
        assert str(verifier.verify(c.text).verdict) == "VALID"  # type: ignore[attr-defined]


def test_bad_requests_are_refused_and_write_nothing(issuer: Issuer, engine: Engine) -> None:
    with session_scope(engine) as s:
        before = s.scalar(select(func.count()).select_from(Certificate))
    (account,) = _accounts(engine, 1)
    with pytest.raises(BadRequest, match="Unknown purpose"):
        issuer.request(account_id=account.id, purpose="holiday")
    with pytest.raises(BadRequest, match="not a registered"):
        issuer.request(account_id=account.id, audience=99999999)
    with pytest.raises(NotFound):
        issuer.request(id_number="11010519491231002X")
    empty = _accounts(engine, 1, with_deposits=False)
    if empty:
        with pytest.raises(BadRequest, match="no deposit months"):
            issuer.request(account_id=empty[0].id)
    with session_scope(engine) as s:
        closed = s.scalars(select(Account).where(Account.status == AccountStatus.CLOSED).limit(1)).first()
    if closed is not None:
        with pytest.raises(BadRequest, match="closed"):
            issuer.request(account_id=closed.id)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == before


def test_revocation_is_proven_on_chain_and_seen_by_verifiers(issuer: Issuer, engine: Engine, verifier: Verifier) -> None:
    (account,) = _accounts(engine, 1)
    cert = issuer.request(account_id=account.id)
    assert cert.text is not None
    revoked = issuer.revoke(cert.number, "出具有误", code=RevocationReason.ISSUED_IN_ERROR)
    assert revoked.status is CertificateStatus.REVOKED and revoked.revocation_reason == "出具有误"
    result = verifier.verify(cert.text)
    assert str(result.verdict) == "INVALID" and "REVOKED" in result.to_json()["reasons"]
    with pytest.raises(BadRequest, match="already revoked"):
        issuer.revoke(cert.number, "again")
    with pytest.raises(NotFound):
        issuer.revoke("460100-2026-99999999", "no such")
    with pytest.raises(BadRequest, match="reason"):
        issuer.revoke(cert.number, "  ")


def test_bulk_issuance_covers_every_open_account_with_deposits(
    network: tuple[Settings, IssuerSettings, Contracts], issuer: Issuer, engine: Engine, verifier: Verifier
) -> None:
    seen: list[tuple[int, int]] = []
    report = issuer.issue_all(purpose="employment", workers=0, progress=lambda d, t: seen.append((d, t)))
    with session_scope(engine) as s:
        eligible = s.scalar(select(func.count()).select_from(Account).where(
            Account.status != AccountStatus.CLOSED, Account.last_month.is_not(None)))
        pending = s.scalar(select(func.count()).select_from(Certificate).where(
            Certificate.status == CertificateStatus.SIGNED))
        batches = list(s.scalars(select(Batch).where(Batch.state != BatchState.ANCHORED)))
        bulk = list(s.scalars(select(Certificate).where(Certificate.purpose == "employment").order_by(Certificate.id)))
    assert report.issued == eligible == len(bulk) and pending == 0 and not batches
    assert seen and seen[-1] == (eligible, eligible)
    assert report.batches == -(-eligible // 64)
    # Every certificate's text verifies; spot-check the first and last of the run.
    for c in (bulk[0], bulk[-1]):
        text = issuer.certificate(c.number).text
        assert text is not None and str(verifier.verify(text).verdict) == "VALID"
    # Each batch's root is on chain for this centre, once.
    _, _, contracts = network
    with session_scope(engine) as s:
        roots = list(s.scalars(select(Batch.root).where(Batch.id.in_({c.batch_id for c in bulk}))))
    for root in roots:
        info = contracts.ledger.batch(CENTRE, root)
        assert info is not None and info.centre == CENTRE


def test_bulk_issuance_in_worker_processes(issuer: Issuer, engine: Engine, verifier: Verifier) -> None:
    report = issuer.issue_all(purpose="settlement", workers=2, limit=70)
    assert report.issued == 70 and report.batches == 2
    with session_scope(engine) as s:
        last = s.scalars(select(Certificate).where(Certificate.purpose == "settlement")
                         .order_by(Certificate.id.desc()).limit(1)).one()
    text = issuer.certificate(last.number).text
    assert text is not None and str(verifier.verify(text).verdict) == "VALID"


def test_key_rotation_keeps_waiting_certificates_valid(
    network: tuple[Settings, IssuerSettings, Contracts], engine: Engine, verifier: Verifier
) -> None:
    ns, iset, contracts = network
    # An issuer without a batcher: certificates wait, signed with the old key, while it rotates.
    idle = open_issuer(CENTRE, node_settings=ns, issuer_settings=iset, engine=engine)
    old_key = idle.active_key().key_id
    accounts = _accounts(engine, 3)
    waiting = [idle.submit(account_id=a.id) for a in accounts]
    w3 = contracts.consortium.w3
    old, new = rotate(engine, CENTRE, idle.passphrase, contracts, Sender(w3, admin_account(ns, CENTRE)),
                      idle.drain_key)
    assert old == old_key and new != old_key
    assert contracts.consortium.key(old_key).valid_until > 0  # retired on chain
    for cert_id in waiting:
        cert = idle.certificate_by_id(cert_id)
        assert cert.status is CertificateStatus.ANCHORED and cert.text is not None
        assert fmt.decode(cert.text).key_id == old_key
        assert str(verifier.verify(cert.text).verdict) == "VALID"
    fresh = idle.request(account_id=accounts[0].id)
    assert fresh.text is not None and fmt.decode(fresh.text).key_id == new
    assert str(verifier.verify(fresh.text).verdict) == "VALID"


def test_a_batch_left_sealed_or_anchoring_by_a_crash_is_finished_exactly_once(
    network: tuple[Settings, IssuerSettings, Contracts], engine: Engine, verifier: Verifier
) -> None:
    ns, iset, contracts = network
    idle = open_issuer(CENTRE, node_settings=ns, issuer_settings=iset, engine=engine)
    accounts = _accounts(engine, 4)
    ids = [idle.submit(account_id=a.id) for a in accounts[:2]]
    sealed = idle.batches.seal(force=True)  # the crash came after sealing, before sending
    assert len(sealed) == 1
    # Another batch that was sent and anchored, but the crash came before it was recorded.
    more = [idle.submit(account_id=a.id) for a in accounts[2:]]
    (second,) = idle.batches.seal(force=True)
    with session_scope(engine) as s:
        root = s.get(Batch, second).root  # type: ignore[union-attr]
        s.execute(update(Batch).where(Batch.id == second).values(state=BatchState.ANCHORING))
    contracts.ledger.anchor(Sender(contracts.ledger.w3, demo.demo_account(demo.demo_centre(CENTRE).operator_index)),
                            root, 2)
    before = contracts.ledger.w3.eth.block_number
    finished = idle.recover()
    assert finished == 4
    for cert_id in ids + more:
        cert = idle.certificate_by_id(cert_id)
        assert cert.status is CertificateStatus.ANCHORED and str(verifier.verify(cert.text).verdict) == "VALID"  # type: ignore[arg-type]
    # The already-anchored root was not sent again: one new transaction, for the sealed batch.
    assert contracts.ledger.w3.eth.block_number - before == 1
    assert idle.recover() == 0


def test_certificate_text_is_deterministic(issuer: Issuer, engine: Engine) -> None:
    (account,) = _accounts(engine, 1)
    cert = issuer.request(account_id=account.id)
    with session_scope(engine) as s:
        row = s.scalars(select(Certificate).where(Certificate.number == cert.number)).one()
        digests = list(s.scalars(select(Certificate.digest).where(Certificate.batch_id == row.batch_id)
                                 .order_by(Certificate.leaf_index)))
        assert row.cose is not None and row.leaf_index is not None
        assert certificate_text(row.cose, digests, row.leaf_index) == cert.text


def test_without_a_chain_a_request_waits_and_says_so(tmp_path: Path, network: tuple[Settings, IssuerSettings, Contracts],
                                                      engine: Engine) -> None:
    from issuer.anchoring import Anchorer

    ns, iset, _ = network
    live = open_issuer(CENTRE, node_settings=ns, issuer_settings=iset, engine=engine)
    dead = Issuer(centre=CENTRE, engine=engine, passphrase=live.passphrase, consortium_key=DEMO_CONSORTIUM_KEY,
                  anchorer=Anchorer(RpcClient(f"http://127.0.0.1:{free_port()}", timeout=0.5), ledger=live.anchorer.ledger,
                                    account=live.anchorer.account, chain_id=46000, centre=CENTRE, home=ns.home))
    (account,) = _accounts(engine, 1)
    cert_id = dead.submit(account_id=account.id)
    with pytest.raises(ChainUnavailable):
        dead.wait(cert_id, timeout=1)
    assert dead.certificate_by_id(cert_id).text is None  # never handed out without its proof
    # The live issuer (the service after a restart) anchors it.
    live.recover()
    assert live.certificate_by_id(cert_id).text is not None
