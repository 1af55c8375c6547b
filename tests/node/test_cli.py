"""`hpf node …` and `hpf deploy` as a user runs them: exit codes, JSON shapes, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.launcher import free_port


def hpf(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "issuer.console", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    e = dict(os.environ)
    e.update(
        HPF_HOME=str(tmp_path / "var"),
        HPF_DEPLOYMENTS_DIR=str(tmp_path / "deployments"),
        HPF_NODE_PORT=str(free_port()),
        HPF_CONFIG=str(tmp_path / "none.toml"),
    )
    yield e
    subprocess.run([sys.executable, "-m", "issuer.console", "node", "down"], env=e, cwd=tmp_path, capture_output=True)


def test_status_without_a_node_exits_1_with_one_sentence(env: dict[str, str], tmp_path: Path) -> None:
    r = hpf(["node", "status"], env, tmp_path)
    assert r.returncode == 1
    assert "No chain node answers at http://127.0.0.1:" in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr
    r = hpf(["node", "status", "--json"], env, tmp_path)
    assert r.returncode == 1
    assert json.loads(r.stdout)["running"] is False


def test_deploy_without_a_node_is_one_clear_sentence(env: dict[str, str], tmp_path: Path) -> None:
    r = hpf(["deploy"], env, tmp_path)
    assert r.returncode == 1
    assert "hpf node up" in " ".join(r.stderr.split())
    assert "Traceback" not in r.stderr


def test_unreachable_remote_rpc_is_one_clear_sentence(env: dict[str, str], tmp_path: Path) -> None:
    r = hpf(["node", "status"], {**env, "HPF_RPC_URL": "http://127.0.0.1:9"}, tmp_path)
    assert r.returncode == 1
    assert "check HPF_RPC_URL" in " ".join(r.stderr.split())


def test_bad_setting_is_one_clear_sentence(env: dict[str, str], tmp_path: Path) -> None:
    r = hpf(["node", "status"], {**env, "HPF_NODE_PORT": "eighty"}, tmp_path)
    assert r.returncode == 1
    assert "HPF_NODE_PORT" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.integration
def test_up_deploy_status_down_round_trip(env: dict[str, str], tmp_path: Path) -> None:
    r = hpf(["node", "up", "--json"], env, tmp_path)
    assert r.returncode == 0, r.stderr
    up = json.loads(r.stdout)
    assert up["started"] is True and up["chain_id"] == 46000

    r = hpf(["node", "up", "--json"], env, tmp_path)
    assert json.loads(r.stdout)["started"] is False

    r = hpf(["deploy", "--json"], env, tmp_path)
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)
    assert first["deployed"] is True and first["proposals_executed"] == 2
    record = json.loads((tmp_path / "deployments" / "46000.json").read_text())
    assert set(record["contracts"]) == {"Consortium", "CertificateLedger", "Blacklist", "AccessTrace"}
    for c in record["contracts"].values():
        assert c["code_hash"].startswith("0x") and c["block"] >= 1

    r = hpf(["deploy", "--json"], env, tmp_path)
    second = json.loads(r.stdout)
    assert second["deployed"] is False and second["proposals_executed"] == 0
    assert second["contracts"] == first["contracts"]

    r = hpf(["node", "status", "--json"], env, tmp_path)
    assert r.returncode == 0 and json.loads(r.stdout)["chain_id"] == 46000

    r = hpf(["node", "status"], {**env, "HPF_CHAIN_ID": "1"}, tmp_path)
    assert r.returncode == 1
    assert "is chain 46000, but chain 1 is configured" in " ".join(r.stderr.split())

    r = hpf(["node", "down", "--json"], env, tmp_path)
    assert json.loads(r.stdout) == {"stopped": True}
    r = hpf(["node", "up"], env, tmp_path)
    assert r.returncode == 0
    r = hpf(["deploy", "--json"], env, tmp_path)
    assert json.loads(r.stdout)["deployed"] is False  # contracts survived the restart
