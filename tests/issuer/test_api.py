"""The portal API against a real anvil node: login (and its rate limit), the account, requesting
and downloading certificates, who checked them, and the staff endpoints (revocation, blacklist)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from issuer.api import create_app
from issuer.db import Account, AccountStatus, Certificate, make_engine, session_scope, upgrade
from issuer.demo_data import generate_csv
from issuer.ids import make_id
from issuer.importer import import_accounts
from issuer.passwords import set_password
from issuer.settings import IssuerSettings
from node import accounts as demo
from node.bindings import AccessPurpose, Contracts, Sender
from node.launcher import free_port
from node.settings import Settings

from .network import local_network

pytestmark = pytest.mark.integration
CENTRE = 460100
PASSWORD = "s3cret-pass"
STAFF = {"X-Staff-Key": f"demo-staff-{CENTRE}"}


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, IssuerSettings, Contracts]]:
    home = tmp_path_factory.mktemp("portal")
    with local_network(home) as net:
        yield net.settings, IssuerSettings(home=home, batch_timeout=0.2), net.contracts


@pytest.fixture(scope="module")
def employees(network: tuple[Settings, IssuerSettings, Contracts]) -> list[str]:
    """ID numbers of three employees with deposits and a portal password."""
    _, iset, _ = network
    engine: Engine = make_engine(iset.database_url_for(CENTRE))
    upgrade(engine)
    path = generate_csv(iset.home / "accounts.csv", CENTRE, 30, seed=11)
    with session_scope(engine) as s:
        assert not import_accounts(s, CENTRE, path).rejected
    with session_scope(engine) as s:
        ids = list(s.scalars(select(Account.id_number).where(Account.status == AccountStatus.NORMAL,
                                                             Account.last_month.is_not(None))
                             .order_by(Account.id).limit(3)))
    for i in ids:
        set_password(engine, CENTRE, i, PASSWORD)
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def app(network: tuple[Settings, IssuerSettings, Contracts], employees: list[str]) -> Iterator[Any]:
    ns, iset, _ = network
    application = create_app(CENTRE, node_settings=ns, issuer_settings=iset)
    with TestClient(application):  # runs the lifespan: issuer started, documents preloaded
        yield application


def client(app: Any) -> TestClient:
    return TestClient(app)


def logged_in(app: Any, id_number: str) -> TestClient:
    c = client(app)
    r = c.post("/v1/login", json={"id_number": id_number, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return c


@pytest.fixture(scope="module")
def issued(app: Any, employees: list[str]) -> dict[str, Any]:
    """A certificate the first employee requested through the API."""
    c = logged_in(app, employees[0])
    r = c.post("/v1/certificates", json={"purpose": "rental", "audience": None})
    assert r.status_code == 200, r.text
    return r.json()


def assert_error(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error"] and body["error_zh"], body
    return body  # type: ignore[no-any-return]


def test_health_and_docs(app: Any) -> None:
    c = client(app)
    health = c.get("/healthz").json()
    assert health["status"] == "ok" and health["centre"] == CENTRE and health["issuer"]["running"]
    assert "/v1/login" in c.get("/openapi.json").json()["paths"]
    assert c.get("/docs").status_code == 200
    assert_error(c.get("/no/such/page"), 404)


def test_login_me_and_logout(app: Any, employees: list[str]) -> None:
    c = client(app)
    assert_error(c.get("/v1/me"), 401)
    r = c.post("/v1/login", json={"id_number": employees[0].lower(), "password": PASSWORD})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"]
    assert "hpf_session=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert "Max-Age=1800" in cookie
    me = c.get("/v1/me").json()
    acc = me["account"]
    assert acc["id_masked"] == employees[0][:6] + "********" + employees[0][14:]
    assert employees[0] not in str(me)
    assert acc["status"] == "normal" and acc["status_zh"] == "正常"
    assert isinstance(acc["balance"], int) and acc["balance_yuan"].count(".") == 1
    assert len(acc["balance_yuan"].split(".")[1]) == 2
    assert "*" in acc["personal_account_masked"] and acc["months_continuous"] >= 1
    assert me["centre_name"] == "海口市住房公积金管理局"
    assert c.post("/v1/logout").status_code == 200
    assert_error(c.get("/v1/me"), 401)
    # A forged or tampered cookie is no session.
    c.cookies.set("hpf_session", cookie.split(";")[0].split("=", 1)[1][:-2] + "xx")
    assert_error(c.get("/v1/me"), 401)


def test_wrong_password_and_unknown_id_give_the_same_401(app: Any, employees: list[str]) -> None:
    c = client(app)
    wrong = assert_error(c.post("/v1/login", json={"id_number": employees[1], "password": "not-it-at-all"}), 401)
    unknown_id = make_id(region_code=460100, birth_date=date(1970, 5, 5), sequence=999)
    unknown = assert_error(c.post("/v1/login", json={"id_number": unknown_id, "password": PASSWORD}), 401)
    assert wrong == unknown
    assert "身份证号或密码错误" in wrong["error_zh"]
    assert_error(c.post("/v1/login", json={"id_number": employees[1]}), 422)


def _fail_login(c: TestClient, id_number: str, **headers: str) -> Any:
    return c.post("/v1/login", json={"id_number": id_number, "password": "wrong-password"}, headers=headers)


def _stranger(n: int) -> str:
    return make_id(region_code=460100, birth_date=date(1971, 1 + n // 28, 1 + n % 28), sequence=101)


def test_login_delays_say_tries_left_and_a_known_device_still_passes(app: Any, employees: list[str]) -> None:
    """Five wrong passwords from elsewhere no longer lock the employee out (before: 429 for 15
    minutes, even with the right password): tries left are counted down, then attempts from
    unknown devices wait, growing; the employee's own device, known from an earlier login, passes."""
    state = app.state.hpf
    state.limiter.clear()
    victim = employees[2]
    device = logged_in(app, victim)
    assert device.cookies.get("hpf_device")
    attacker = client(app)
    left = [assert_error(_fail_login(attacker, victim), 401) for _ in range(5)]
    assert [b["tries_left"] for b in left] == [4, 3, 2, 1, 0]
    assert "还可尝试 4 次" in left[0]["error_zh"] and "须等待 30 秒" in left[4]["error_zh"]
    r = attacker.post("/v1/login", json={"id_number": victim, "password": PASSWORD})
    body = assert_error(r, 429)
    assert 1 <= int(r.headers["retry-after"]) <= 30 and "以前成功登录过的设备" in body["error_zh"]
    assert device.post("/v1/login", json={"id_number": victim, "password": PASSWORD}).status_code == 200
    # The delay doubles with each further failure once it has passed (the clock moved on).
    from datetime import timedelta

    from issuer.db.models import utcnow
    from issuer.limits import Attempt

    attempt = Attempt(account=victim, address="testclient")
    later = utcnow() + timedelta(seconds=31)
    assert state.limiter.wait(attempt, now=later) == 0
    state.limiter.failed(attempt, now=later)
    assert 59 <= state.limiter.wait(attempt, now=later) <= 60
    state.limiter.clear()


def test_login_limits_are_shared_by_workers_and_kept_across_restarts(
    network: tuple[Settings, IssuerSettings, Contracts], app: Any, employees: list[str]
) -> None:
    """Counts live in the database: failures seen by one worker delay the next try at another,
    and a worker started afterwards (a restart) knows them (before: each process counted its own)."""
    ns, iset, _ = network
    app.state.hpf.limiter.clear()
    other = create_app(CENTRE, node_settings=ns, issuer_settings=iset)
    with TestClient(other) as second:
        first = client(app)
        for n in range(5):
            assert_error(_fail_login(first if n % 2 else second, employees[1]), 401)
        assert_error(second.post("/v1/login", json={"id_number": employees[1], "password": PASSWORD}), 429)
    with TestClient(create_app(CENTRE, node_settings=ns, issuer_settings=iset)) as restarted:
        assert_error(restarted.post("/v1/login", json={"id_number": employees[1], "password": PASSWORD}), 429)
    app.state.hpf.limiter.clear()


def test_forwarded_for_is_believed_only_from_configured_proxies(
    network: tuple[Settings, IssuerSettings, Contracts], app: Any, employees: list[str]
) -> None:
    """Behind a configured proxy, one attacker's failures delay that attacker's address, not the
    innocent users behind the same proxy (before: 20 failures locked out everyone behind it);
    X-Forwarded-For from anyone else is ignored."""
    ns, iset, _ = network
    app.state.hpf.limiter.clear()
    proxied = create_app(CENTRE, node_settings=ns, issuer_settings=iset.model_copy(update={"trusted_proxies": "10.0.0.0/8"}))
    with TestClient(proxied, client=("10.0.0.9", 40000)) as via_proxy:
        for n in range(20):
            assert_error(_fail_login(via_proxy, _stranger(n), **{"X-Forwarded-For": "203.0.113.5"}), 401)
        assert_error(_fail_login(via_proxy, _stranger(21), **{"X-Forwarded-For": "203.0.113.5"}), 429)
        ok = via_proxy.post("/v1/login", json={"id_number": employees[0], "password": PASSWORD},
                            headers={"X-Forwarded-For": "198.51.100.7"})
        assert ok.status_code == 200, ok.text
        # A client that is not a proxy cannot pick its address: its X-Forwarded-For is ignored.
        direct = TestClient(proxied, client=("192.0.2.1", 40000))
        for n in range(20):
            assert_error(_fail_login(direct, _stranger(30 + n), **{"X-Forwarded-For": f"198.51.100.{n}"}), 401)
        assert_error(_fail_login(direct, _stranger(55), **{"X-Forwarded-For": "198.51.100.99"}), 429)
    app.state.hpf.limiter.clear()


def test_the_served_portal_ignores_forwarded_for_from_loopback(
    network: tuple[Settings, IssuerSettings, Contracts], app: Any
) -> None:
    """`hpf issuer serve` with no proxies configured: X-Forwarded-For sent from 127.0.0.1 no
    longer picks the address the limits count (before, uvicorn believed it from loopback, so
    every spoofed value was a fresh address and the address limit vanished)."""
    import json
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    ns, iset, _ = network
    port = free_port()
    env = {**os.environ, "HPF_HOME": str(iset.home), "HPF_DEPLOYMENTS_DIR": str(ns.deployments_dir),
           "HPF_NODE_PORT": str(ns.node_port), "HPF_CONFIG": str(iset.home / "none.toml"), "HPF_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "issuer.console", "issuer", "serve", "--centre", str(CENTRE),
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"

    def login(n: int) -> int:
        req = urllib.request.Request(base + "/v1/login", method="POST", headers={
            "Content-Type": "application/json", "X-Forwarded-For": f"198.51.100.{n}"},
            data=json.dumps({"id_number": _stranger(60 + n), "password": "wrong-password"}).encode())
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return int(r.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("the portal did not start: " + proc.stderr.read().decode()[-2000:]) from None
                time.sleep(0.2)
        app.state.hpf.limiter.clear()
        assert [login(n) for n in range(20)] == [401] * 20
        assert login(20) == 429
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        app.state.hpf.limiter.clear()


def test_request_list_and_download(app: Any, employees: list[str], issued: dict[str, Any]) -> None:
    c = logged_in(app, employees[0])
    assert issued["status"] == "anchored" and issued["ready"] and issued["text"].startswith("HPF1:")
    assert issued["purpose"] == "rental" and issued["purpose_zh"] == "租房" and issued["anchored_block"]
    number = issued["number"]
    listed = c.get("/v1/certificates").json()["certificates"]
    assert listed[0]["number"] == number
    assert c.get(f"/v1/certificates/{number}").json()["digest"] == issued["digest"]
    pdf = c.get(f"/v1/certificates/{number}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert f"{number}.pdf" in pdf.headers["content-disposition"] and "attachment" in pdf.headers["content-disposition"]
    assert c.get(f"/v1/certificates/{number}/pdf").content == pdf.content  # deterministic
    png = c.get(f"/v1/certificates/{number}/png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    txt = c.get(f"/v1/certificates/{number}/txt")
    assert txt.text.strip() == issued["text"]


def test_certificates_per_day_quota_answers_429(app: Any, employees: list[str]) -> None:
    """An employee past the day's quota of certificates gets 429 with Retry-After and one
    sentence (before: no limit); counted in the database, per employee."""
    from issuer.db import UsageCount

    state = app.state.hpf
    c = logged_in(app, employees[1])
    with session_scope(state.engine) as s:
        account_id = s.scalars(select(Account.id).where(Account.id_number == employees[1])).one()
        used = sum(s.scalars(select(UsageCount.count).where(UsageCount.key == f"certificates:{account_id}")))
    original = state.issuer_settings
    state.issuer_settings = original.model_copy(update={"certificates_per_day": used + 1})
    try:
        assert c.post("/v1/certificates", json={"purpose": "rental"}).status_code == 200
        r = c.post("/v1/certificates", json={"purpose": "rental"})
        body = assert_error(r, 429)
        assert "已达每日上限" in body["error_zh"] and 1 <= int(r.headers["retry-after"]) <= 86_400
    finally:
        state.issuer_settings = original


def test_another_employee_cannot_see_it(app: Any, employees: list[str], issued: dict[str, Any]) -> None:
    other = logged_in(app, employees[1])
    number = issued["number"]
    for suffix in ("", "/pdf", "/png", "/txt", "/accesses"):
        assert_error(other.get(f"/v1/certificates/{number}{suffix}"), 404)
    assert all(c["number"] != number for c in other.get("/v1/certificates").json()["certificates"])
    assert_error(client(app).get(f"/v1/certificates/{number}/pdf"), 401)


def test_institutions_and_audience(app: Any, employees: list[str]) -> None:
    c = logged_in(app, employees[1])
    found = c.get("/v1/institutions").json()["institutions"]
    assert {i["id"] for i in found} == {91000001, 91000002}
    assert any("演示银行" in i["name"] for i in found)
    r = c.post("/v1/certificates", json={"purpose": "housing-loan", "audience": 91000002})
    assert r.status_code == 200 and r.json()["audience"] == 91000002
    bad = assert_error(c.post("/v1/certificates", json={"purpose": "housing-loan", "audience": 12345}), 400)
    assert "机构" in bad["error_zh"]
    bad = assert_error(c.post("/v1/certificates", json={"purpose": "gambling"}), 400)
    assert "未知用途" in bad["error_zh"]
    bad = assert_error(c.post("/v1/certificates", json={"purpose": "rental", "audience": "abc"}), 422)
    assert bad["fields"][0]["field"] == "audience"


def test_accesses_show_who_verified(app: Any, network: tuple[Settings, IssuerSettings, Contracts],
                                    employees: list[str], issued: dict[str, Any]) -> None:
    _, _, contracts = network
    c = logged_in(app, employees[0])
    number = issued["number"]
    assert c.get(f"/v1/certificates/{number}/accesses").json()["accesses"] == []
    w3 = contracts.trace.contract.w3
    contracts.trace.record(Sender(w3, demo.demo_account(7)),
                           [(bytes.fromhex(issued["digest"]), AccessPurpose.CERTIFICATE_VERIFIED)])
    found = c.get(f"/v1/certificates/{number}/accesses").json()["accesses"]
    assert len(found) == 1
    a = found[0]
    assert a["institution"] == 91000001 and "演示银行海南分行" in a["institution_name"]
    assert a["purpose"] == "certificate-verified" and a["purpose_zh"] == "核验证明"
    assert a["time"].endswith("+00:00") and a["block"] > 0 and a["tx"].startswith("0x") and len(a["tx"]) == 66


def test_staff_key_is_required(app: Any) -> None:
    c = client(app)
    for method, path in [("get", "/v1/staff/status"), ("post", "/v1/staff/certificates"),
                         ("get", "/v1/staff/blacklist/stats"), ("get", "/v1/staff/blacklist/check?id_number=1")]:
        assert_error(getattr(c, method)(path), 401)
        assert_error(getattr(c, method)(path, headers={"X-Staff-Key": "guess"}), 401)
    status = c.get("/v1/staff/status", headers=STAFF).json()
    assert status["centre"] == CENTRE and status["certificates"]["anchored"] >= 1


def test_staff_issue_and_revoke(app: Any, employees: list[str]) -> None:
    c = client(app)
    r = c.post("/v1/staff/certificates", headers=STAFF, json={"id_number": employees[2], "purpose": "settlement"})
    assert r.status_code == 200, r.text
    number = r.json()["number"]
    assert_error(c.post(f"/v1/staff/certificates/{number}/revoke", headers=STAFF,
                        json={"reason": "x", "code": "bogus"}), 400)
    assert_error(c.post(f"/v1/staff/certificates/{number}/revoke", headers=STAFF, json={"code": "other"}), 422)
    r = c.post(f"/v1/staff/certificates/{number}/revoke", headers=STAFF,
               json={"reason": "issued to the wrong person", "code": "issued-in-error"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "revoked"
    got = c.get(f"/v1/staff/certificates/{number}", headers=STAFF).json()
    assert got["status"] == "revoked" and got["revocation_reason"] == "issued to the wrong person"
    again = assert_error(c.post(f"/v1/staff/certificates/{number}/revoke", headers=STAFF,
                                json={"reason": "again", "code": "other"}), 400)
    assert "已撤销" in again["error_zh"]
    assert_error(c.get("/v1/staff/certificates/460100-2026-99999999", headers=STAFF), 404)
    assert_error(c.post("/v1/staff/certificates", headers=STAFF, json={"id_number": "12345"}), 400)


def test_staff_blacklist_add_check_lift(app: Any) -> None:
    c = client(app)
    who = make_id(region_code=460100, birth_date=date(1985, 3, 4), sequence=77)
    assert c.get("/v1/staff/blacklist/check", headers=STAFF, params={"id_number": who}).json()["listed"] is False
    r = c.post("/v1/staff/blacklist", headers=STAFF,
               json={"id_number": who, "reason": "fraudulent-withdrawal", "years": 3, "note": "伪造租房合同"})
    assert r.status_code == 200, r.text
    entry = r.json()["entry_id"]
    assert who not in r.text
    found = c.get("/v1/staff/blacklist/check", headers=STAFF, params={"id_number": who}).json()
    assert found["listed"] and [e["id"] for e in found["entries"]] == [entry]
    assert found["entries"][0]["reason_zh"] == "骗提公积金"
    direct = c.get("/v1/staff/blacklist/check", headers=STAFF, params={"id_number": who, "direct": "true"}).json()
    assert direct["source"] == "chain" and direct["listed"]
    stats = c.get("/v1/staff/blacklist/stats", headers=STAFF).json()
    assert stats["by_centre"][str(CENTRE)] >= 1
    # Bad input: a clear 400 or 422 with the Chinese sentence, and nothing listed.
    assert "列入期限" in assert_error(c.post("/v1/staff/blacklist", headers=STAFF,
                                        json={"id_number": who, "reason": "loan-default", "years": 7}), 400)["error_zh"]
    assert_error(c.post("/v1/staff/blacklist", headers=STAFF,
                        json={"id_number": who, "reason": "stealing", "years": 3}), 400)
    assert_error(c.post("/v1/staff/blacklist", headers=STAFF,
                        json={"id_number": "460100198001011235", "reason": "loan-default", "years": 3}), 400)
    assert_error(c.post("/v1/staff/blacklist", headers=STAFF, json={"id_number": who, "reason": "other"}), 422)
    assert_error(c.post(f"/v1/staff/blacklist/{entry}/lift", headers=STAFF,
                        json={"reason": "paid back, 张三 460100198001011234"}), 400)
    r = c.post(f"/v1/staff/blacklist/{entry}/lift", headers=STAFF, json={"reason": "appeal-upheld", "note": "申诉成立"})
    assert r.status_code == 200, r.text
    assert c.get("/v1/staff/blacklist/check", headers=STAFF, params={"id_number": who}).json()["listed"] is False
    assert_error(c.post(f"/v1/staff/blacklist/{entry}/lift", headers=STAFF, json={"reason": "other"}), 409)
    # Audit: the checks above are on chain sealed; the centre opens them with the trace key.
    audit = c.get("/v1/staff/blacklist/checks", headers=STAFF, params={"id_number": who})
    assert audit.status_code == 200, audit.text
    assert len(audit.json()["checks"]) >= 4 and {x["recorder"] for x in audit.json()["checks"]} == {CENTRE}


def test_staff_blacklist_refuses_a_duplicate(app: Any) -> None:
    """The same person listed for the same reason a second and third time (before: 200 three
    times, three entries) is refused with 409 and one sentence; another reason too, since a
    centre holds one active entry per person (the contract enforces it as well)."""
    c = client(app)
    who = make_id(region_code=460100, birth_date=date(1986, 6, 7), sequence=78)
    listing = {"id_number": who, "reason": "loan-default", "years": 5}
    r = c.post("/v1/staff/blacklist", headers=STAFF, json=listing)
    assert r.status_code == 200, r.text
    entry = r.json()["entry_id"]
    for _ in range(2):
        body = assert_error(c.post("/v1/staff/blacklist", headers=STAFF, json=listing), 409)
        assert "不重复列入" in body["error_zh"] and str(entry) in body["error"]
    other = assert_error(c.post("/v1/staff/blacklist", headers=STAFF, json={**listing, "reason": "other"}), 409)
    assert "请先解除原条目" in other["error_zh"]
    found = c.get("/v1/staff/blacklist/check", headers=STAFF, params={"id_number": who, "direct": "true"}).json()
    assert [e["id"] for e in found["entries"]] == [entry]
    # Once lifted, the person may be listed again.
    assert c.post(f"/v1/staff/blacklist/{entry}/lift", headers=STAFF, json={"reason": "settled"}).status_code == 200
    assert c.post("/v1/staff/blacklist", headers=STAFF, json=listing).status_code == 200


def test_chain_down_answers_503(network: tuple[Settings, IssuerSettings, Contracts], employees: list[str]) -> None:
    """A service started while its chain node is down still starts, logs in, shows the account,
    and answers 503 with a clear sentence where it needs the chain."""
    ns, iset, _ = network
    down = Settings(home=ns.home, deployments_dir=ns.deployments_dir, node_port=free_port(), rpc_timeout=1.0)
    application = create_app(CENTRE, node_settings=down, issuer_settings=iset)
    with TestClient(application) as c:
        assert c.get("/healthz").json()["issuer"]["running"] is False
        assert c.post("/v1/login", json={"id_number": employees[0], "password": PASSWORD}).status_code == 200
        assert c.get("/v1/me").status_code == 200
        body = assert_error(c.post("/v1/certificates", json={"purpose": "rental"}), 503)
        assert "区块链" in body["error_zh"]
        assert_error(c.get("/v1/institutions"), 503)
        assert_error(c.get("/v1/staff/blacklist/stats", headers=STAFF), 503)


def test_the_centre_names_itself_and_its_docs_work_offline(app: Any) -> None:
    c = client(app)
    assert c.get("/v1/centre").json() == {"centre": CENTRE, "centre_name": "海口市住房公积金管理局"}
    names = {x["code"]: x["name"] for x in c.get("/v1/centres").json()["centres"]}
    assert names[460200] == "三亚市住房公积金管理局"
    docs = c.get("/docs").text
    assert "cdn" not in docs.lower() and c.get("/docs-assets/swagger-ui.css").status_code == 200


def test_a_certificate_by_number_and_code(app: Any, issued: dict[str, Any]) -> None:
    from issuer.api.routes import public
    from verifier.code import code_of_text

    c = client(app)
    number, code = issued["number"], code_of_text(issued["text"])
    r = c.get(f"/v1/public/certificates/{number}", params={"code": code.lower().replace("-", "")})
    assert r.status_code == 200 and r.json()["hpf1"] == issued["text"]
    # A wrong code and an unknown number get the same answer, and reveal nothing.
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    a = assert_error(c.get(f"/v1/public/certificates/{number}", params={"code": wrong}), 404)
    b = assert_error(c.get("/v1/public/certificates/460100-2026-99999999", params={"code": code}), 404)
    assert a == b and "HPF1" not in str(a)
    for _ in range(public.WRONG_PER_NUMBER - 1):
        c.get(f"/v1/public/certificates/{number}", params={"code": wrong})
    r = c.get(f"/v1/public/certificates/{number}", params={"code": code})  # even the right code, for now
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_wrong_codes_are_counted_by_every_worker_and_kept_across_restarts(
    network: tuple[Settings, IssuerSettings, Contracts], app: Any, issued: dict[str, Any]
) -> None:
    """The 核验码 counts live in the centre's database (before: in each process's memory, so four
    workers gave four times the guesses and a restart gave them all back)."""
    from issuer.api.routes import public
    from verifier.code import code_of_text

    ns, iset, _ = network
    app.state.hpf.limiter.clear()  # clears the centre's login and code counts
    number, code = issued["number"], code_of_text(issued["text"])
    wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
    with TestClient(create_app(CENTRE, node_settings=ns, issuer_settings=iset)) as second:
        first = client(app)
        for n in range(public.WRONG_PER_NUMBER):
            assert_error((first if n % 2 else second).get(f"/v1/public/certificates/{number}",
                                                          params={"code": wrong}), 404)
        assert second.get(f"/v1/public/certificates/{number}", params={"code": code}).status_code == 429
    with TestClient(create_app(CENTRE, node_settings=ns, issuer_settings=iset)) as restarted:
        r = restarted.get(f"/v1/public/certificates/{number}", params={"code": code})
        assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= public.WINDOW + 1
    app.state.hpf.limiter.clear()
    assert client(app).get(f"/v1/public/certificates/{number}", params={"code": code}).status_code == 200


def test_one_current_certificate_offered_or_superseded(app: Any, network: tuple[Settings, IssuerSettings, Contracts],
                                                       employees: list[str]) -> None:
    from verifier import format as fmt
    from verifier.pipeline import Verifier
    from verifier.service_setup import chain_reader

    ns, iset, _ = network
    c = logged_in(app, employees[1])
    first = c.post("/v1/certificates", json={"purpose": "commercial-loan", "audience": 91000001}).json()
    assert first["existing"] is False
    again = c.post("/v1/certificates", json={"purpose": "commercial-loan", "audience": 91000001}).json()
    assert again["existing"] is True and again["number"] == first["number"]
    other = c.post("/v1/certificates", json={"purpose": "commercial-loan", "audience": None}).json()
    assert other["existing"] is False and other["number"] != first["number"]  # another institution: its own
    engine = make_engine(iset.database_url_for(CENTRE))
    with session_scope(engine) as s:
        s.scalars(select(Account).where(Account.id_number == employees[1])).one().balance += 100
    engine.dispose()
    new = c.post("/v1/certificates", json={"purpose": "commercial-loan", "audience": 91000001}).json()
    assert new["existing"] is False and new["superseded"] == first["number"] and new["superseded_revoked"] is True
    assert fmt.decode(new["text"]).certificate.supersedes == first["number"]
    old = Verifier(chain_reader(ns)).verify(first["text"])  # revoked on chain, as superseded
    assert old.reasons == ["REVOKED"] and old.summary is not None and old.summary["revocation_reason"] == "superseded"
    listed = {x["number"]: x for x in c.get("/v1/certificates").json()["certificates"]}
    assert listed[first["number"]]["status"] == "revoked" and listed[first["number"]]["ready"] is False
    assert_error(c.get(f"/v1/certificates/{first['number']}/pdf"), 410)
    assert listed[new["number"]]["status"] == "anchored"


def test_a_supersession_a_crash_left_half_done_is_finished(app: Any, network: tuple[Settings, IssuerSettings, Contracts],
                                                           employees: list[str]) -> None:
    """The new certificate is anchored but the process died before revoking the old one: the next
    start (recover) revokes it, as superseded, so the employee never holds two current ones."""
    from issuer.current import unfinished_supersessions
    from verifier.pipeline import Verifier
    from verifier.service_setup import chain_reader

    ns, iset, _ = network
    issuer = app.state.hpf.issuer.get()
    first = issuer.request(id_number=employees[0], purpose="other")
    engine = make_engine(iset.database_url_for(CENTRE))
    try:
        with session_scope(engine) as s:
            s.scalars(select(Account).where(Account.id_number == employees[0])).one().balance += 100
            first_id = s.scalars(select(Certificate.id).where(Certificate.number == first.number)).one()
        new = issuer.wait(issuer.submit(id_number=employees[0], purpose="other", supersedes=(first_id, first.number)))
        # ... and here the portal died: the old certificate was never revoked.
        assert unfinished_supersessions(engine, CENTRE) == [(first.number, new.number)]
        assert Verifier(chain_reader(ns)).verify(first.text).verdict.value == "VALID"
        issuer.recover()  # what the next start (or the batcher's reconciliation) does
        assert unfinished_supersessions(engine, CENTRE) == []
        old = Verifier(chain_reader(ns)).verify(first.text)
        assert old.reasons == ["REVOKED"] and old.summary is not None and old.summary["revocation_reason"] == "superseded"
        assert Verifier(chain_reader(ns)).verify(new.text).verdict.value == "VALID"
    finally:
        engine.dispose()


def test_a_minimal_certificate_is_its_own_kind(app: Any, employees: list[str]) -> None:
    """A minimal request is not answered with the full certificate of the purpose (nor the
    reverse); asked again with the same figures, the minimal one is offered again."""
    from verifier import disclosure as sd
    from verifier import format as fmt

    c = logged_in(app, employees[2])
    purposes = {p["id"]: p for p in c.get("/v1/purposes").json()["purposes"]}
    assert purposes["rental"]["minimal"].startswith("仅披露姓名、账户状态") and purposes["housing-loan"]["minimal_is_full"]
    full = c.post("/v1/certificates", json={"purpose": "rental"}).json()
    minimal = c.post("/v1/certificates", json={"purpose": "rental", "minimal": True}).json()
    assert minimal["existing"] is False and minimal["number"] != full["number"]
    assert isinstance(fmt.decode(minimal["text"]).certificate, sd.MinimalCertificate)
    assert isinstance(fmt.decode(full["text"]).certificate, fmt.Certificate)
    again = c.post("/v1/certificates", json={"purpose": "rental", "minimal": True}).json()
    assert again["existing"] is True and again["number"] == minimal["number"]
    assert c.post("/v1/certificates", json={"purpose": "rental"}).json()["number"] == full["number"]
    assert c.get(f"/v1/certificates/{minimal['number']}/pdf").content.startswith(b"%PDF")


def test_domain_errors_carry_their_http_status() -> None:
    """The portal answers a domain error with the status its class carries (no isinstance ladder)."""
    from issuer.api.errors import status_of
    from issuer.blacklist import AlreadyListed, BadBlacklistInput
    from issuer.errors import ConfigurationError, HpfIssuerError, InvalidCentreCode
    from issuer.governance import GovernanceError, GovernanceUsage
    from issuer.issuance import BadRequest, NotFound
    from issuer.quotas import QuotaExceeded

    expected = {HpfIssuerError: 409, ConfigurationError: 503, InvalidCentreCode: 400, BadBlacklistInput: 400,
                AlreadyListed: 409, GovernanceError: 409, GovernanceUsage: 400, BadRequest: 400, NotFound: 404,
                QuotaExceeded: 429}
    for cls, status in expected.items():
        exc = cls.__new__(cls)
        assert status_of(exc) == status, cls
    assert QuotaExceeded("over", message_zh="超额", retry_after=5).retry_after == 5
