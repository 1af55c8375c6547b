"""`hpf issue`, `hpf revoke`, `hpf issuer issue-all|status|rotate-key|set-password` as an operator
runs them, against a real anvil node; the documents they write verify with `hpf verify`."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from issuer.db import Account, AccountStatus, make_engine, session_scope
from issuer.passwords import check_password
from issuer.settings import IssuerSettings
from node.launcher import free_port

from .network import centre_with_accounts, local_network

pytestmark = pytest.mark.integration
CENTRE = 460200  # Sanya: the CLI works for any demo centre


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("issue-cli")
    with local_network(home) as net:
        centre_with_accounts(home, CENTRE, 40, seed=11).dispose()
        yield net.env(HPF_BATCH_TIMEOUT="0.2")


def hpf(env: dict[str, str], *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "issuer.console", *args], env=env, capture_output=True, text=True,
                          input=stdin, timeout=180)


def _account(env: dict[str, str]) -> Account:
    eng = make_engine(IssuerSettings(home=Path(env["HPF_HOME"])).database_url_for(CENTRE))
    try:
        with session_scope(eng) as s:
            return s.scalars(select(Account).where(Account.status != AccountStatus.CLOSED,
                                                   Account.last_month.is_not(None)).order_by(Account.id)).first()  # type: ignore[return-value]
    finally:
        eng.dispose()


def test_issue_writes_pdf_png_and_text_that_verify(env: dict[str, str], tmp_path: Path) -> None:
    who = _account(env)
    pdf = tmp_path / "cert.pdf"
    r = hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--audience", "91000002",
            "--purpose", "commercial-loan", "--out", str(pdf), "--json")
    assert r.returncode == 0, r.stderr
    record = json.loads(r.stdout)
    assert record["status"] == "anchored" and record["number"].startswith(f"{CENTRE}-") and record["audience"] == 91000002
    assert pdf.read_bytes().startswith(b"%PDF")
    v = hpf(env, "verify", str(pdf), "--json", "--as", "91000002")
    assert v.returncode == 0, v.stdout + v.stderr
    assert json.loads(v.stdout.splitlines()[0])["verdict"] == "VALID"
    png, txt = tmp_path / "cert.png", tmp_path / "cert.txt"
    for out in (png, txt):
        r = hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--out", str(out))
        assert r.returncode == 0, r.stderr
        assert "issued" in r.stdout
    assert png.read_bytes().startswith(b"\x89PNG")
    assert txt.read_text().startswith("HPF1:")
    for out in (png, txt):
        assert hpf(env, "verify", str(out)).returncode == 0


def test_issue_refuses_bad_input_clearly(env: dict[str, str], tmp_path: Path) -> None:
    who = _account(env)
    r = hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--out", str(tmp_path / "c.doc"))
    assert r.returncode == 64 and ".pdf" in r.stderr
    r = hpf(env, "issue", "--centre", str(CENTRE), "--id", "123", "--out", str(tmp_path / "c.pdf"))
    assert r.returncode == 64 and "Traceback" not in r.stderr
    r = hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--purpose", "holiday",
            "--out", str(tmp_path / "c.pdf"))
    assert r.returncode == 64 and "用途" in r.stderr
    r = hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--audience", "12345678",
            "--out", str(tmp_path / "c.pdf"))
    assert r.returncode == 64 and "12345678" in r.stderr
    down = {**env, "HPF_NODE_PORT": str(free_port())}
    r = hpf(down, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--out", str(tmp_path / "c.pdf"))
    assert r.returncode == 1 and "hpf node up" in r.stderr and "Traceback" not in r.stderr
    assert not list(tmp_path.iterdir())


def test_revoke_then_verify_says_revoked(env: dict[str, str], tmp_path: Path) -> None:
    who = _account(env)
    txt = tmp_path / "c.txt"
    number = json.loads(hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--out", str(txt),
                            "--json").stdout)["number"]
    r = hpf(env, "revoke", "--centre", str(CENTRE), number, "--reason", "单位信息有误", "--code", "issued-in-error", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "revoked"
    v = hpf(env, "verify", str(txt), "--json")
    assert v.returncode == 1 and "REVOKED" in json.loads(v.stdout.splitlines()[0])["reasons"]
    again = hpf(env, "revoke", "--centre", str(CENTRE), number, "--reason", "again")
    assert again.returncode == 64 and "already revoked" in again.stderr
    bad = hpf(env, "revoke", "--centre", str(CENTRE), number, "--reason", "x", "--code", "bored")
    assert bad.returncode == 64


def test_issue_all_reports_and_status_is_clean(env: dict[str, str]) -> None:
    r = hpf(env, "issuer", "issue-all", "--centre", str(CENTRE), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["issued"] > 20 and report["batches"] == 1 and report["problems"] == []
    assert report["already_current"] >= 0  # those the tests above issued for stay current
    # Run again: everyone holds a current certificate of the same content, so nobody gets a
    # second one (before: everyone did), unless --reissue.
    again = hpf(env, "issuer", "issue-all", "--centre", str(CENTRE), "--limit", "5")
    assert again.returncode == 0 and "issued 0 certificates" in again.stdout, again.stdout
    assert "5 already hold a current certificate" in again.stdout
    human = hpf(env, "issuer", "issue-all", "--centre", str(CENTRE), "--limit", "5", "--reissue", "--json")
    assert human.returncode == 0 and json.loads(human.stdout)["issued"] == 5, human.stderr
    status = json.loads(hpf(env, "issuer", "status", "--centre", str(CENTRE), "--json").stdout)
    assert status["waiting_for_anchor"] == 0 and set(status["batches"]) == {"anchored"}


def test_rotate_key_then_new_certificates_use_the_new_key(env: dict[str, str], tmp_path: Path) -> None:
    from verifier import format as fmt

    who = _account(env)
    before = tmp_path / "before.txt"
    assert hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--out", str(before)).returncode == 0
    r = hpf(env, "issuer", "rotate-key", "--centre", str(CENTRE), "--grace", "0")
    assert r.returncode == 0 and "retired" in r.stdout, r.stderr
    after = tmp_path / "after.txt"
    assert hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--out", str(after)).returncode == 0
    assert fmt.decode(before.read_text()).key_id != fmt.decode(after.read_text()).key_id
    for f in (before, after):  # the old certificate stays valid: its key was valid when it was anchored
        assert hpf(env, "verify", str(f)).returncode == 0


def test_set_password_from_stdin(env: dict[str, str]) -> None:
    who = _account(env)
    r = hpf(env, "issuer", "set-password", "--centre", str(CENTRE), "--id", who.id_number, stdin="correct horse 9\n")
    assert r.returncode == 0, r.stderr
    assert check_password(_account(env).password_hash, "correct horse 9")
    short = hpf(env, "issuer", "set-password", "--centre", str(CENTRE), "--id", who.id_number, stdin="short\n")
    assert short.returncode == 64 and "8" in short.stderr


def test_issue_minimal_then_verify_json_lists_only_what_was_disclosed(env: dict[str, str], tmp_path: Path) -> None:
    who = _account(env)
    txt = tmp_path / "minimal.txt"
    r = hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--purpose", "rental", "--minimal",
            "--out", str(txt), "--json")
    assert r.returncode == 0, r.stderr
    v = hpf(env, "verify", str(txt), "--json")
    assert v.returncode == 0, v.stdout + v.stderr
    result = json.loads(v.stdout.splitlines()[0])
    assert result["verdict"] == "VALID"
    cert = result["certificate"]
    assert cert["disclosure"] == "minimal" and cert["name"] == who.name
    assert cert["account_status"] == AccountStatus(who.status).value
    for withheld in ("balance", "monthly_amount", "employer_name", "id_masked", "deposit_base"):
        assert withheld not in cert
    assert who.employer_name not in v.stdout and str(who.balance) not in txt.read_text()
    assert [c["field"] for c in result["claims"]] == ["monthly_amount", "months_continuous"]
    png = tmp_path / "minimal.png"  # the caption under the code names the (disclosed) holder, masked
    assert hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--purpose", "rental", "--minimal",
               "--out", str(png)).returncode == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    assert all(c["text_zh"].endswith(("：是", "：否")) for c in result["claims"])
    # The holder's full certificate still reads as before: no claims, every field.
    full = tmp_path / "full.txt"
    assert hpf(env, "issue", "--centre", str(CENTRE), "--id", who.id_number, "--out", str(full)).returncode == 0
    whole = json.loads(hpf(env, "verify", str(full), "--json").stdout.splitlines()[0])
    assert whole["claims"] == [] and whole["certificate"]["balance"] == who.balance
