"""A full demo day on a real chain, then a scan of every event and every transaction input:
nothing personal, no subject reference or certificate digest in more than one record, no free
text (docs/privacy.md). And yet the holder's centre still finds every verification and check."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_utils import event_abi_to_log_topic
from sqlalchemy import select
from web3 import Web3

from issuer import appeals
from issuer.blacklist import open_service
from issuer.db import Account, AccountStatus, session_scope
from issuer.ids import subject_ref
from issuer.issuance import open_issuer
from issuer.settings import DEMO_CONSORTIUM_KEY, IssuerSettings
from node import accounts as demo
from node.bindings import AccessPurpose, RevocationReason
from node.compiler import compile_contracts
from node.indexer import Indexer
from node.sealing import DEMO_TRACE_PRIVATE_KEY
from verifier import format as fmt
from verifier.chain import RpcChainReader, RpcClient
from verifier.pipeline import Verifier
from verifier.result import Verdict
from verifier.trace import open_queue

from .network import centre_with_accounts, local_network

pytestmark = pytest.mark.integration
HAIKOU, SANYA = 460100, 460200
BANKS = (91000001, 91000002)


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Issue (full and minimal), verify by two banks, a bank's blacklist check, list, check by two
    centres, appeal, confirm, lift, revoke: what a day of the demo consortium does."""
    home = tmp_path_factory.mktemp("linkability")
    with local_network(home) as net:
        ns, iset = net.settings, IssuerSettings(home=home)
        engines = {c: centre_with_accounts(home, c, 8, seed=31 + c % 7) for c in (HAIKOU, SANYA)}
        issuer = open_issuer(HAIKOU, node_settings=ns, issuer_settings=iset, engine=engines[HAIKOU], batch_timeout=0.2)
        with session_scope(engines[HAIKOU]) as s:
            people = list(s.scalars(select(Account).where(Account.status != AccountStatus.CLOSED,
                                                          Account.last_month.is_not(None)).order_by(Account.id)))[:2]
            for p in people:
                s.expunge(p)
        a, b = people
        full_a = issuer.request(account_id=a.id, purpose="housing-loan", audience=BANKS[0])
        minimal_a = issuer.request(account_id=a.id, purpose="rental", minimal=True)
        again_a = issuer.request(account_id=a.id, purpose="commercial-loan", minimal=True)
        full_b = issuer.request(account_id=b.id, purpose="other")
        certs = [full_a, minimal_a, again_a, full_b]
        c = net.contracts
        reader = RpcChainReader(RpcClient(ns.effective_rpc_url), ledger=c.ledger.address,
                                consortium=c.consortium.address, blacklist=c.blacklist.address)
        # Two banks verify; each verification is traced, as `hpf verify --as` and the API do.
        seen: dict[int, list[str]] = {}
        for bank, texts in ((BANKS[0], [full_a.text, minimal_a.text]), (BANKS[1], [full_a.text, again_a.text,
                                                                                  full_b.text])):
            results = [Verifier(reader, institution=bank).verify(t) for t in texts]
            seen[bank] = [r.verdict for r in results]
            queue = open_queue(ns, bank)
            queue.add([(bytes.fromhex(r.digest[2:]), AccessPurpose.CERTIFICATE_VERIFIED) for r in results])
            subject = fmt.decode(texts[0]).certificate.subject_ref  # GET /v1/blacklist/{subject}
            queue.add([(subject, AccessPurpose.BLACKLIST_CHECKED)])
            queue.flush_all()
            queue.stop()
        # The blacklist: Haikou lists a, both centres check a by ID, a appeals, Haikou confirms, lifts.
        haikou = open_service(ns, HAIKOU, DEMO_CONSORTIUM_KEY, quota=10)
        sanya = open_service(ns, SANYA, DEMO_CONSORTIUM_KEY, quota=10)
        listed = haikou.add(a.id_number, "forged-materials", 3, note=f"{a.name} 伪造材料，案卷号 2026-17")
        haikou.check(a.id_number)
        sanya.check(a.id_number)
        # The appeal as staff carry it out (issuer.appeals): their notes name the person and stay
        # in the centre's audit log; only reason codes and the notes' hashes reach the chain.
        appeals.appeal(haikou, engines[HAIKOU], listed.entry_id, note=f"{a.name} 称材料真实", actor="test")
        appeals.confirm(haikou, engines[HAIKOU], listed.entry_id, note=f"{a.name} 未能提供新证据", actor="test")
        appeals.lift(haikou, engines[HAIKOU], listed.entry_id, reason="appeal-upheld",
                     note=f"{a.name} 申诉成立，原列入依据不足", actor="test")
        issuer.revoke(full_b.number, "人工撤销：单位信息有误", code=RevocationReason.ISSUED_IN_ERROR)
        issuer.close()
        w3 = c.consortium.w3
        yield {"w3": w3, "net": net, "engines": engines, "certs": certs, "people": people, "seen": seen,
               "listed": listed, "addresses": c.addresses()}
        for e in engines.values():
            e.dispose()


def _everything(w3: Web3, addresses: dict[str, str]) -> tuple[list[Any], list[bytes]]:
    head = w3.eth.block_number
    logs = w3.eth.get_logs({"fromBlock": 0, "toBlock": head})
    inputs = [bytes(tx["input"]) for n in range(head + 1)
              for tx in w3.eth.get_block(n, full_transactions=True)["transactions"]]
    return logs, inputs


def _personal_values(engines: dict[int, Any]) -> dict[str, bytes]:
    """Every demo account's name, ID number, account numbers, employer and amounts, as the bytes
    they would take on chain: UTF-8 text, ASCII digits, a 32-byte ABI word for an amount."""
    values: dict[str, bytes] = {}
    for engine in engines.values():
        with session_scope(engine) as s:
            for acc in s.scalars(select(Account)):
                for text in (acc.name, acc.id_number, acc.personal_account, acc.employer_account, acc.employer_name):
                    values[f"{acc.id}:{text}"] = text.encode("utf-8")
                for amount in (acc.balance, acc.monthly_amount, acc.deposit_base):
                    if amount >= 10_000:  # under 100 yuan a word could be a count or a code
                        values[f"{acc.id}:{amount} fen"] = amount.to_bytes(32, "big")
                        values[f"{acc.id}:{amount} text"] = str(amount).encode()
    return values


def test_the_day_happened(day: dict[str, Any]) -> None:
    # the second bank may not rely on the certificate meant for the first (WRONG_AUDIENCE)
    assert day["seen"] == {BANKS[0]: [Verdict.VALID] * 2, BANKS[1]: [Verdict.INVALID, Verdict.VALID, Verdict.VALID]}


def test_no_personal_value_in_any_event_or_transaction(day: dict[str, Any]) -> None:
    logs, inputs = _everything(day["w3"], day["addresses"])
    assert len(logs) > 20 and len(inputs) > 20
    blobs = [b"".join(bytes(t) for t in lg["topics"]) + bytes(lg["data"]) for lg in logs] + inputs
    values = _personal_values(day["engines"])
    assert len(values) > 60
    found = [(what, i) for what, v in values.items() for i, blob in enumerate(blobs) if v in blob]
    assert found == []


def test_no_reference_in_more_than_one_record(day: dict[str, Any]) -> None:
    """Each certificate digest and subject reference is in at most one event and one
    transaction in clear (a listing names its subject once, a revocation its digest once); the
    access records and `record` inputs hold none at all."""
    logs, inputs = _everything(day["w3"], day["addresses"])
    refs = {f"digest {c.number}": bytes(c.digest) for c in day["certs"]}
    for p in day["people"]:
        refs[f"subject {p.id}"] = subject_ref(DEMO_CONSORTIUM_KEY, p.id_number, normalised=True)
    trace = day["addresses"]["AccessTrace"].lower()
    for what, ref in refs.items():
        in_events = [lg for lg in logs if ref in b"".join(bytes(t) for t in lg["topics"]) + bytes(lg["data"])]
        in_inputs = [x for x in inputs if ref in x]
        assert len(in_events) <= 1 and len(in_inputs) <= 1, what
        assert not any(lg["address"].lower() == trace for lg in in_events), what
    # And no 32-byte value at all repeats across access records.
    words = [bytes(lg["data"])[i:i + 32] for lg in logs if lg["address"].lower() == trace and len(lg["data"]) == 128
             for i in range(32, 96, 32)]
    assert len(words) == len(set(words)) and len(words) >= 2 * 9


def test_no_free_text_on_chain(day: dict[str, Any]) -> None:
    """The only strings in events are the centres' and institutions' registered names and the
    hash of a lift reason."""
    logs, _ = _everything(day["w3"], day["addresses"])
    artifacts = compile_contracts()
    by_topic = {}
    for name in day["addresses"]:
        for item in artifacts[name].abi:
            if item["type"] == "event":
                by_topic[bytes(event_abi_to_log_topic(item))] = item
    allowed = {c.name for c in demo.DEMO_CENTRES} | {i.name for i in demo.DEMO_INSTITUTIONS}
    strings = []
    for lg in logs:
        abi = by_topic[bytes(lg["topics"][0])]
        plain = [i for i in abi["inputs"] if not i["indexed"]]
        values = abi_decode([i["type"] for i in plain], bytes(lg["data"]))
        strings += [v for i, v in zip(plain, values, strict=True) if i["type"] == "string"]
    assert strings, "the registered names are strings"
    for text in strings:  # lifts carry a reason code and a note's hash: no free text at all
        assert text in allowed, text


def test_the_holders_centre_still_finds_every_access(day: dict[str, Any]) -> None:
    """(a) the holder's centre, with the trace key, joins the records of each of its
    certificates; (b) every member centre audits the checks of a subject."""
    net = day["net"]
    idx = Indexer(day["w3"], day["addresses"], 0, net.home / "audit-index.sqlite")
    idx.sync()
    assert idx.accesses_to(bytes(day["certs"][0].digest)) == []  # sealed until opened
    idx.open_accesses(idx.trace_key_versions([DEMO_TRACE_PRIVATE_KEY]))
    assert idx.unreadable_accesses() == 0
    full_a, minimal_a, again_a, _ = day["certs"]
    assert [r.recorder for r in idx.accesses_to(bytes(full_a.digest))] == list(BANKS)
    assert [r.recorder for r in idx.accesses_to(bytes(minimal_a.digest))] == [BANKS[0]]
    assert [r.recorder for r in idx.accesses_to(bytes(again_a.digest))] == [BANKS[1]]
    a = day["people"][0]
    checks = idx.accesses_to(subject_ref(DEMO_CONSORTIUM_KEY, a.id_number, normalised=True))
    assert sorted(r.recorder for r in checks) == sorted([*BANKS, HAIKOU, SANYA])
    assert {r.purpose for r in checks} == {int(AccessPurpose.BLACKLIST_CHECKED)}
    # Without the key, nothing: another key opens none of them.
    other = Indexer(day["w3"], day["addresses"], 0, net.home / "outsider-index.sqlite")
    other.sync()
    other.open_accesses({1: bytes(range(32))})
    assert other.accesses_to(bytes(full_a.digest)) == [] and other.unreadable_accesses() > 0
