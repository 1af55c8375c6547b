"""Issue 12, items 7, 8 and 11 on the centre's side: error paths that answered 500 or a traceback,
exit codes that blurred "listed" with "could not check", and files at rest readable by everyone.

Before: a GBK or Latin-1 blacklist file and a field over 128 KB ended in a traceback
(UnicodeDecodeError, csv.Error); a negative entry id reached the chain; an audience above 2^32
was accepted by the staff API (500 with a chain, 503 without); `hpf blacklist check` exited 1
("listed") when the chain was down; `hpf verify --as abc` exited 2 (INDETERMINATE); the SQLite
databases and their directory were 0644 / 0755; a 0644 key file was used without a word."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from issuer.blacklist import BadBlacklistInput, BlacklistService, _read_ids
from issuer.csvfiles import BadCsvFile, decode_text, read_csv_rows
from issuer.db import make_engine, upgrade
from issuer.ids import make_id
from issuer.settings import IssuerSettings
from node.bindings import LiftReason
from node.launcher import free_port
from node.private_files import InsecureFile
from node.settings import Settings

CENTRE = 460100
VALID_ID = make_id(region_code=460100, birth_date=date(1990, 5, 17), sequence=123)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def offline_service() -> BlacklistService:
    """The service's input handling only: everything tested here is refused before the chain."""
    return BlacklistService.__new__(BlacklistService)


# --------------------------------------------------------------------------------------------------
# Item 7: files that are not UTF-8, fields over 128 KB, ids out of range


def test_gbk_and_latin1_files_are_detected_and_read(tmp_path: Path) -> None:
    text = "id_number,reason,years,note\n110101199003071234,forged-materials,3,伪造收入证明，已核实\n"
    assert decode_text(text.encode("gbk")) == (text, "gb18030")
    assert decode_text(text.encode("utf-8-sig"))[0] == text
    latin = "id_number,reason,years,note\n110101199003071234,other,3,Müller café\n"
    assert decode_text(latin.encode("latin-1"))[0] == latin
    path = tmp_path / "ids.csv"
    path.write_bytes(f"id_number,姓名\n{VALID_ID},张三\n".encode("gbk"))
    assert _read_ids(path) == [VALID_ID]


def test_a_gbk_import_file_is_validated_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_bytes(("id_number,reason,years,note\n"
                      f"{VALID_ID},forged-materials,9,伪造材料\n").encode("gbk"))
    report = offline_service().import_entries(path)
    assert report.listed == 0 and [r["row"] for r in report.rejected] == [2]


def test_a_field_over_128_kb_names_its_row(tmp_path: Path) -> None:
    path = tmp_path / "entries.csv"
    path.write_text("id_number,reason,years,note\n"
                    f"{VALID_ID},other,3,short\n"
                    f"{VALID_ID},other,3,{'x' * 200_000}\n", encoding="utf-8")
    with pytest.raises(BadCsvFile) as info:
        read_csv_rows(path)
    assert "Row 3" in info.value.message and "128 KB" in info.value.message and info.value.exit_code == 64
    with pytest.raises(BadCsvFile):
        offline_service().import_entries(path)


@pytest.mark.parametrize("entry_id", [-1, 0, 2**64])
def test_an_entry_id_out_of_range_is_bad_input(entry_id: int) -> None:
    with pytest.raises(BadBlacklistInput) as info:
        offline_service().lift(entry_id, LiftReason.APPEAL_UPHELD)
    assert str(entry_id) in info.value.message and info.value.exit_code == 64


@pytest.fixture
def portal(tmp_path: Path) -> TestClient:
    from issuer.api import create_app

    ns = Settings(home=tmp_path, node_port=free_port())
    return TestClient(create_app(CENTRE, node_settings=ns, issuer_settings=IssuerSettings(home=tmp_path)))


def test_the_staff_api_refuses_ids_out_of_range_with_one_sentence(portal: TestClient) -> None:
    staff = {"X-Staff-Key": f"demo-staff-{CENTRE}"}
    with portal as c:
        for entry_id in ("-1", "0", str(2**64), "99999999999999999999999"):
            r = c.post(f"/v1/staff/blacklist/{entry_id}/lift", json={"reason": "appeal"}, headers=staff)
            assert r.status_code == 422 and "entry_id" in r.json()["error"], r.text
        r = c.post("/v1/staff/certificates", json={"id_number": VALID_ID, "audience": 2**32}, headers=staff)
        assert r.status_code == 422 and "audience" in r.json()["error"], r.text


# --------------------------------------------------------------------------------------------------
# Item 8: exit codes


def hpf(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HPF_HOME": str(home), "HPF_CONFIG": str(home / "none.toml"),
           "HPF_NODE_PORT": str(free_port()), "HPF_DEPLOYMENTS_DIR": str(home / "deployments")}
    return subprocess.run([sys.executable, "-m", "issuer.console", *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_blacklist_check_exits_2_when_it_could_not_check(tmp_path: Path) -> None:
    r = hpf("blacklist", "check", "--centre", str(CENTRE), VALID_ID, "--json", home=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    body = json.loads(r.stdout)
    assert body["checked"] is False and body["listed"] is None
    r = hpf("blacklist", "check", "--centre", str(CENTRE), "12345", home=tmp_path)
    assert r.returncode == 64  # a bad ID number is bad input, whether or not the chain is up


def test_bad_usage_of_verify_exits_64(tmp_path: Path) -> None:
    r = hpf("verify", "HPF1:ABC", "--as", "abc", home=tmp_path)
    assert r.returncode == 64, r.stderr
    r = hpf("blacklist", "lift", "--centre", str(CENTRE), "abc", "--reason", "x", home=tmp_path)
    assert r.returncode == 64, r.stderr


# --------------------------------------------------------------------------------------------------
# Item 11: files at rest


def test_databases_are_created_private(tmp_path: Path) -> None:
    os.umask(0o022)
    db = tmp_path / "centre" / "460100.sqlite"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    engine.dispose()
    assert mode(db) == 0o600 and mode(db.parent) == 0o700
    for extra in db.parent.glob("460100.sqlite-*"):  # WAL and shared memory: the database's mode
        assert mode(extra) & 0o077 == 0, extra


def test_key_files_are_private_and_a_world_readable_one_is_refused(tmp_path: Path) -> None:
    from issuer.pki import ensure_centre_certificate

    os.umask(0o022)
    pki = tmp_path / "pki"
    ensure_centre_certificate(pki, CENTRE, "海口市住房公积金管理局", passphrase="test")
    assert mode(pki) == 0o700
    for key in pki.glob("*.key.pem"):
        assert mode(key) == 0o600
    leaked = pki / f"centre-{CENTRE}.key.pem"
    leaked.chmod(0o644)
    with pytest.raises(InsecureFile) as info:
        ensure_centre_certificate(pki, CENTRE, "海口市住房公积金管理局", passphrase="test")
    assert str(leaked) in str(info.value) and "chmod 600" in str(info.value)


def test_the_portal_refuses_to_start_on_a_world_readable_key_file(tmp_path: Path) -> None:
    from issuer.api import create_app
    from issuer.pki import ensure_demo_ca

    ensure_demo_ca(tmp_path / "pki", passphrase="test")
    (tmp_path / "pki" / "demo-ca.key.pem").chmod(0o644)
    ns = Settings(home=tmp_path, node_port=free_port())
    app = create_app(CENTRE, node_settings=ns, issuer_settings=IssuerSettings(home=tmp_path))
    with pytest.raises(InsecureFile, match="readable by every user"), TestClient(app):
        pass
