"""The local node: command line (pure), argument checks, start/stop, and state kept across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from web3 import Web3

from node import accounts as demo
from node.bindings import BlacklistReason, Contracts, Sender
from node.deploy import demo_admins, demo_genesis, deploy, load_contracts
from node.errors import ConfigError, NodeStartError
from node.launcher import LocalNode, NodeConfig, anvil_command, free_port, rpc_answers


def test_command_is_built_from_config_without_starting_anything(tmp_path: Path) -> None:
    cfg = NodeConfig(host="127.0.0.1", port=9999, chain_id=46000, data_dir=tmp_path, block_time=2)
    cmd = anvil_command(cfg)
    assert cmd[0].endswith("anvil")

    def value(flag: str) -> str:
        return cmd[cmd.index(flag) + 1]

    assert value("--port") == "9999"
    assert value("--chain-id") == "46000"
    assert value("--state") == str(tmp_path / "anvil-state.json")
    assert value("--block-time") == "2"
    assert value("--host") == "127.0.0.1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"port": 0}, "not a TCP port"), ({"port": 70000}, "not a TCP port"), ({"chain_id": 0}, "positive")],
)
def test_bad_arguments_are_refused_up_front(tmp_path: Path, kwargs: dict[str, int], message: str) -> None:
    base = {"host": "127.0.0.1", "port": 8545, "chain_id": 46000, "data_dir": tmp_path}
    with pytest.raises(ConfigError, match=message):
        NodeConfig(**{**base, **kwargs})  # type: ignore[arg-type]


def test_missing_binary_is_a_clear_error(tmp_path: Path) -> None:
    cfg = NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=tmp_path, binary=tmp_path / "nope")
    with pytest.raises(NodeStartError, match="anvil is not installed"):
        LocalNode(cfg).start()


@pytest.mark.integration
def test_up_is_idempotent_and_stop_keeps_contracts_and_entries(tmp_path: Path) -> None:
    cfg = NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=tmp_path / "node")
    node = LocalNode(cfg)
    try:
        assert node.start() is True
        assert node.start() is False  # already running: nothing started
        w3 = Web3(Web3.HTTPProvider(cfg.rpc_url))
        record_path = tmp_path / "46000.json"
        first = deploy(w3, demo.demo_deployer(), demo_genesis(), record_path, admins=demo_admins())
        assert first.deployed
        contracts = Contracts.at(w3, first.record.addresses())
        operator = Sender(w3, demo.demo_account(demo.demo_centre(460100).operator_index))
        subject = b"\x11" * 32
        expires = w3.eth.get_block("latest")["timestamp"] + 4 * 365 * 24 * 3600
        entry_id = contracts.blacklist.list(operator, subject, BlacklistReason.LOAN_DEFAULT, expires, b"\x22" * 32)
        contracts.ledger.anchor(operator, b"\x33" * 32, 7)
        block_before = w3.eth.block_number

        assert node.stop() is True
        assert rpc_answers(cfg.rpc_url) is None
        assert node.stop() is False
        assert node.start() is True

        assert w3.eth.block_number == block_before
        again = load_contracts(w3, record_path)
        assert [e.id for e in again.blacklist.active_entries_of(subject)] == [entry_id]
        batch = again.ledger.batch(460100, b"\x33" * 32)
        assert batch is not None and batch.centre == 460100 and batch.leaf_count == 7
        assert again.consortium.institution(91000001).active
        second = deploy(w3, demo.demo_deployer(), demo_genesis(), record_path, admins=demo_admins())
        assert not second.deployed and second.proposals_executed == 0
        assert second.record == first.record
    finally:
        node.stop()


@pytest.mark.integration
def test_port_taken_by_another_chain_is_refused(anvil: LocalNode, tmp_path: Path) -> None:
    cfg = NodeConfig(host="127.0.0.1", port=anvil.cfg.port, chain_id=1234, data_dir=tmp_path)
    with pytest.raises(NodeStartError, match="taken by a node of chain 46000"):
        LocalNode(cfg).start()


@pytest.mark.integration
def test_reset_starts_a_fresh_chain(tmp_path: Path) -> None:
    cfg = NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=tmp_path)
    node = LocalNode(cfg)
    try:
        node.start()
        w3 = Web3(Web3.HTTPProvider(cfg.rpc_url))
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_transaction({"from": w3.eth.accounts[0], "to": w3.eth.accounts[1], "value": 1})
        )
        assert w3.eth.block_number == 1
        node.reset()
        assert not cfg.state_file.exists()
        node.start()
        assert w3.eth.block_number == 0
    finally:
        node.stop()
