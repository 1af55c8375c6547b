"""Blacklist operations across centres, against a real anvil node: list in Haikou, found by
Sanya; lifted and expired entries no longer count; refusals write nothing; import is idempotent."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from issuer.blacklist import BadBlacklistInput, BlacklistError, BlacklistService, open_service
from issuer.errors import InvalidIdNumber
from issuer.ids import make_id, subject_ref
from issuer.quotas import CheckQuota, QuotaExceeded
from issuer.settings import DEMO_CONSORTIUM_KEY
from node import accounts as demo
from node.bindings import AccessPurpose, AccessTraceBinding, LiftReason, Sender, unpack_access_record
from node.deploy import demo_admins, demo_genesis, deploy
from node.launcher import LocalNode, NodeConfig, free_port
from node.sealing import DEMO_TRACE_PRIVATE_KEY
from node.settings import Settings

pytestmark = pytest.mark.integration
KEY = DEMO_CONSORTIUM_KEY


def person(n: int) -> str:
    from datetime import date

    return make_id(region_code=460100, birth_date=date(1980 + n % 20, 1 + n % 12, 1 + n % 28), sequence=n % 1000)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    home = tmp_path_factory.mktemp("blacklist")
    node = LocalNode(NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=home / "node"))
    node.start()
    try:
        settings = Settings(home=home, deployments_dir=home / "deployments", node_port=node.cfg.port)
        w3 = Web3(Web3.HTTPProvider(node.cfg.rpc_url))
        deploy(w3, demo.demo_deployer(), demo_genesis(), settings.deployment_file, admins=demo_admins())
        yield settings
    finally:
        node.stop()


@pytest.fixture(scope="module")
def haikou(network: Settings) -> BlacklistService:
    return open_service(network, 460100, KEY)


@pytest.fixture(scope="module")
def sanya(network: Settings) -> BlacklistService:
    return open_service(network, 460200, KEY)


def test_listed_in_haikou_is_found_by_sanya(haikou: BlacklistService, sanya: BlacklistService) -> None:
    who = person(1)
    listed = haikou.add(who, "fraudulent-withdrawal", 3, note="伪造租房合同")
    found = sanya.check(who)
    assert found.listed and found.source == "index" and found.behind == 0
    assert [(e["id"], e["centre"], e["reason"]) for e in found.entries] == [(listed.entry_id, 460100, "fraudulent-withdrawal")]
    direct = sanya.check(who, direct=True)
    assert [e["id"] for e in direct.entries] == [listed.entry_id] and direct.source == "chain"
    # Nothing personal on chain: the subject is the HMAC, and the ID's digits appear nowhere.
    assert listed.subject == subject_ref(KEY, who)
    case = json.loads((haikou.storage / "cases" / f"{listed.case_hash.hex()}.json").read_text())
    assert case["note"] == "伪造租房合同" and who not in json.dumps(case)


def test_several_centres_list_the_same_person(haikou: BlacklistService, sanya: BlacklistService) -> None:
    who = person(2)
    a = haikou.add(who, "loan-default", 5)
    b = sanya.add(who, "fraudulent-loan", 4)
    assert {e["id"] for e in haikou.check(who).entries} == {a.entry_id, b.entry_id}


def test_sanya_cannot_lift_haikous_entry_and_haikou_can(haikou: BlacklistService, sanya: BlacklistService) -> None:
    who = person(3)
    entry = haikou.add(who, "forged-materials", 3)
    with pytest.raises(BlacklistError) as info:
        sanya.lift(entry.entry_id, LiftReason.OTHER)
    assert "Only the centre that listed" in str(info.value) and info.value.message_zh
    assert sanya.check(who).listed
    haikou.lift(entry.entry_id, LiftReason.APPEAL_UPHELD)
    assert not sanya.check(who).listed


def test_a_non_member_cannot_list(network: Settings, haikou: BlacklistService) -> None:
    stranger = BlacklistService(
        centre=460100, contracts=haikou.contracts, operator=Sender(haikou.w3, demo.demo_account(11)),
        indexer=haikou.indexer, consortium_key=KEY, storage=network.home / "stranger", trace=None)
    with pytest.raises(BlacklistError, match="not the operator"):
        stranger.add(person(4), "other", 3)


@pytest.mark.parametrize(
    ("id_number", "reason", "years", "error"),
    [
        ("460100198001011235", "loan-default", 3, InvalidIdNumber),  # wrong check digit
        ("12345", "loan-default", 3, InvalidIdNumber),
        (None, "stealing", 3, BadBlacklistInput),
        (None, "loan-default", 2, BadBlacklistInput),
        (None, "loan-default", 6, BadBlacklistInput),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(haikou: BlacklistService, id_number: str | None, reason: str,
                                                 years: int, error: type[Exception]) -> None:
    before = haikou.contracts.blacklist.counts_of(460100)
    cases_before = len(list((haikou.storage / "cases").glob("*"))) if (haikou.storage / "cases").exists() else 0
    with pytest.raises(error) as info:
        haikou.add(id_number or person(5), reason, years)
    assert getattr(info.value, "message_zh", None)
    assert haikou.contracts.blacklist.counts_of(460100) == before
    cases_after = len(list((haikou.storage / "cases").glob("*"))) if (haikou.storage / "cases").exists() else 0
    assert cases_after == cases_before


def test_expired_entries_no_longer_count(network: Settings) -> None:
    # Time only moves forward on the module's chain: later tests list with 5 years to stay clear
    # of this jump.
    svc = open_service(network, 460400, KEY)
    who = person(6)
    svc.add(who, "other", 3)
    assert svc.check(who).listed
    svc.w3.provider.make_request("evm_increaseTime", [3 * 365 * 24 * 3600 + 2 * 86400])  # type: ignore[arg-type]
    svc.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
    assert not svc.check(who).listed
    assert not svc.check(who, direct=True).listed


def test_import_validates_every_row_and_a_rerun_adds_nothing(haikou: BlacklistService, tmp_path: Path) -> None:
    good = tmp_path / "list.csv"
    with good.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id_number", "reason", "years", "note"])
        for n in range(100, 111):
            w.writerow([person(n), "loan-default", 4, f"case {n}"])
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text() + "460100198001011235,loan-default,4,x\n")
    before = haikou.contracts.blacklist.counts_of(460100)
    report = haikou.import_entries(bad)
    assert report.listed == 0 and [r["row"] for r in report.rejected] == [13]
    assert haikou.contracts.blacklist.counts_of(460100) == before

    first = haikou.import_entries(good)
    assert (first.listed, first.already) == (11, 0)
    again = haikou.import_entries(good)
    assert (again.listed, again.already) == (0, 11)


def test_check_file_writes_a_result_csv_and_traces_each_check(haikou: BlacklistService, tmp_path: Path) -> None:
    ids = tmp_path / "ids.csv"
    listed = person(500)
    haikou.add(listed, "loan-default", 5)
    ids.write_text("id_number\n" + "\n".join([listed, person(300), "not-an-id"]) + "\n")
    out = tmp_path / "result.csv"
    summary = haikou.check_file(ids, out)
    assert summary == {"rows": 3, "invalid": 1, "listed": 1, "clear": 1, "index_behind_blocks": 0}
    rows = list(csv.DictReader(out.open()))
    assert [r["listed"] for r in rows] == ["yes", "no", ""]
    assert rows[0]["id_masked"].startswith("460100********")
    subject = subject_ref(KEY, listed)
    logs = [lg for lg in haikou.contracts.trace.contract.events.AccessRecorded().get_logs(from_block=0)
            if AccessTraceBinding.open_record(lg["args"], DEMO_TRACE_PRIVATE_KEY) == subject]
    fields = [unpack_access_record(lg["args"]["record"]) for lg in logs]
    assert any(f.recorder == 460100 and f.purpose is AccessPurpose.BLACKLIST_CHECKED for f in fields)


def test_cli_exit_codes(network: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "HPF_HOME": str(network.home), "HPF_DEPLOYMENTS_DIR": str(network.deployments_dir),
           "HPF_NODE_PORT": str(network.node_port), "HPF_CONFIG": str(tmp_path / "none.toml")}

    def hpf(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "issuer.console", "blacklist", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    who = person(400)
    r = hpf("check", "--centre", "460200", who, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["listed"] is False
    r = hpf("add", "--centre", "460100", "--id", who, "--reason", "loan-default", "--years", "3", "--json")
    assert r.returncode == 0, r.stderr
    entry = json.loads(r.stdout)["entry_id"]
    r = hpf("check", "--centre", "460200", who)
    assert r.returncode == 1 and "已列入黑名单" in r.stdout
    r = hpf("lift", "--centre", "460200", str(entry), "--reason", "x")
    assert r.returncode == 64 and "appeal-upheld" in r.stderr
    r = hpf("lift", "--centre", "460200", str(entry), "--reason", "settled")
    assert r.returncode == 1 and "只有列入该条目的中心 460100 才能处理" in r.stderr
    r = hpf("add", "--centre", "460100", "--id", who, "--reason", "loan-default", "--years", "9")
    assert r.returncode == 64 and "3至5年" in r.stderr and "Traceback" not in r.stderr
    r = hpf("stats", "--centre", "460100", "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["by_centre"]["460100"] >= 1


def test_by_id_checks_stop_at_the_centres_daily_quota(network: Settings, tmp_path: Path) -> None:
    danzhou = open_service(network, 460400, KEY, quota=3)
    danzhou.quota = CheckQuota(tmp_path / "quota.sqlite", 3)  # today's count of this test alone
    danzhou.check(person(401))
    ids = tmp_path / "ids.csv"
    ids.write_text("id_number\n" + "\n".join([person(402), person(403), person(404), "not-an-id"]) + "\n")
    with pytest.raises(QuotaExceeded, match="quota of 3") as refused:
        danzhou.check_file(ids, tmp_path / "out.csv")  # three valid IDs, two checks left: none made
    assert refused.value.exit_code == 2 and not (tmp_path / "out.csv").exists()
    danzhou.check(person(402))
    danzhou.check(person(403))
    with pytest.raises(QuotaExceeded):
        danzhou.check(person(404))
    assert danzhou.quota is not None and danzhou.quota.used() == 3


def test_the_quota_counts_per_utc_day_and_survives_a_restart(tmp_path: Path) -> None:
    day = 86400 * 20_000
    quota = CheckQuota(tmp_path / "q.sqlite", 2)
    assert quota.take(2, now=day + 10) == 0
    with pytest.raises(QuotaExceeded):
        quota.take(1, now=day + 86399)
    quota.close()
    again = CheckQuota(tmp_path / "q.sqlite", 2)
    with pytest.raises(QuotaExceeded):
        again.take(1, now=day + 5)
    assert again.take(1, now=day + 86400) == 1  # the next UTC day
    assert CheckQuota(tmp_path / "none.sqlite", 0).used() == 0
    with pytest.raises(QuotaExceeded):
        CheckQuota(tmp_path / "none.sqlite", 0).take(1)
