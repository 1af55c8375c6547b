"""`hpf verify` as lenders script it: exit codes, the JSON shape, inputs, and the access trace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import segno

from node.bindings import AccessTraceBinding, unpack_access_record
from node.sealing import DEMO_TRACE_PRIVATE_KEY
from verifier import format as fmt

from .issuing import issue, make_certificate

pytestmark = pytest.mark.integration


def hpf(args: list[str], env: dict[str, str], cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "issuer.console", *args], env={**os.environ, **env}, cwd=cwd,
                          input=stdin, capture_output=True, timeout=120)


def test_valid_string_png_and_stdin(chain, chain_env, haikou_key, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, signed = issue(c, [make_certificate(w3)], *haikou_key)  # type: ignore[arg-type]
    r = hpf(["verify", texts[0], "--json"], chain_env, tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    body = json.loads(r.stdout)
    assert set(body) >= {"verdict", "reasons", "checks", "certificate", "blacklist"}
    assert body["verdict"] == "VALID" and body["reasons"] == []
    assert {"name", "status", "reason", "message"} <= set(body["checks"][0])
    assert body["certificate"]["number"] == signed[0].certificate.number
    assert body["blacklist"]["listed"] is False

    png = tmp_path / "qr.png"
    segno.make(texts[0], error="q", micro=False).save(png, scale=4, border=4)
    r = hpf(["verify", str(png)], chain_env, tmp_path)
    assert r.returncode == 0
    assert "VALID" in r.stdout.decode() and "真实有效" in r.stdout.decode()

    r = hpf(["verify", "-", "--json"], chain_env, tmp_path, stdin=texts[0].encode())
    assert r.returncode == 0 and json.loads(r.stdout)["verdict"] == "VALID"


def test_exit_codes_invalid_indeterminate_unreadable(chain, chain_env, haikou_key, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, _ = issue(c, [make_certificate(w3, audience=91000002)], *haikou_key)  # type: ignore[arg-type]
    r = hpf(["verify", texts[0], "--json", "--as", "91000001"], chain_env, tmp_path)
    assert r.returncode == 1 and json.loads(r.stdout)["reasons"] == ["WRONG_AUDIENCE"]
    assert set(json.loads(r.stdout)["certificate"]) == {"number", "centre_code", "centre_name"}  # nothing personal
    r = hpf(["verify", texts[0], "--as", "91000001"], chain_env, tmp_path)
    assert r.returncode == 1 and "非贵机构使用" in r.stdout.decode() and "王小明" not in r.stdout.decode()

    down = {**chain_env, "HPF_NODE_PORT": "9"}
    r = hpf(["verify", texts[0], "--json"], down, tmp_path)
    assert r.returncode == 2 and json.loads(r.stdout)["verdict"] == "INDETERMINATE"

    junk = tmp_path / "junk.png"
    junk.write_bytes(os.urandom(2000))
    r = hpf(["verify", str(junk)], chain_env, tmp_path)
    assert r.returncode == 64
    assert "Traceback" not in r.stderr.decode()
    r = hpf(["verify", str(tmp_path / "missing.pdf")], chain_env, tmp_path)
    assert r.returncode == 64


def test_verifying_as_an_institution_records_the_access_on_chain(chain, chain_env, haikou_key, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, signed = issue(c, [make_certificate(w3)], *haikou_key)  # type: ignore[arg-type]
    r = hpf(["verify", texts[0], "--as", "91000001"], chain_env, tmp_path)
    assert r.returncode == 0, r.stderr.decode()
    digest = fmt.certificate_digest(signed[0])
    logs = [lg for lg in c.trace.contract.events.AccessRecorded().get_logs(from_block=0)
            if AccessTraceBinding.open_record(lg["args"], DEMO_TRACE_PRIVATE_KEY) == digest]
    assert len(logs) == 1
    assert unpack_access_record(logs[0]["args"]["record"]).recorder == 91000001
    queue = Path(chain_env["HPF_HOME"]) / "verifier" / "trace-91000001.sqlite"
    assert queue.is_file()
