"""Running the consortium from the command line and the staff API, on a real anvil node: a new bank
(91000003) and a new centre (460300) join end to end, a listed person appeals, a proposal is
cancelled, and the suspended-approver attack is refused."""

from __future__ import annotations

import hashlib
import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from issuer.db import Account, AccountStatus, make_engine, session_scope
from issuer.ids import make_id
from issuer.settings import IssuerSettings
from node.keystore import DEMO_KEY_PASSPHRASE, load_account

from .network import Network, centre_with_accounts, local_network

pytestmark = pytest.mark.integration
BANK = 91000003
NEW_CENTRE = 460300


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    home = tmp_path_factory.mktemp("consortium")
    with local_network(home) as network:
        centre_with_accounts(home, 460100, 6, seed=21).dispose()
        yield network


@pytest.fixture(scope="module")
def env(net: Network) -> dict[str, str]:
    return net.env(HPF_BATCH_TIMEOUT="0.2")


def hpf(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "issuer.console", *args], env=env, capture_output=True, text=True,
                          input=stdin, timeout=240, cwd=env["HPF_HOME"])


def ok(r: subprocess.CompletedProcess[str]) -> Any:
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout) if r.stdout.strip().startswith(("{", "[")) else r.stdout


def _first_account(home: Path, centre: int) -> str:
    eng = make_engine(IssuerSettings(home=home).database_url_for(centre))
    try:
        with session_scope(eng) as s:
            a = s.scalars(select(Account).where(Account.centre_code == centre, Account.status != AccountStatus.CLOSED,
                                                Account.last_month.is_not(None)).order_by(Account.id)).first()
            assert a is not None
            return a.id_number
    finally:
        eng.dispose()


def _enact(env: dict[str, str], action: str, *args: str, proposer: int = 460100, approver: int = 460200) -> int:
    pid = ok(hpf(env, "consortium", "propose", action, *args, "--centre", str(proposer), "--yes", "--json"))["proposal"]
    ok(hpf(env, "consortium", "approve", str(pid), "--centre", str(approver), "--yes"))
    ok(hpf(env, "consortium", "execute", str(pid), "--centre", str(approver), "--yes"))
    return int(pid)


def test_new_bank_joins_end_to_end(net: Network, env: dict[str, str], tmp_path: Path) -> None:
    request = tmp_path / "request.json"
    ok(hpf(env, "lender", "init", "--id", str(BANK), "--name", "演示城市商业银行", "--out", str(request)))
    join = json.loads(request.read_text())
    key_file = net.home / "keys" / f"institution-{BANK}.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600 and join["account"][2:].lower() in key_file.read_text().lower()
    assert "private" not in request.read_text()

    w3 = net.contracts.consortium.w3
    pid = ok(hpf(env, "consortium", "propose", "register-institution", "--request", str(request),
                 "--centre", "460100", "--yes", "--json"))["proposal"]
    # One approval of two: refused before anything is sent, with the reason in one sentence.
    block = w3.eth.block_number
    r = hpf(env, "consortium", "execute", str(pid), "--centre", "460100", "--yes")
    assert r.returncode == 1 and "too few approvals" in r.stderr and "Traceback" not in r.stderr
    assert w3.eth.block_number == block
    ok(hpf(env, "consortium", "approve", str(pid), "--centre", "460200", "--yes"))
    done = ok(hpf(env, "consortium", "execute", str(pid), "--centre", "460200", "--yes", "--json"))
    assert done["executed"] is True
    institutions = ok(hpf(env, "consortium", "institutions", "--json"))
    bank = next(i for i in institutions if i["id"] == BANK)
    assert bank["name"] == "演示城市商业银行" and bank["status"] == "active" and bank["sponsor"] == 460100

    # A certificate for the new bank verifies VALID as it, and its check is traced as it.
    cert = tmp_path / "cert.txt"
    ok(hpf(env, "issue", "--centre", "460100", "--id", _first_account(net.home, 460100), "--audience", str(BANK),
           "--out", str(cert)))
    v = hpf(env, "verify", str(cert), "--as", str(BANK), "--json")
    result = json.loads(v.stdout.splitlines()[0])
    assert v.returncode == 0 and result["verdict"] == "VALID", v.stdout + v.stderr
    from node.deploy import DeploymentRecord
    from node.indexer import Indexer

    record = DeploymentRecord.load(net.settings.deployment_file)
    ix = Indexer(w3, record.addresses(), record.start_block, tmp_path / "index.sqlite")
    ix.sync()
    from node.sealing import DEMO_TRACE_PRIVATE_KEY  # records are sealed: the centres open them

    ix.open_accesses(ix.trace_key_versions([DEMO_TRACE_PRIVATE_KEY]))
    recorders = {a.recorder for a in ix.accesses_to(bytes.fromhex(result["digest"][2:]))}
    assert recorders == {BANK}
    # Another lender: WRONG_AUDIENCE protects the bank's certificate.
    other = hpf(env, "verify", str(cert), "--as", "91000002", "--json")
    assert other.returncode == 1 and "WRONG_AUDIENCE" in other.stdout
    # The bank's own account cannot speak for another institution: bad usage, nothing recorded.
    bank_key = load_account(key_file, DEMO_KEY_PASSPHRASE).key.hex()
    mismatch = hpf({**env, "HPF_INSTITUTION_KEY": bank_key}, "verify", str(cert), "--as", "91000002")
    assert mismatch.returncode == 64 and f"belongs to institution {BANK}" in mismatch.stderr

    # Its verifier's API key: issued per institution, hashed at rest, revocable at once.
    issued = ok(hpf(env, "verifier", "keys", "add", "--institution", str(BANK), "--label", "loan desk", "--json"))
    store = net.home / "verifier" / "apikeys.sqlite"
    assert issued["key"].encode() not in store.read_bytes()
    assert hashlib.sha256(issued["key"].encode()).digest() in store.read_bytes()
    from verifier.api.main import create_app

    settings = net.settings
    with TestClient(create_app(settings)) as c:
        r = c.post("/v1/verify", json={"hpf1": cert.read_text().strip()}, headers={"X-API-Key": issued["key"]})
        assert r.status_code == 200 and r.json()["verdict"] == "VALID", r.text
        demo = c.post("/v1/verify", json={"hpf1": cert.read_text().strip()}, headers={"X-API-Key": "demo-key-91000002"})
        assert demo.status_code == 200 and demo.json()["verdict"] == "INVALID"
        ok(hpf(env, "verifier", "keys", "revoke", str(issued["id"])))
        r = c.post("/v1/verify", json={"hpf1": cert.read_text().strip()}, headers={"X-API-Key": issued["key"]})
        assert r.status_code == 401
    listed = ok(hpf(env, "verifier", "keys", "list", "--json"))
    assert [k["status"] for k in listed if k["id"] == issued["id"]] == ["revoked"]


def test_new_centre_joins_end_to_end(net: Network, env: dict[str, str], tmp_path: Path) -> None:
    join = tmp_path / "join.json"
    bad = hpf(env, "centre", "init", "--code", str(NEW_CENTRE), "--name", "三沙市住房公积金管理局", "--algorithm", "rsa")
    assert bad.returncode == 64 and "sm2" in bad.stderr
    # The new centre chooses the national suite (国密) for its first signing key.
    ok(hpf(env, "centre", "init", "--code", str(NEW_CENTRE), "--name", "三沙市住房公积金管理局", "--algorithm", "sm2",
           "--out", str(join)))
    request = json.loads(join.read_text())
    assert request["kind"] == "centre" and request["code"] == NEW_CENTRE and request["algorithm"] == "SM2"
    # Before admission its admin cannot act.
    r = hpf(env, "consortium", "propose", "set-threshold", "--threshold", "1", "--centre", str(NEW_CENTRE), "--yes")
    assert r.returncode == 1 and "not the admin account of an active member" in r.stderr
    pid = ok(hpf(env, "consortium", "propose", "admit-centre", "--request", str(join), "--centre", "460100",
                 "--yes", "--json"))["proposal"]
    proposals = ok(hpf(env, "consortium", "proposals", "--json"))
    shown = next(p for p in proposals if p["id"] == pid)
    assert shown["state"] == "open" and "三沙市住房公积金管理局" in shown["does_zh"] and shown["approvers"] == [460100]
    ok(hpf(env, "consortium", "approve", str(pid), "--centre", "460400", "--yes"))
    ok(hpf(env, "consortium", "execute", str(pid), "--centre", "460400", "--yes"))
    # Admitting it twice cannot pass: refused before a proposal is made.
    r = hpf(env, "consortium", "propose", "admit-centre", "--request", str(join), "--centre", "460100", "--yes")
    assert r.returncode == 1 and "already a member" in r.stderr

    ok(hpf(env, "centre", "register-key", "--centre", str(NEW_CENTRE)))
    members = ok(hpf(env, "consortium", "members", "--json"))
    sansha = next(m for m in members if m["code"] == NEW_CENTRE)
    assert sansha["status"] == "active" and sansha["name"] == "三沙市住房公积金管理局"
    assert sansha["admin"] == request["admin"] and [k["key_id"] for k in sansha["keys"]] == [request["signing_key"]]

    centre_with_accounts(net.home, NEW_CENTRE, 4, seed=5).dispose()
    cert = tmp_path / "sansha.txt"
    ok(hpf(env, "issue", "--centre", str(NEW_CENTRE), "--id", _first_account(net.home, NEW_CENTRE), "--out", str(cert)))
    v = hpf(env, "verify", str(cert), "--json")
    assert v.returncode == 0 and json.loads(v.stdout.splitlines()[0])["verdict"] == "VALID", v.stdout + v.stderr
    from verifier import format as fmt

    assert fmt.decode(cert.read_text()).algorithm == "SM2"


def test_blacklist_appeal_flow(net: Network, env: dict[str, str]) -> None:
    who = make_id(region_code=460100, birth_date=date(1990, 1, 1), sequence=123)
    entry = ok(hpf(env, "blacklist", "add", "--centre", "460100", "--id", who, "--reason", "loan-default",
                   "--years", "3", "--json"))["entry_id"]
    # Only the listing centre acts on its entries.
    r = hpf(env, "blacklist", "appeal", str(entry), "--centre", "460200", "--note", "申诉")
    assert r.returncode == 1 and "Only centre 460100" in r.stderr
    ok(hpf(env, "blacklist", "appeal", str(entry), "--centre", "460100", "--note", "本人称已于2026年还清贷款"))
    seen = hpf(env, "blacklist", "check", "--centre", "460200", who, "--json")
    assert seen.returncode == 1 and [e["under_appeal"] for e in json.loads(seen.stdout)["entries"]] == [True]
    assert "申诉中" in hpf(env, "blacklist", "check", "--centre", "460400", who).stdout
    stats = ok(hpf(env, "blacklist", "stats", "--centre", "460200", "--json"))
    assert [(a["id"], a["age_days"]) for a in stats["open_appeals"]] == [(entry, 0)]
    ok(hpf(env, "blacklist", "confirm", str(entry), "--centre", "460100", "--note", "未提供还款凭证"))
    seen = json.loads(hpf(env, "blacklist", "check", "--centre", "460200", who, "--json").stdout)
    assert [e["under_appeal"] for e in seen["entries"]] == [False]

    # Lifting takes a code; free text is refused, and a note with personal data never reaches the chain.
    r = hpf(env, "blacklist", "lift", str(entry), "--centre", "460100", "--reason", "paid back by 张三")
    assert r.returncode == 64 and "appeal-upheld" in r.stderr
    note = f"张三 {who} 已结清"
    lifted = ok(hpf(env, "blacklist", "lift", str(entry), "--centre", "460100", "--reason", "settled",
                    "--note", note, "--json"))
    w3 = net.contracts.consortium.w3
    tx = w3.eth.get_transaction(lifted["tx"])
    receipt = w3.eth.get_transaction_receipt(lifted["tx"])
    on_chain = bytes(tx["input"]) + b"".join(bytes(log["data"]) for log in receipt["logs"])
    assert who.encode() not in on_chain and "张三".encode() not in on_chain
    event = net.contracts.blacklist.events(receipt, "EntryLifted")[0]
    assert event["reason"] == 3 and bytes(event["noteHash"]) == hashlib.sha256(note.encode()).digest()
    assert hpf(env, "blacklist", "check", "--centre", "460200", who).returncode == 0
    log = ok(hpf(env, "consortium", "audit", "--centre", "460100", "--json"))
    assert [e["action"] for e in log[:3]] == ["blacklist-lift", "blacklist-confirm", "blacklist-appeal"]
    assert log[0]["note"] == note and log[0]["actor"].startswith("cli:") and log[0]["tx"] == lifted["tx"]


def test_cancel_a_proposal(env: dict[str, str]) -> None:
    pid = ok(hpf(env, "consortium", "propose", "set-threshold", "--threshold", "3", "--centre", "460400",
                 "--yes", "--json"))["proposal"]
    r = hpf(env, "consortium", "cancel", str(pid), "--centre", "460200", "--yes")
    assert r.returncode == 1 and "only the centre that proposed it" in r.stderr
    # Without --yes nothing is sent unless the operator says so.
    r = hpf(env, "consortium", "cancel", str(pid), "--centre", "460400", stdin="n\n")
    assert r.returncode == 1 and "撤销提案" in r.stdout
    ok(hpf(env, "consortium", "cancel", str(pid), "--centre", "460400", "--yes"))
    r = hpf(env, "consortium", "approve", str(pid), "--centre", "460100", "--yes")
    assert r.returncode == 1 and "cancelled" in r.stderr
    state = next(p for p in ok(hpf(env, "consortium", "proposals", "--json")) if p["id"] == pid)
    assert state["state"] == "cancelled"


def test_staff_api_governance(net: Network, env: dict[str, str]) -> None:
    from issuer.api.main import create_app

    staff = {"X-Staff-Key": "demo-staff-460200"}
    app = create_app(460200, node_settings=net.settings, issuer_settings=IssuerSettings(home=net.home))
    with TestClient(app) as c:
        assert {m["code"] for m in c.get("/v1/staff/consortium/members", headers=staff).json()} >= {460100, 460200}
        assert c.get("/v1/staff/consortium/proposals").status_code == 401
        body = {"action": "suspend-institution", "id": 91000001}
        preview = c.post("/v1/staff/consortium/proposals/preview", headers=staff, json=body)
        assert preview.status_code == 200 and preview.json()["does_zh"] == "暂停机构 91000001"
        pid = c.post("/v1/staff/consortium/proposals", headers=staff, json=body).json()["proposal"]
        r = c.post(f"/v1/staff/consortium/proposals/{pid}/approve", headers=staff)
        assert r.status_code == 409 and "already approved" in r.json()["error"]
        assert c.post(f"/v1/staff/consortium/proposals/{pid}/cancel", headers=staff).json()["cancelled"] is True
        bad = c.post("/v1/staff/consortium/proposals", headers=staff, json={"action": "dissolve"})
        assert bad.status_code == 400
        log = c.get("/v1/staff/audit", headers=staff).json()
        fingerprint = "staff-key:" + hashlib.sha256(b"demo-staff-460200").hexdigest()[:12]
        assert [(e["action"], e["actor"]) for e in log[:2]] == [("cancel", fingerprint), ("propose", fingerprint)]
        assert "demo-staff-460200" not in json.dumps(log)


def test_suspended_approver_cannot_lend_its_approval(net: Network, env: dict[str, str]) -> None:
    """Found by testing: Haikou proposed, Sanya approved, Sanya was suspended, and Haikou alone
    executed a 2-of-3 proposal. Now only approvals of currently active members count."""
    pid = ok(hpf(env, "consortium", "propose", "set-threshold", "--threshold", "1", "--centre", "460100",
                 "--yes", "--json"))["proposal"]
    ok(hpf(env, "consortium", "approve", str(pid), "--centre", "460200", "--yes"))
    _enact(env, "suspend-centre", "--code", "460200", proposer=460100, approver=460400)
    r = hpf(env, "consortium", "execute", str(pid), "--centre", "460100", "--yes")
    assert r.returncode == 1 and "too few approvals from centres that are active members now" in r.stderr
    assert net.contracts.consortium.threshold() == 2
    shown = next(p for p in ok(hpf(env, "consortium", "proposals", "--json")) if p["id"] == pid)
    assert (shown["approvals"], shown["active_approvals"]) == (2, 1)
    # The suspended centre cannot approve either; once reinstated, its approval counts again.
    r = hpf(env, "consortium", "approve", str(pid), "--centre", "460200", "--yes")
    assert r.returncode == 1 and "not the admin account of an active member" in r.stderr
    _enact(env, "reinstate-centre", "--code", "460200", proposer=460400, approver=460100)
    ok(hpf(env, "consortium", "execute", str(pid), "--centre", "460100", "--yes"))
    assert net.contracts.consortium.threshold() == 1


def test_remote_genesis_with_lenders_fails_loudly_without_admin_keys(net: Network, tmp_path: Path) -> None:
    genesis = {
        "centres": [{"code": 460100, "name": "海口", "admin": "0x" + "11" * 20, "operator": "0x" + "12" * 20}],
        "threshold": 1,
        "institutions": [{"id": 91000009, "name": "Bank", "account": "0x" + "13" * 20, "sponsor": 460100}],
    }
    path = tmp_path / "genesis.json"
    path.write_text(json.dumps(genesis))
    remote = {**net.env(), "HPF_RPC_URL": net.node.cfg.rpc_url, "HPF_DEPLOYMENTS_DIR": str(tmp_path / "deployments"),
              "HPF_DEPLOYER_KEY": "0x" + "ab" * 32}
    r = hpf(remote, "deploy", "--genesis", str(path))
    assert r.returncode == 1 and "admin keys" in r.stderr
    assert not (tmp_path / "deployments").exists() or not any((tmp_path / "deployments").iterdir())
    # With the founding centre's admin key at hand, the lender is registered (by a real proposal).
    from node.accounts import demo_account, demo_deployer

    admin, operator, bank = demo_account(9), demo_account(10), demo_account(11)
    genesis["centres"][0].update(admin=admin.address, operator=operator.address)
    genesis["institutions"][0]["account"] = bank.address
    path.write_text(json.dumps(genesis))
    r = hpf({**remote, "HPF_DEPLOYER_KEY": demo_deployer().key.hex(), "HPF_ADMIN_KEY": admin.key.hex()},
            "deploy", "--genesis", str(path), "--json")
    assert ok(r)["proposals_executed"] == 1


def test_employee_sees_own_entries_and_how_to_appeal(net: Network, env: dict[str, str]) -> None:
    from issuer.api.main import create_app
    from issuer.passwords import set_password

    eng = make_engine(IssuerSettings(home=net.home).database_url_for(460100))
    try:
        with session_scope(eng) as s:
            people = list(s.scalars(select(Account.id_number).where(Account.centre_code == 460100)
                                    .order_by(Account.id).limit(2)))
        for p in people:
            set_password(eng, 460100, p, "employee-pass-1")
    finally:
        eng.dispose()
    listed, clear = people
    ok(hpf(env, "blacklist", "add", "--centre", "460200", "--id", listed, "--reason", "fraudulent-loan", "--years", "3"))
    app = create_app(460100, node_settings=net.settings, issuer_settings=IssuerSettings(home=net.home))
    with TestClient(app) as c:
        assert c.post("/v1/login", json={"id_number": listed, "password": "employee-pass-1"}).status_code == 200
        mine = c.get("/v1/me/blacklist").json()
        assert mine["listed"] and [(e["centre"], e["reason_zh"], e["under_appeal"]) for e in mine["entries"]] == [
            (460200, "骗取贷款", False)]
        assert mine["entries"][0]["centre_name"] == "三亚市住房公积金管理局" and "12329" in mine["how_to_appeal_zh"]
        c.post("/v1/logout")
        assert c.post("/v1/login", json={"id_number": clear, "password": "employee-pass-1"}).status_code == 200
        assert c.get("/v1/me/blacklist").json() == {"listed": False, "entries": [], "how_to_appeal_zh": mine["how_to_appeal_zh"]}
        c.post("/v1/logout")
        assert c.get("/v1/me/blacklist").status_code == 401
