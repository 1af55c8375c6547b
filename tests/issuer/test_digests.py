"""A centre of the national suite (SM2) keeps its off-chain integrity records with SM3: the case
file's hash that goes on chain with a listing, the evidence hash, and a lift note's hash. OpenSSL
(`openssl dgst -sm3`, Debian's OpenSSL 3) checks the SM3 values independently."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from issuer.blacklist import BlacklistService
from issuer.digests import digest, digest_for_centre
from issuer.governance import note_hash
from node.bindings import BlacklistReason


def _openssl_sm3(path: Path) -> bytes:
    out = subprocess.run(["openssl", "dgst", "-sm3", "-r", str(path)], capture_output=True, text=True, check=True)
    return bytes.fromhex(out.stdout.split()[0])


def _service(tmp_path: Path, name: str) -> BlacklistService:
    service = BlacklistService.__new__(BlacklistService)  # only the off-chain case store is used
    service.centre, service.storage, service.digest = 460400, tmp_path, name  # type: ignore[assignment]
    return service


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_sm3_case_files_match_openssl(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.pdf"
    evidence.write_bytes("伪造的收入证明扫描件".encode() * 100)
    service = _service(tmp_path, "sm3")
    case_hash = service._store_case(b"\x01" * 32, BlacklistReason.FORGED_MATERIALS, "案卷 2026-17", evidence)
    case_file = tmp_path / "cases" / f"{case_hash.hex()}.json"
    assert _openssl_sm3(case_file) == case_hash
    record = json.loads(case_file.read_text())
    assert bytes.fromhex(record["evidence_sm3"]) == _openssl_sm3(evidence)
    note = tmp_path / "note.txt"
    note.write_text("申诉成立，原列入依据不足", encoding="utf-8")
    assert note_hash(note.read_text(encoding="utf-8"), "sm3") == _openssl_sm3(note)
    assert note_hash("", "sm3") == bytes(32)


def test_sha256_stays_for_other_centres(tmp_path: Path) -> None:
    service = _service(tmp_path, "sha256")
    case_hash = service._store_case(b"\x02" * 32, BlacklistReason.LOAN_DEFAULT, "", None)
    blob = (tmp_path / "cases" / f"{case_hash.hex()}.json").read_bytes()
    assert digest(blob) == case_hash and digest(blob, "sm3") != case_hash
    with pytest.raises(ValueError):
        digest(b"x", "md5")  # type: ignore[arg-type]


def test_the_suite_follows_the_centres_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from issuer.settings import get_issuer_settings

    monkeypatch.setenv("HPF_SIGNING_ALGORITHMS", '{"460300": "sm2", "460100": "ed25519"}')
    get_issuer_settings.cache_clear()
    try:
        assert digest_for_centre(460300) == "sm3"
        assert digest_for_centre(460100) == "sha256"
    finally:
        monkeypatch.delenv("HPF_SIGNING_ALGORITHMS")
        get_issuer_settings.cache_clear()
