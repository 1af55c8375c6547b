"""A lender installs the verifier with pip and nothing else: no Node.js, no node_modules, no
Solidity sources. The wheel is built from the project, installed into a clean venv, and its
`hpf verify` checks a published test vector against a real anvil node; `hpf verifier serve`
starts and reads the chain."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from node import accounts as demo
from node.bindings import Contracts, KeyAlgorithm
from node.compiler import PROJECT_ROOT
from node.deploy import demo_admins, demo_genesis, deploy
from node.launcher import LocalNode, NodeConfig, free_port

from .issuing import admin, operator

pytestmark = [pytest.mark.integration, pytest.mark.slow]

VECTOR = json.loads((PROJECT_ROOT / "docs" / "test-vectors" / "valid-eddsa.json").read_text())


def _build_wheel(work: Path) -> Path:
    """From a copy of what the package is made of, so the worktree gets no build/ or egg-info."""
    src = work / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, src / name)
    for package in ("node", "verifier", "issuer"):
        shutil.copytree(PROJECT_ROOT / package, src / package, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--disable-pip-version-check",
         "-w", str(work / "dist"), f"{src}/"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (wheel,) = (work / "dist").glob("hpf_trust-*.whl")
    return wheel


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(work)
    venv = work / "venv"
    base_python = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base_python, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
         "--disable-pip-version-check", str(wheel)],
        check=True, capture_output=True, timeout=1200,
    )  # fmt: skip
    return venv


@pytest.fixture(scope="module")
def vector_chain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """An anvil node set to the vector's month, with the demo consortium deployed, the vector's
    key registered by Haikou and its batch root anchored by Haikou: (home, RPC URL)."""
    home = tmp_path_factory.mktemp("vector-chain")
    node = LocalNode(NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=home / "node",
                                persist=False))
    node.start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.cfg.rpc_url))
        # The vector is valid in January 2026: the chain's clock decides expiry, so set it there.
        w3.provider.make_request("anvil_setTime", [VECTOR["certificate"]["issued_at"] + 3600])  # type: ignore[arg-type]
        record_path = home / "deployments" / "46000.json"
        record = deploy(w3, demo.demo_deployer(), demo_genesis(), record_path, admins=demo_admins()).record
        c = Contracts.at(w3, record.addresses())
        c.consortium.register_key(admin(w3, 460100), bytes.fromhex(VECTOR["key_id"]), KeyAlgorithm.EDDSA,
                                  bytes.fromhex(VECTOR["public_key"]))
        c.ledger.anchor(operator(w3, 460100), bytes.fromhex(VECTOR["proof"]["root"]), 3)
        yield home, node.cfg.rpc_url
    finally:
        node.stop()


def _env(venv: Path, home: Path, rpc_url: str) -> dict[str, str]:
    """Only the venv on PATH (the system has a `node` in /usr/bin) and nothing of the project."""
    env = {
        "PATH": str(venv / "bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "HPF_RPC_URL": rpc_url,
        "HPF_HOME": str(home / "var"),
        "HPF_DEPLOYMENTS_DIR": str(home / "deployments"),
        "HPF_CONFIG": str(home / "none.toml"),
        "HPF_BUILD_CACHE": str(home / "no-build-cache"),
    }
    assert shutil.which("node", path=env["PATH"]) is None and shutil.which("npx", path=env["PATH"]) is None
    return env


def test_installed_wheel_has_no_project_around_it(clean_venv: Path, vector_chain: tuple[Path, str]) -> None:
    home, rpc_url = vector_chain
    probe = subprocess.run(
        [str(clean_venv / "bin" / "python"), "-c",
         ("import json, node, verifier, node.abi as a, node.compiler as c; "
          "print(json.dumps([node.__file__, verifier.__file__, str(c.NODE_MODULES), str(c.CONTRACTS_DIR), "
          "len(a.abi('CertificateLedger'))]))")],
        env=_env(clean_venv, home, rpc_url), cwd=home, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    node_file, verifier_file, node_modules, contracts_dir, abi_items = json.loads(probe.stdout)
    assert Path(node_file).is_relative_to(clean_venv) and Path(verifier_file).is_relative_to(clean_venv)
    assert not Path(node_modules).exists() and not Path(contracts_dir).exists()
    assert abi_items > 10


def test_hpf_verify_from_the_wheel_verifies_a_test_vector(clean_venv: Path, vector_chain: tuple[Path, str]) -> None:
    home, rpc_url = vector_chain
    run = subprocess.run(
        [str(clean_venv / "bin" / "hpf"), "verify", VECTOR["hpf1"], "--json"],
        env=_env(clean_venv, home, rpc_url), cwd=home, capture_output=True, text=True, timeout=120,
    )
    result = json.loads(run.stdout)
    # The vector was valid in January 2026: expiry is judged at the later of the head's time and
    # the verifier's clock, so once that clock is past valid_until it is EXPIRED (exit 1) and
    # every other check (key, signature, proof, chain read, anchor, membership) still passes.
    expired = time.time() > VECTOR["certificate"]["valid_until"]
    assert run.returncode == (1 if expired else 0), run.stdout + run.stderr
    assert result["verdict"] == ("INVALID" if expired else "VALID")
    assert result["reasons"] == (["EXPIRED"] if expired else [])
    assert result["digest"] == "0x" + VECTOR["expected"]["digest"]
    assert result["certificate"]["number"] == VECTOR["certificate"]["number"]
    assert result["certificate"]["centre_name"] == "海口市住房公积金管理局"
    assert all(c["status"] == "ok" for c in result["checks"] if c["name"] != "not_expired")
    assert not (home / "no-build-cache").exists()  # nothing was compiled


def test_hpf_verifier_serve_from_the_wheel_starts(clean_venv: Path, vector_chain: tuple[Path, str]) -> None:
    home, rpc_url = vector_chain
    port = free_port()
    log = (home / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(clean_venv / "bin" / "hpf"), "verifier", "serve", "--port", str(port)],
        env=_env(clean_venv, home, rpc_url), cwd=home, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        health = None
        deadline = time.monotonic() + 90
        while health is None and time.monotonic() < deadline:
            assert proc.poll() is None, (home / "serve.log").read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    health = json.loads(resp.read())
            except OSError:
                time.sleep(0.3)
        assert health is not None, (home / "serve.log").read_text()
        assert health["status"] == "ok" and health["chain"]["reachable"] is True and health["chain"]["block"] > 0
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
            assert "<html" in resp.read().decode().lower()  # the loan officers' page, from package data
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
