"""The loan officers' page in a real browser (Debian chromium, headless) against `hpf verifier
serve` on a real anvil node: sign in with a typed key, upload by keyboard and by drag-and-drop,
read the headline (valid, blacklisted holder, wrong institution), see that a failed attempt never
leaves the earlier verdict on screen, and that nothing is wider than a 390 px phone.

With HPF_SCREENSHOTS=<dir> the main screens are saved there at 1280 and 390 px."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import segno

from node.bindings import BlacklistReason
from node.launcher import free_port

from .issuing import DAY, chain_time, issue, make_certificate, operator

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
KEY = "demo-key-91000001"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="chromium is installed by `make test` (scripts/bootstrap-system.sh)")
SHOTS = os.environ.get("HPF_SCREENSHOTS")


@pytest.fixture(scope="module")
def server(chain, chain_env, tmp_path_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    port = free_port()
    env = {**os.environ, **chain_env, "HPF_VERIFIER_PORT": str(port)}
    log = open(tmp_path_factory.mktemp("web") / "verifier.log", "wb")  # noqa: SIM115
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        try:
            yield b
        finally:
            b.close()


def qr_png(text: str, path: Path) -> Path:
    segno.make(text, error="q", micro=False).save(path, scale=5, border=4)
    return path


def sign_in(page: Any, base: str, key: str = KEY) -> None:
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready='1']")
    page.fill("#apikey", key)
    page.click("#save-key")
    page.wait_for_selector("#who:not([hidden])", timeout=10_000)


def upload(page: Any, path: Path) -> None:
    page.evaluate("document.body.dataset.state = 'sent'")  # never read the state of the previous attempt
    page.set_input_files("#file", str(path))
    page.wait_for_selector("body[data-state='done'], body[data-state='error']", timeout=20_000)


def no_overflow(page: Any) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{page.url}: {width[0]} px wide in a {width[1]} px window"


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


@needs_chromium
def test_sign_in_keyboard_upload_and_stale_verdict(chain, haikou_key, server: str, browser: Any,  # type: ignore[no-untyped-def]
                                                  tmp_path: Path) -> None:
    w3, c = chain
    texts, _, signed = issue(c, [make_certificate(w3, audience=91000001)], *haikou_key)  # type: ignore[arg-type]
    png = qr_png(texts[0], tmp_path / "certificate.png")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    # Listening for file choosers from the start turns on their interception now, long before the
    # key press below (expect_file_chooser turns it on without waiting, and under load the press
    # could come first: the native chooser opened and the test waited for nothing).
    choosers: list[Any] = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))  # noqa: PLW0108 — playwright tags the handler; a builtin method takes no attribute
    # A key in a link is ignored: the officer types it.
    page.goto(server + "/?key=demo-key-91000002")
    page.wait_for_selector("body[data-ready='1']")
    assert "key=" not in page.url and page.is_visible("#notice") and page.is_visible("#auth")
    assert page.evaluate("sessionStorage.getItem('hpf-key')") is None
    assert page.evaluate("localStorage.getItem('hpf-key')") is None
    shot(page, "verifier-signin-1280.png")
    page.fill("#apikey", "not-a-key")
    page.click("#save-key")
    page.wait_for_selector("#auth-error:not([hidden])")
    sign_in(page, server)
    assert "演示银行海南分行" in page.inner_text("#who") and "91000001" in page.inner_text("#who")

    # Keyboard only: Tab reaches the file input, Space opens the chooser.
    page.focus("#scan")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "file"
    page.keyboard.press("Space")
    for _ in range(100):
        if choosers:
            break
        page.wait_for_timeout(100)
    assert choosers, "Space on the focused file input opened no file chooser"
    choosers[0].set_files(str(png))
    page.wait_for_selector("body[data-state='done']", timeout=20_000)
    assert page.get_attribute("#verdict", "class") == "verdict tone-ok"
    assert page.inner_text("#headline") == "证明真实有效"
    assert "可据此办理业务" in page.inner_text("#advice")
    assert "证明真实有效" in page.inner_text("#live")  # announced to screen readers
    fields = page.inner_text("#fields")
    number = signed[0].certificate.number
    assert number in fields and "海口市住房公积金管理局" in fields and "正常" in fields
    assert "演示银行海南分行" in fields and "住房公积金贷款" in fields
    assert re.search(r"出具时间\s+\d{4}年\d{2}月\d{2}日 \d{2}:\d{2}:\d{2}", fields)
    assert "有效期至" in fields and "T" not in re.sub(r"[^T0-9:]", "", fields)  # no ISO times
    assert page.get_attribute("#tech", "open") is None  # the check table is collapsed
    assert not page.is_visible("#checks")
    page.click("#tech summary")
    assert "电子签名" in page.inner_text("#checks")
    assert number in page.inner_text("#recent-list")
    receipt = page.inner_text("#receipt-table")
    assert number in receipt and "演示银行海南分行" in receipt
    shot(page, "verifier-valid-1280.png")

    # A new attempt with junk: the earlier verdict is gone, only the error shows.
    junk = tmp_path / "notes.txt"
    junk.write_text("not a certificate at all")
    upload(page, junk)
    assert page.is_visible("#error") and not page.is_visible("#result")
    assert page.inner_text("#headline") == "" and page.inner_text("#fields") == ""
    # The same file can be chosen again (the input was reset).
    assert page.evaluate("document.getElementById('file').value") == ""

    # Drag and drop works.
    data = base64.b64encode(png.read_bytes()).decode()
    page.evaluate("""(b64) => {
        const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        const dt = new DataTransfer(); dt.items.add(new File([bytes], "c.png", { type: "image/png" }));
        document.getElementById("drop").dispatchEvent(
            new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
    }""", data)
    page.wait_for_selector("body[data-state='done']", timeout=20_000)
    assert page.inner_text("#headline") == "证明真实有效" and not page.is_visible("#error")
    page.click("#lang")
    assert page.inner_text("#headline") == "Genuine and valid"
    page.click("#lang")
    page.close()


@needs_chromium
def test_blacklisted_holder_and_wrong_institution(chain, haikou_key, server: str, browser: Any,  # type: ignore[no-untyped-def]
                                                 tmp_path: Path) -> None:
    w3, c = chain
    listed = make_certificate(w3)
    other = make_certificate(w3, audience=91000002)
    texts, _, _ = issue(c, [listed, other], *haikou_key)  # type: ignore[arg-type]
    c.blacklist.list(operator(w3, 460200), listed.subject_ref, BlacklistReason.FORGED_MATERIALS,
                     chain_time(w3) + 3 * 365 * DAY + 3600, b"\x02" * 32)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server)
    upload(page, qr_png(texts[0], tmp_path / "listed.png"))
    assert page.get_attribute("#verdict", "class") == "verdict tone-warn"
    assert page.inner_text("#headline") == "证明真实有效，但持证人在失信黑名单中"
    assert page.inner_text("#verdict-code") == "VALID"  # the verdict stays VALID
    detail = page.inner_text("#detail")
    assert "三亚市住房公积金管理局" in detail and "伪造材料" in detail and "到期" in detail and "列入时间" in detail
    assert "可据此办理业务" not in page.inner_text("#result")
    assert "请按贵机构" in page.inner_text("#advice")
    shot(page, "verifier-blacklisted-1280.png")

    upload(page, qr_png(texts[1], tmp_path / "other.png"))
    assert page.get_attribute("#verdict", "class") == "verdict tone-bad"
    assert "非贵机构使用" in page.inner_text("#headline")
    assert "重新申请" in page.inner_text("#advice")
    shown = page.inner_text("#result")
    for personal in (other.name, other.employer_name, other.id_masked, "账户余额", "缴存基数", "91000002"):
        assert personal not in shown, personal
    labels = page.eval_on_selector_all("#fields th", "ths => ths.map((th) => th.textContent)")
    assert labels == ["证明编号", "出具机构"]
    shot(page, "verifier-wrong-audience-1280.png")
    # The API's JSON says no more than the page.
    body = page.evaluate("""async (t) => (await fetch('/v1/verify', {method: 'POST',
        headers: {'X-API-Key': sessionStorage.getItem('hpf-key'), 'Content-Type': 'application/json'},
        body: JSON.stringify({hpf1: t})})).json()""", texts[1])
    assert body["reasons"] == ["WRONG_AUDIENCE"]
    assert set(body["certificate"]) == {"number", "centre_code", "centre_name"}
    assert body["blacklist"]["withheld"] is True and body["blacklist"]["entries"] == []
    assert other.name not in str(body) and "91000002" not in str(body)
    page.close()


@needs_chromium
def test_no_horizontal_scroll_at_390px(chain, haikou_key, server: str, browser: Any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, _ = issue(c, [make_certificate(w3, employer_name="海南省某某超长名称的科技发展有限责任公司第一分公司")],
                        *haikou_key)  # type: ignore[arg-type]
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(server + "/")
    page.wait_for_selector("body[data-ready='1']")
    no_overflow(page)
    shot(page, "verifier-signin-390.png")
    sign_in(page, server)
    no_overflow(page)
    upload(page, qr_png(texts[0], tmp_path / "c.png"))
    assert page.inner_text("#headline") == "证明真实有效"
    page.click("#tech summary")
    no_overflow(page)
    shot(page, "verifier-valid-390.png")
    page.click("#lang")
    no_overflow(page)
    page.close()


@needs_chromium
def test_a_minimal_certificate_shows_its_facts_in_plain_chinese(chain, haikou_key, server: str, browser: Any,  # type: ignore[no-untyped-def]
                                                                tmp_path: Path) -> None:
    from verifier.disclosure import make_minimal

    w3, c = chain
    minimal = make_minimal(make_certificate(w3, purpose="commercial-loan", audience=None))
    texts, _, _ = issue(c, [minimal], *haikou_key)  # type: ignore[arg-type]
    png = qr_png(texts[0], tmp_path / "minimal.png")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, server)
    upload(page, png)
    page.wait_for_selector("#disclosure:not([hidden])", timeout=15_000)
    facts = page.inner_text("#disclosure")
    assert "连续缴存满 12 个月：是" in facts and "无未结清公积金贷款：是" in facts
    assert "账户余额" in facts  # named as withheld, never its value
    fields = page.inner_text("#fields")
    assert minimal.value("name") in fields and "账户余额" not in fields and "单位名称" not in fields
    shot(page, "verifier-minimal-1280.png")
    page.close()
