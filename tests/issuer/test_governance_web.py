"""The staff page's 联盟治理 and appeal sections in a real browser (headless chromium) against
`hpf issuer serve` on anvil: list members and proposals, propose (confirmed in words), cancel,
and mark an entry under appeal then lift it by code; the employee portal shows a listed employee
their own entry and how to appeal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_portal_web import CHROMIUM, PASSWORD, STAFF_KEY, chain_env, employee, server  # noqa: F401 — fixtures

pytestmark = pytest.mark.integration


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by `make test` (scripts/bootstrap-system.sh)")
def test_governance_and_appeal_in_the_browser(server: str, employee: str, chain_env: dict[str, str],  # noqa: F811
                                              tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    listed = subprocess.run([sys.executable, "-m", "issuer.console", "blacklist", "add", "--centre", "460100",
                             "--id", employee, "--reason", "loan-default", "--years", "3", "--json"],
                            env={**os.environ, **chain_env}, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    entry = listed.stdout.split('"entry_id": ')[1].split(",")[0]

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))
            page.goto(server + "/staff")
            page.fill("#staff-key", STAFF_KEY)
            page.click("#save-key")
            page.wait_for_selector("#gov-members tbody tr", timeout=20_000)
            assert "海口市住房公积金管理局" in page.inner_text("#gov-members")
            assert "91000002" in page.inner_text("#gov-institutions")
            page.select_option("#gov-action", "set-threshold")
            page.fill("#gov-threshold", "3")
            page.click("#gov-propose")
            page.wait_for_selector("#gov-result.ok", timeout=20_000)
            assert dialogs and "将提案所需批准数设为 3" in dialogs[-1]
            assert "已提出提案" in page.inner_text("#gov-result")
            row = page.locator("#gov-proposals tbody tr", has_text="将提案所需批准数设为 3").first
            row.wait_for(timeout=20_000)
            assert "待批准" in row.inner_text() and "1/2" in row.inner_text()
            row.get_by_role("button", name="撤销").click()
            page.wait_for_selector("#gov-result.ok >> text=已撤销", timeout=20_000)
            page.wait_for_selector("#gov-proposals tbody tr >> text=已撤销", timeout=20_000)
            # A proposal that cannot pass is refused with the reason, nothing sent.
            page.select_option("#gov-action", "suspend-centre")
            page.fill("#gov-code", "460999")
            page.click("#gov-propose")
            page.wait_for_selector("#gov-result.error", timeout=20_000)
            assert "不是有效成员" in page.inner_text("#gov-result")

            page.fill("#lift-id", entry)
            page.fill("#appeal-note", "本人称已还清")
            page.click("#appeal-btn")
            page.wait_for_selector("#lift-result.ok", timeout=20_000)
            page.fill("#check-id", employee)
            page.click("#check-btn")
            page.wait_for_selector("#check-result:not([hidden])", timeout=20_000)
            assert "是" in page.inner_text("#check-entries tbody")  # 申诉中 column
            page.wait_for_selector("#gov-audit tbody tr >> text=blacklist-appeal", timeout=20_000)
            page.wait_for_selector(f"#open-appeals >> text=条目 {entry}", timeout=20_000)
            assert "已 0 天" in page.inner_text("#open-appeals")
            page.screenshot(path=str(tmp_path / "governance.png"), full_page=True)

            # The employee sees their own entry, under appeal, and how to appeal.
            me = browser.new_page()
            me.goto(server + "/")
            me.fill("#id-number", employee)
            me.fill("#password", PASSWORD)
            me.click("#login")
            me.wait_for_selector("#my-blacklist:not([hidden])", timeout=20_000)
            assert "申诉中" in me.inner_text("#my-blacklist-table") and "12329" in me.inner_text("#my-blacklist-how")

            page.select_option("#lift-reason", "appeal-upheld")
            page.click("#lift-btn")
            page.wait_for_selector("#lift-result.ok >> text=已解除", timeout=20_000)
        finally:
            browser.close()
