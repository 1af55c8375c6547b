"""Both compilers (py-solc-x over solc-js, and Hardhat 3) give the same runtime bytecode."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from node.compiler import CONTRACT_NAMES, PROJECT_ROOT, compile_contracts, source_hash, strip_metadata

HARDHAT_ARTIFACTS = PROJECT_ROOT / "var" / "hardhat" / "artifacts" / "contracts"


@pytest.fixture(scope="module")
def hardhat_artifacts() -> dict[str, dict[str, object]]:
    env = dict(os.environ, PATH=f"{PROJECT_ROOT / 'node_modules' / '.bin'}:{os.environ['PATH']}")
    subprocess.run(
        ["npx", "--no-install", "hardhat", "compile", "--quiet"], cwd=PROJECT_ROOT, env=env, check=True,
        capture_output=True,
    )
    return {n: json.loads((HARDHAT_ARTIFACTS / f"{n}.sol" / f"{n}.json").read_text()) for n in CONTRACT_NAMES}


def test_every_contract_has_identical_runtime_bytecode(hardhat_artifacts: dict[str, dict[str, str]]) -> None:
    ours = compile_contracts()
    for name in CONTRACT_NAMES:
        theirs = hardhat_artifacts[name]["deployedBytecode"]
        assert len(theirs) > 1000, name
        # Source paths differ (Hardhat names them project/… and npm/…), so only the metadata
        # trailer may differ; everything that executes must be byte for byte the same.
        assert strip_metadata(ours[name].runtime_bytecode) == strip_metadata(theirs), name
        assert ours[name].abi == hardhat_artifacts[name]["abi"], name


def test_source_hash_changes_with_sources(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    before = source_hash()
    assert before == source_hash()
    import node.compiler as compiler

    real = compiler.source_files

    def with_extra() -> list[object]:
        extra = PROJECT_ROOT / "contracts" / "compiler.json"
        return [*real(), extra]

    monkeypatch.setattr(compiler, "source_files", with_extra)
    assert source_hash() != before


def test_strip_metadata_removes_cbor_trailer() -> None:
    body = bytes.fromhex("6080604052")
    trailer = bytes.fromhex("a264697066735822") + bytes(34)
    code = "0x" + (body + trailer + len(trailer).to_bytes(2, "big")).hex()
    assert strip_metadata(code) == body.hex()
