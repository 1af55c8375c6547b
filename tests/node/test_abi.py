"""The shipped ABIs (node/abi/*.json): equal to what the sources compile to, loaded without a
compiler, and their runtime code hashes those of the contracts `hpf deploy` puts on chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from web3 import Web3

import node.compiler
from node import abi as shipped_abi
from node.abi import CONTRACT_NAMES, REGENERATE, render, shipped, stale_files
from node.bindings import Contracts, decode_revert
from node.bindings.reverts import _error_table
from node.errors import ConfigError
from node.indexer import Indexer


def test_shipped_abis_are_those_of_the_sources() -> None:
    """Recompiles (cached by source hash) and compares byte for byte."""
    stale = stale_files()
    assert not stale, (
        f"node/abi/ is stale for {', '.join(stale)}: the contract sources changed. "
        f"Run `{REGENERATE}` and commit node/abi/."
    )


def test_generation_is_deterministic_and_names_what_regenerates_it() -> None:
    artifacts = node.compiler.compile_contracts()
    for name in CONTRACT_NAMES:
        text = render(artifacts[name])
        assert text == render(artifacts[name])
        body = json.loads(text)
        assert body["contract"] == name and body["generated_by"] == "make abi"
        assert body["abi"] == artifacts[name].abi


def test_stale_and_missing_files_are_named(tmp_path: Path) -> None:
    assert sorted(shipped_abi.write(tmp_path)) == sorted(f"{n}.json" for n in CONTRACT_NAMES)
    assert shipped_abi.write(tmp_path) == []  # a second run changes nothing
    edited = json.loads((tmp_path / "Blacklist.json").read_text())
    edited["abi"] = edited["abi"][1:]
    (tmp_path / "Blacklist.json").write_text(json.dumps(edited))
    (tmp_path / "AccessTrace.json").unlink()
    assert sorted(stale_files(tmp_path)) == ["AccessTrace.json", "Blacklist.json"]


def test_bindings_and_indexer_never_compile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def no_compiler() -> object:
        raise AssertionError("compiled at run time")

    monkeypatch.setattr(node.compiler, "compile_contracts", no_compiler)
    monkeypatch.setattr(node.compiler, "_compile_uncached", no_compiler)
    w3 = Web3()
    addresses = {n: f"0x{i + 1:040x}" for i, n in enumerate(CONTRACT_NAMES)}
    contracts = Contracts.at(w3, addresses)
    assert contracts.ledger.contract.functions.certificateStatus is not None
    table = _error_table()
    names = {name for name, _ in table.values()}
    assert {"CertificateLedgerUnknownRoot", "BlacklistNotOperator", "ConsortiumUnknownKey", "AccessTraceTooLarge"} <= names
    selector = Web3.keccak(text="CertificateLedgerUnknownRoot(bytes32)")[:4]
    err = decode_revert(bytes(selector) + bytes(31) + b"\x07")
    assert err.error == "CertificateLedgerUnknownRoot"
    events = Indexer(w3, addresses, 0, tmp_path / "index.sqlite")._event_table()
    assert len(events) >= 15


def test_deployed_code_is_the_shipped_code(tester_contracts: Contracts) -> None:
    """Immutables (the ledger's consortium address) are filled in at deployment; the hash of the
    code read back, with them zeroed, is the shipped one. Another contract's code is not."""
    w3 = tester_contracts.consortium.w3
    codes = {n: bytes(w3.eth.get_code(Web3.to_checksum_address(a))) for n, a in tester_contracts.addresses().items()}
    for name in CONTRACT_NAMES:
        assert shipped(name).is_code_of(codes[name]), name
    assert shipped("CertificateLedger").immutables  # the test means something
    assert not shipped("Blacklist").is_code_of(codes["AccessTrace"])
    tampered = bytearray(codes["AccessTrace"])
    tampered[10] ^= 1
    assert not shipped("AccessTrace").is_code_of(bytes(tampered))


def test_an_unknown_contract_is_refused() -> None:
    with pytest.raises(ConfigError, match="not one of the consortium contracts"):
        shipped("Ledger")
