"""The loan officers' page in a real browser (Debian chromium, headless): upload a real
certificate image and read the verdict from the page, in Chinese and in English."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import segno

from node.launcher import free_port

from .issuing import issue, make_certificate

pytestmark = pytest.mark.integration
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


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


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by `make test` (scripts/bootstrap-system.sh)")
def test_upload_a_photo_and_read_the_verdict(chain, haikou_key, server: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    w3, c = chain
    texts, _, signed = issue(c, [make_certificate(w3)], *haikou_key)  # type: ignore[arg-type]
    png = tmp_path / "certificate.png"
    segno.make(texts[0], error="q", micro=False).save(png, scale=5, border=4)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        try:
            page = browser.new_page()
            page.goto(server + "/?key=demo-key-91000001")
            assert "缴存证明核验" in page.title()
            page.set_input_files("#file", str(png))
            page.wait_for_selector("#result:not([hidden])", timeout=15_000)
            verdict = page.inner_text("#verdict")
            assert "VALID" in verdict and "真实有效" in verdict
            assert signed[0].certificate.number in page.inner_text("#fields")
            assert "未被列入" in page.inner_text("#blacklist")
            page.screenshot(path=str(tmp_path / "verdict-zh.png"), full_page=True)
            page.click("#lang")
            assert "Genuine and valid" in page.inner_text("#verdict")
            assert "not on the blacklist" in page.inner_text("#blacklist")

            junk = tmp_path / "junk.png"
            segno.make("hello, not a certificate", error="q").save(junk, scale=5)
            page.set_input_files("#file", str(junk))
            page.wait_for_selector("#error:not([hidden])", timeout=15_000)
            assert page.inner_text("#error")
        finally:
            browser.close()
