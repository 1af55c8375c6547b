"""The portal in a real browser (Debian chromium, headless) against `hpf issuer serve` and `hpf
verifier serve` on a real anvil node: an employee logs in, requests a certificate (asked again, the
same one is offered; with new figures a new one supersedes it), downloads the PDF, and `hpf verify`
says VALID; loan officers check it by number + 核验码 on the verifier page, and the employee's
查询记录 marks the refused check; staff revoke a certificate and list a person, and a check finds
the entry; no page is wider than a 390 px phone.

With HPF_SCREENSHOTS=<dir> the main screens are saved there at 1280 and 390 px."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

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
from node.launcher import free_port

from .network import local_network

SHOTS = os.environ.get("HPF_SCREENSHOTS")

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


@pytest.fixture(scope="module")
def verifier(chain_env: dict[str, str], server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The loan officers' page, fetching centre 460100's certificates from the portal under test."""
    port = free_port()
    env = {**os.environ, **chain_env, "HPF_VERIFIER_PORT": str(port),
           "HPF_VERIFIER_CENTRE_URLS": json.dumps({str(CENTRE): server})}
    log = open(tmp_path_factory.mktemp("verifier-log") / "verifier.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "issuer.console", "verifier", "serve"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def no_overflow(page: Any) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url}: {width[0]} px wide in a {width[1]} px window"


def pdf_code(pdf: Path) -> str:
    """The 核验码 as printed on the PDF (read back with poppler's pdftotext)."""
    text = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"核验码\s*([A-Z2-7]{4}-[A-Z2-7]{4})", text)
    assert found, text
    return found.group(1)


def officer_checks(browser: Any, verifier: str, key: str, number: str, code: str) -> tuple[str, str]:
    """An officer signs in with `key` and types the number and code; (headline, fields)."""
    page = browser.new_page()
    try:
        page.goto(verifier + "/")
        page.wait_for_selector("body[data-ready='1']")
        page.fill("#apikey", key)
        page.click("#save-key")
        page.wait_for_selector("#who:not([hidden])")
        page.fill("#code-number", number)
        page.fill("#code-code", code.lower().replace("-", " "))  # as people type it
        page.click("#code-btn")
        page.wait_for_selector("body[data-state='done'], body[data-state='error']", timeout=20_000)
        return page.inner_text("#headline") or page.inner_text("#error"), page.inner_text("#fields")
    finally:
        page.close()


def change_balance(env: dict[str, str], id_number: str, delta: int) -> None:
    engine = make_engine(IssuerSettings(home=Path(env["HPF_HOME"])).database_url_for(CENTRE))
    with session_scope(engine) as s:
        a = s.scalars(select(Account).where(Account.id_number == id_number)).one()
        a.balance += delta
    engine.dispose()


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



def launch(p: Any) -> Any:
    return p.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    )


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by `make test` (scripts/bootstrap-system.sh)")
def test_employee_officer_and_staff_in_the_browser(server: str, verifier: str, employee: str,
                                                   chain_env: dict[str, str], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.on("dialog", lambda d: d.accept())
            # --- the employee: the login page names its centre and explains the ID format ---
            page.goto(server + "/")
            assert "职工登录" in page.title()
            expect(page.locator("#centre-name")).to_contain_text("海口市住房公积金管理局")
            page.fill("#id-number", "46010019880808")
            page.fill("#password", "whatever")
            page.click("#login")
            page.wait_for_selector("#error:not([hidden])")
            assert "18 位" in page.inner_text("#error") and page.get_attribute("#id-hint", "class") == "hint bad"
            page.click("#lang")
            assert page.inner_text("h2") == "Employee sign-in" and "18 characters" in page.inner_text("#id-hint")
            page.click("#lang")
            shot(page, "portal-login-1280.png")
            page.fill("#id-number", employee)
            page.fill("#password", "wrong-password")
            page.click("#login")
            page.wait_for_selector("#error:not([hidden])", timeout=10_000)
            assert "身份证号或密码错误" in page.inner_text("#error") and "还可尝试 4 次" in page.inner_text("#error")
            page.fill("#password", PASSWORD)
            page.click("#login")
            page.wait_for_url(server + "/account", timeout=10_000)
            page.wait_for_selector("body[data-ready='1']", timeout=15_000)
            assert "海口市住房公积金管理局" in page.inner_text("#centre-name")
            summary = page.inner_text("#summary")
            assert "账户余额" in summary and "元" in summary and employee not in summary
            assert page.locator("#audience option").count() == 3  # 不指定 and the two demo lenders
            assert "90 天" in page.inner_text("#validity")

            # --- one current certificate per purpose and institution ---
            page.select_option("#purpose", "rental")
            page.select_option("#audience", "91000001")
            page.click("#request-btn")
            page.wait_for_selector("#request-ok:not([hidden])", timeout=30_000)
            assert "已出具并已上链存证" in page.inner_text("#request-ok") and "区块" not in page.inner_text("#request-ok")
            row = page.locator("#certs tbody tr").first
            number = row.get_attribute("data-number")
            assert number and number.startswith(f"{CENTRE}-")
            assert "有效" in row.inner_text() and "租房" in row.inner_text() and "演示银行海南分行" in row.inner_text()
            page.click("#request-btn")  # the same again: the current one is offered, nothing new is issued
            expect(page.locator("#request-ok")).to_contain_text("无需重新出具")
            assert "无需重新出具" in page.inner_text("#request-ok")
            assert page.locator("#certs tbody tr").count() == 1
            with page.expect_download() as info:
                row.locator("a[data-kind='pdf']").click()
            pdf = tmp_path / info.value.suggested_filename
            info.value.save_as(pdf)
            assert number in pdf.name and pdf.read_bytes().startswith(b"%PDF")
            assert hpf_verify(pdf, chain_env)["verdict"] == "VALID"
            code = pdf_code(pdf)
            shot(page, "portal-account-1280.png")

            # --- loan officers type the number and the 核验码 ---
            headline, fields = officer_checks(browser, verifier, "demo-key-91000002", number, code)
            assert "非贵机构使用" in headline and "姓名" not in fields
            headline, fields = officer_checks(browser, verifier, "demo-key-91000001", number, code)
            assert headline == "证明真实有效" and number in fields and "租房" in fields
            wrong = "AAAA-AAAA" if code != "AAAA-AAAA" else "BBBB-BBBB"
            headline, fields = officer_checks(browser, verifier, "demo-key-91000001", number, wrong)
            assert "没有与该编号和核验码相符的证明" in headline and fields == ""

            # 查询记录 refreshes by itself and marks the refused check.
            row.locator(".accesses-btn").click()
            page.wait_for_selector("#accesses:not([hidden])", timeout=10_000)
            expect(page.locator("#accesses-table tbody tr")).to_have_count(2, timeout=45_000)
            seen = page.inner_text("#accesses-table")
            assert "演示银行海南分行" in seen and "演示农商银行三亚支行" in seen and "核验证明" in seen
            refused = page.locator("#accesses-table tbody tr.refused-row")
            assert refused.count() == 1 and "已拒绝" in refused.inner_text() and "三亚" in refused.inner_text()
            assert not page.is_visible("#accesses-table details.tx div")  # block and tx under details
            shot(page, "portal-accesses-1280.png")

            # --- new figures: a new certificate supersedes the old one, revoked on chain ---
            change_balance(chain_env, employee, 12_300)
            page.click("#request-btn")
            expect(page.locator("#request-ok")).to_contain_text("替代", timeout=30_000)
            assert page.locator("#certs tbody tr").count() == 2
            new_number = page.locator("#certs tbody tr").first.get_attribute("data-number")
            assert new_number and new_number != number
            old = page.locator(f"#certs tbody tr[data-number='{number}']")
            assert "已被替代" in old.inner_text() and old.locator("a[data-kind='pdf']").count() == 0
            old_result = hpf_verify(pdf, chain_env)
            assert old_result["verdict"] == "INVALID" and old_result["reasons"] == ["REVOKED"]
            assert old_result["summary"]["revocation_reason"] == "superseded"
            with page.expect_download() as info:
                page.locator("#certs tbody tr").first.locator("a[data-kind='pdf']").click()
            new_pdf = tmp_path / info.value.suggested_filename
            info.value.save_as(new_pdf)
            new_result = hpf_verify(new_pdf, chain_env)
            assert new_result["verdict"] == "VALID" and new_result["certificate"]["supersedes"] == number
            page.click("#lang")
            assert "My certificates" in page.inner_text("#certificates") and "Superseded" in old.inner_text()
            page.click("#lang")

            # --- the staff ---
            staff = context.new_page()
            answer = {"accept": True}
            staff.on("dialog", lambda d: d.accept() if answer["accept"] else d.dismiss())
            staff.goto(server + "/staff")
            expect(staff.locator("#centre-name")).to_contain_text("海口市")
            assert staff.get_attribute("#revoke-number", "placeholder").startswith(f"{CENTRE}-")
            staff.fill("#staff-key", "not-a-key")
            staff.click("#save-key")
            staff.wait_for_selector("#auth-error:not([hidden])", timeout=10_000)
            assert "工作人员密钥" in staff.inner_text("#auth-error")
            staff.fill("#staff-key", STAFF_KEY)
            staff.click("#save-key")
            staff.wait_for_selector("#auth[hidden]", state="attached", timeout=10_000)
            assert "已上链" in staff.inner_text("#status") and "海口市住房公积金管理局" in staff.inner_text("#status")
            # Revoking asks first; declining changes nothing.
            staff.fill("#revoke-number", new_number)
            staff.select_option("#revoke-code", "issued-in-error")
            staff.fill("#revoke-reason", "测试撤销")
            answer["accept"] = False
            staff.click("#revoke-btn")
            time.sleep(0.5)
            assert staff.is_hidden("#revoke-result")
            answer["accept"] = True
            staff.click("#revoke-btn")
            staff.wait_for_selector("#revoke-result.ok", timeout=20_000)
            assert "已撤销" in staff.inner_text("#revoke-result")
            staff.click("#revoke-btn")  # an error from the API is shown in Chinese
            staff.wait_for_selector("#revoke-result.error", timeout=10_000)
            assert "已撤销" in staff.inner_text("#revoke-result")
            # List a person, find them in a check, lift from the check result.
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
            entries = staff.inner_text("#check-entries")
            assert "贷款逾期6期以上" in entries and "海口市住房公积金管理局" in entries
            # Listing the same person for the same reason again warns first (declined here).
            answer["accept"] = False
            staff.click("#bl-add")
            staff.wait_for_selector("#bl-add-warning:not([hidden])", timeout=20_000)
            assert "已被本中心" in staff.inner_text("#bl-add-warning")
            assert staff.is_hidden("#bl-add-result")
            answer["accept"] = True
            staff.click(".lift-from-check")
            entry_id = staff.locator(".lift-from-check").first.get_attribute("data-entry")
            assert staff.input_value("#lift-id") == entry_id
            shot(staff, "staff-1280.png")
            staff.select_option("#lift-reason", "settled")
            staff.fill("#appeal-note", "已结清")
            staff.click("#lift-btn")
            staff.wait_for_selector("#lift-result.ok", timeout=20_000)
            staff.fill("#check-id", "12345")
            staff.click("#check-btn")
            staff.wait_for_selector("#check-error:not([hidden])", timeout=10_000)
            assert staff.inner_text("#check-error")

            page.reload()
            page.wait_for_selector("body[data-ready='1']", timeout=15_000)
            assert "已撤销" in page.locator(f"#certs tbody tr[data-number='{new_number}']").inner_text()
            assert hpf_verify(new_pdf, chain_env)["verdict"] == "INVALID"

            # --- every page at 390 px: nothing wider than the phone ---
            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            m = phone.new_page()
            m.goto(server + "/")
            expect(m.locator("#centre-name")).to_contain_text("海口市")
            no_overflow(m)
            shot(m, "portal-login-390.png")
            m.fill("#id-number", employee)
            m.fill("#password", PASSWORD)
            m.click("#login")
            m.wait_for_url(server + "/account")
            m.wait_for_selector("body[data-ready='1']", timeout=15_000)
            m.locator(f"#certs tbody tr[data-number='{number}'] .accesses-btn").click()
            m.wait_for_selector("#accesses-table:not([hidden])", timeout=10_000)
            no_overflow(m)
            assert m.evaluate("getComputedStyle(document.querySelector('#certs tbody tr')).display") == "block"  # cards
            shot(m, "portal-account-390.png")
            m.goto(server + "/staff")
            m.fill("#staff-key", STAFF_KEY)
            m.click("#save-key")
            m.wait_for_selector("#auth[hidden]", state="attached", timeout=10_000)
            m.fill("#check-id", who)
            m.click("#check-btn")
            m.wait_for_selector("#check-result:not([hidden])", timeout=20_000)
            no_overflow(m)
            shot(m, "staff-390.png")
            m.goto(verifier + "/")
            m.wait_for_selector("body[data-ready='1']")
            no_overflow(m)
            phone.close()
            page.click("#logout")
            page.wait_for_url(server + "/", timeout=10_000)
        finally:
            browser.close()
