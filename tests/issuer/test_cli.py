"""`hpf issuer …` as an operator uses it: exit codes, JSON shapes, masking, one-sentence errors.
The storage-backed commands run on SQLite and PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from issuer.cli import app
from issuer.db import head_revision
from issuer.ids import is_valid_id
from issuer.importer import COLUMNS
from issuer.settings import get_issuer_settings

REPO = Path(__file__).resolve().parents[2]
MASKED = re.compile(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]")


@pytest.fixture
def hpf(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Runs `hpf issuer ARGS` in-process against the test database."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("HPF_HOME", str(tmp_path / "home"))
    runner = CliRunner()

    def run(*args: str):  # type: ignore[no-untyped-def]
        get_issuer_settings.cache_clear()
        return runner.invoke(app, list(args))

    return run


def test_demo_data_import_list_and_reimport(hpf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv_path = tmp_path / "demo.csv"
    r = hpf("demo-data", "--centre", "460100", "--count", "40", "--out", str(csv_path), "--seed", "5")
    assert r.exit_code == 0, r.output
    assert csv_path.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)

    r = hpf("import", str(csv_path), "--centre", "460100", "--json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["imported"] is True and report["created"] == 40 and report["rejected"] == []

    r = hpf("import", str(csv_path), "--centre", "460100")
    assert r.exit_code == 0 and "40 unchanged" in r.stdout

    r = hpf("accounts", "--centre", "460100", "--json", "--limit", "10")
    assert r.exit_code == 0, r.output
    listing = json.loads(r.stdout)
    assert listing["total"] == 40 and len(listing["accounts"]) == 10
    first = listing["accounts"][0]
    assert MASKED.fullmatch(first["id_number"])
    assert isinstance(first["balance"], int) and first["months_continuous"] <= first["months_paid"]

    r = hpf("accounts", "--centre", "460100", "--json", "--reveal", "--limit", "0")
    revealed = json.loads(r.stdout)["accounts"]
    assert len(revealed) == 40 and all(is_valid_id(a["id_number"]) for a in revealed)
    assert revealed[0]["id_number"][:6] == first["id_number"][:6] and "--reveal" in r.stderr

    r = hpf("accounts", "--centre", "460100")
    assert r.exit_code == 0 and "10 of 40" not in r.stdout and "40 accounts" in r.stdout
    assert first["id_number"] in r.stdout

    r = hpf("accounts", "--centre", "460200", "--json")  # another centre sees none of them
    assert json.loads(r.stdout)["total"] == 0


def test_rejected_rows_exit_1_and_write_nothing(hpf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    csv_path = tmp_path / "demo.csv"
    hpf("demo-data", "--centre", "460100", "--count", "5", "--out", str(csv_path))
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines[3] = (
        lines[3].replace("normal", "frozen", 1).replace("sealed", "frozen", 1).replace("closed", "frozen", 1)
    )
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    r = hpf("import", str(csv_path), "--centre", "460100")
    assert r.exit_code == 1
    assert "nothing imported" in r.stderr and "status" in r.stderr and "未导入" in r.stderr
    r = hpf("import", str(csv_path), "--centre", "460100", "--json")
    assert r.exit_code == 1
    body = json.loads(r.stdout)
    assert (
        body["imported"] is False
        and body["rejected"][0]["row"] == 4
        and body["rejected"][0]["column"] == "status"
    )
    assert json.loads(hpf("accounts", "--centre", "460100", "--json").stdout)["total"] == 0


def test_bad_usage_exits_64_with_one_sentence(hpf, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r = hpf("import", str(tmp_path / "missing.csv"), "--centre", "460100")
    assert r.exit_code == 64 and "Cannot read" in r.stderr and "Traceback" not in r.output
    (tmp_path / "wrong.csv").write_text("a,b\n1,2\n")
    r = hpf("import", str(tmp_path / "wrong.csv"), "--centre", "460100", "--json")
    assert r.exit_code == 64 and "missing columns" in json.loads(r.stdout)["error"]
    assert hpf("import", str(tmp_path / "wrong.csv")).exit_code == 64  # no --centre
    r = hpf("accounts", "--centre", "123")
    assert r.exit_code == 64 and "not a centre code" in r.stderr
    assert hpf("accounts", "--centre", "460100", "--limit", "-1").exit_code == 64


def test_migrate_reports_the_revision(hpf) -> None:  # type: ignore[no-untyped-def]
    r = hpf("migrate", "--centre", "460400")
    assert r.exit_code == 0 and f"at revision {head_revision()} (newest)" in r.stdout
    assert hpf("migrate", "--centre", "460400").exit_code == 0


def test_default_database_is_a_sqlite_file_under_home(tmp_path: Path) -> None:
    env = {**os.environ, "HPF_HOME": str(tmp_path / "home")}
    for var in ("DATABASE_URL", "HPF_DATABASE_URL"):
        env.pop(var, None)
    r = subprocess.run(
        [sys.executable, "-m", "issuer.cli", "migrate", "--centre", "460100"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "home" / "issuer" / "460100.sqlite").is_file()


def test_an_unreachable_database_is_one_sentence_not_a_traceback(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql+psycopg://nobody:secret@127.0.0.1:1/none?connect_timeout=2",
    }
    r = subprocess.run(
        [sys.executable, "-m", "issuer.cli", "accounts", "--centre", "460100"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 1
    assert "database cannot be used" in r.stderr and "Traceback" not in r.stderr and "secret" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
