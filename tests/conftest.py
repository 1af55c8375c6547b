"""Session fixtures that start and stop real processes: an anvil node on a free port, and an
in-process eth-tester chain for fast contract tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import EthereumTesterProvider, Web3

from node import accounts as demo
from node.bindings import Contracts
from node.deploy import DeploymentRecord, demo_admins, demo_genesis, deploy
from node.launcher import LocalNode, NodeConfig, free_port
from node.settings import DEFAULT_CHAIN_ID


@pytest.fixture(scope="session")
def anvil_config(tmp_path_factory: pytest.TempPathFactory) -> NodeConfig:
    return NodeConfig(
        host="127.0.0.1", port=free_port(), chain_id=DEFAULT_CHAIN_ID, data_dir=tmp_path_factory.mktemp("anvil")
    )


@pytest.fixture(scope="session")
def anvil(anvil_config: NodeConfig) -> Iterator[LocalNode]:
    node = LocalNode(anvil_config)
    node.start()
    yield node
    node.stop()


@pytest.fixture(scope="session")
def anvil_w3(anvil: LocalNode) -> Web3:
    return Web3(Web3.HTTPProvider(anvil.cfg.rpc_url))


@pytest.fixture(scope="session")
def anvil_deployment(anvil_w3: Web3, tmp_path_factory: pytest.TempPathFactory) -> DeploymentRecord:
    path = tmp_path_factory.mktemp("deployments") / f"{DEFAULT_CHAIN_ID}.json"
    return deploy(anvil_w3, demo.demo_deployer(), demo_genesis(), path, admins=demo_admins()).record


@pytest.fixture(scope="session")
def anvil_contracts(anvil_w3: Web3, anvil_deployment: DeploymentRecord) -> Contracts:
    return Contracts.at(anvil_w3, anvil_deployment.addresses())


def fund_demo_accounts(w3: Web3) -> None:
    """eth-tester funds its own accounts; give the DEMO accounts ether to send with."""
    funder = w3.eth.accounts[0]
    for i in range(demo.DEMO_ACCOUNT_COUNT):
        address = demo.demo_account(i).address
        if w3.eth.get_balance(address) == 0:
            w3.eth.wait_for_transaction_receipt(
                w3.eth.send_transaction({"from": funder, "to": address, "value": 10**21})
            )


@pytest.fixture
def tester_w3() -> Web3:
    w3 = Web3(EthereumTesterProvider())
    fund_demo_accounts(w3)
    return w3


@pytest.fixture
def tester_contracts(tester_w3: Web3, tmp_path: Path) -> Contracts:
    record = deploy(tester_w3, demo.demo_deployer(), demo_genesis(), tmp_path / "d.json", admins=demo_admins()).record
    return Contracts.at(tester_w3, record.addresses())
