"""The portal in a real browser (Debian chromium, headless) against `hpf issuer serve` on a real
anvil node: an employee logs in, requests a certificate, downloads the PDF, and `hpf verify`
says VALID; staff revoke a certificate and list a person, and a check finds the entry."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from web3 import Web3

from issuer.db import Account, AccountStatus, make_engine, session_scope, upgrade
from issuer.demo_data import generate_csv
from issuer.ids import make_id
from issuer.importer import import_accounts
from issuer.passwords import set_password
from issuer.settings import IssuerSettings
from node import accounts as demo
from node.deploy import deploy
from node.launcher import free_port

from .network import local_network

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CENTRE = 460100
PASSWORD = "browser-pass-1"
STAFF_KEY = f"demo-staff-{CENTRE}"


@pytest.fixture(scope="module")
def chain_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("portal-web")
    with local_network(home) as net:
        env = net.env(HPF_BATCH_TIMEOUT="0.2")
        yield {k: v for k, v in env.items() if k.startswith("HPF_")}


@pytest.fixture(scope="module")
def employee(chain_env: dict[str, str]) -> str:
    iset = IssuerSettings(home=Path(chain_env["HPF_HOME"]))
    engine = make_engine(iset.database_url_for(CENTRE))
    upgrade(engine)
    path = generate_csv(iset.home / "accounts.csv", CENTRE, 10, seed=5)
    with session_scope(engine) as s:
        assert not import_accounts(s, CENTRE, path).rejected
    with session_scope(engine) as s:
        id_number = s.scalars(select(Account.id_number).where(Account.status == AccountStatus.NORMAL,
                                                              Account.last_month.is_not(None))
                              .order_by(Account.id)).first()
    assert id_number is not None
    set_password(engine, CENTRE, id_number, PASSWORD)
    engine.dispose()
    return id_number


@pytest.fixture(scope="module")
def server(chain_env: dict[str, str], employee: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, **chain_env}
    log_path = tmp_path_factory.mktemp("portal-log") / "portal.log"
    log = open(log_path, "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "issuer.console", "issuer", "serve", "--centre", str(CENTRE),
                             "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if json.load(r)["issuer"]["running"]:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the portal did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def record_access(env: dict[str, str], digest: str) -> None:
    from node.bindings import AccessPurpose, Contracts, Sender
    from node.deploy import DeploymentRecord

    w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{env['HPF_NODE_PORT']}"))
    record = DeploymentRecord.load(Path(env["HPF_DEPLOYMENTS_DIR"]) / "46000.json")
    Contracts.at(w3, record.addresses()).trace.record(
        Sender(w3, demo.demo_account(7)), [(bytes.fromhex(digest.removeprefix("0x")), AccessPurpose.CERTIFICATE_VERIFIED)])


def hpf_verify(path: Path, env: dict[str, str]) -> dict[str, object]:
    r = subprocess.run([sys.executable, "-m", "issuer.console", "verify", str(path), "--json"],
                       env={**os.environ, **env}, capture_output=True, timeout=120)
    assert r.stdout, r.stderr.decode(errors="replace")
    return json.loads(r.stdout)  # type: ignore[no-any-return]


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by `make test` (scripts/bootstrap-system.sh)")
def test_employee_and_staff_in_the_browser(server: str, employee: str, chain_env: dict[str, str],
                                           tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        try:
            context = browser.new_context(accept_downloads=True)
            page = context.new_page()
            # --- the employee ---
            page.goto(server + "/")
            assert "职工登录" in page.title()
            page.fill("#id-number", employee)
            page.fill("#password", "wrong-password")
            page.click("#login")
            page.wait_for_selector("#error:not([hidden])", timeout=10_000)
            assert "身份证号或密码错误" in page.inner_text("#error")
            page.fill("#password", PASSWORD)
            page.click("#login")
            page.wait_for_url(server + "/account", timeout=10_000)
            page.wait_for_selector("body[data-ready='1']", timeout=15_000)
            summary = page.inner_text("#summary")
            assert "账户余额" in summary and "元" in summary and employee not in summary
            assert "不指定" in page.inner_text("#audience")
            assert page.locator("#audience option").count() == 3  # 不指定 and the two demo lenders
            page.select_option("#purpose", "rental")
            page.click("#request-btn")
            assert page.is_visible("#progress") or page.is_visible("#request-ok")
            page.wait_for_selector("#request-ok:not([hidden])", timeout=30_000)
            assert "已出具并上链" in page.inner_text("#request-ok")
            row = page.locator("#certs tbody tr").first
            number = row.get_attribute("data-number")
            assert number and number.startswith(f"{CENTRE}-")
            assert "有效" in row.inner_text() and "租房" in row.inner_text()
            with page.expect_download() as info:
                row.locator("a[data-kind='pdf']").click()
            download = info.value
            assert number in download.suggested_filename and download.suggested_filename.endswith(".pdf")
            pdf = tmp_path / download.suggested_filename
            download.save_as(pdf)
            assert pdf.read_bytes().startswith(b"%PDF")
            result = hpf_verify(pdf, chain_env)
            assert result["verdict"] == "VALID", result
            row.locator(".accesses-btn").click()
            page.wait_for_selector("#accesses:not([hidden])", timeout=10_000)
            assert "暂无机构核验" in page.inner_text("#accesses")
            # A lender (institution 91000001) records its verification on chain; the employee sees it.
            record_access(chain_env, str(result["digest"]))
            row.locator(".accesses-btn").click()
            page.wait_for_selector("#accesses-table:not([hidden])", timeout=10_000)
            seen = page.inner_text("#accesses-table")
            assert "演示银行海南分行" in seen and "核验证明" in seen
            page.screenshot(path=str(tmp_path / "account.png"), full_page=True)

            # --- the staff ---
            staff = context.new_page()
            staff.goto(server + "/staff")
            staff.fill("#staff-key", "not-a-key")
            staff.click("#save-key")
            staff.wait_for_selector("#auth-error:not([hidden])", timeout=10_000)
            assert "工作人员密钥" in staff.inner_text("#auth-error")
            staff.fill("#staff-key", STAFF_KEY)
            staff.click("#save-key")
            staff.wait_for_selector("#auth[hidden]", state="attached", timeout=10_000)
            assert "已上链" in staff.inner_text("#status")
            # Revoke the certificate the employee just downloaded.
            staff.fill("#revoke-number", number)
            staff.select_option("#revoke-code", "issued-in-error")
            staff.fill("#revoke-reason", "测试撤销")
            staff.click("#revoke-btn")
            staff.wait_for_selector("#revoke-result.ok", timeout=20_000)
            assert "已撤销" in staff.inner_text("#revoke-result")
            # An error from the API is shown in Chinese.
            staff.click("#revoke-btn")
            staff.wait_for_selector("#revoke-result.error", timeout=10_000)
            assert "已撤销" in staff.inner_text("#revoke-result")
            # List a person and find them in a check.
            who = make_id(region_code=460100, birth_date=date(1988, 8, 8), sequence=123)
            staff.fill("#bl-id", who)
            staff.select_option("#bl-reason", "loan-default")
            staff.select_option("#bl-years", "4")
            staff.fill("#bl-note", "逾期 7 期")
            staff.click("#bl-add")
            staff.wait_for_selector("#bl-add-result.ok", timeout=20_000)
            assert "已列入" in staff.inner_text("#bl-add-result")
            staff.fill("#check-id", who)
            staff.click("#check-btn")
            staff.wait_for_selector("#check-result:not([hidden])", timeout=20_000)
            assert "已被列入失信黑名单" in staff.inner_text("#check-summary")
            assert "贷款逾期6期以上" in staff.inner_text("#check-entries")
            staff.fill("#check-id", "12345")
            staff.click("#check-btn")
            staff.wait_for_selector("#check-error:not([hidden])", timeout=10_000)
            assert staff.inner_text("#check-error")
            staff.screenshot(path=str(tmp_path / "staff.png"), full_page=True)

            # The employee sees it revoked; the verifier now says INVALID (REVOKED).
            page.reload()
            page.wait_for_selector("body[data-ready='1']", timeout=15_000)
            assert "已撤销" in page.locator(f"#certs tbody tr[data-number='{number}']").inner_text()
            assert hpf_verify(pdf, chain_env)["verdict"] == "INVALID"
            page.click("#logout")
            page.wait_for_url(server + "/", timeout=10_000)
        finally:
            browser.close()
