"""Fixtures for verifier tests: a chain of each module's own (some tests suspend a centre)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from node import accounts as demo
from node.bindings import Contracts
from node.deploy import demo_admins, demo_genesis, deploy
from node.launcher import LocalNode, NodeConfig, free_port
from verifier.chain import RpcChainReader, RpcClient

from .issuing import register_key


@pytest.fixture(scope="module")
def chain_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HPF_HOME of the module's chain; its deployment record is in deployments/46000.json under it."""
    return tmp_path_factory.mktemp("chain")


@pytest.fixture(scope="module")
def chain(chain_home: Path) -> Iterator[tuple[Web3, Contracts]]:
    """A chain of this module's own: some tests suspend a centre."""
    node = LocalNode(NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=chain_home / "node"))
    node.start()
    try:
        w3 = Web3(Web3.HTTPProvider(node.cfg.rpc_url))
        record_path = chain_home / "deployments" / "46000.json"
        record = deploy(w3, demo.demo_deployer(), demo_genesis(), record_path, admins=demo_admins()).record
        yield w3, Contracts.at(w3, record.addresses())
    finally:
        node.stop()


@pytest.fixture(scope="module")
def reader(chain: tuple[Web3, Contracts]) -> RpcChainReader:
    w3, c = chain
    return RpcChainReader(RpcClient(w3.provider.endpoint_uri), ledger=c.ledger.address,  # type: ignore[attr-defined]
                       consortium=c.consortium.address, blacklist=c.blacklist.address)


@pytest.fixture(scope="module")
def chain_env(chain: tuple[Web3, Contracts], chain_home: Path) -> dict[str, str]:
    """Environment variables that point `hpf` at the module's chain."""
    port = chain[0].provider.endpoint_uri.rsplit(":", 1)[1]  # type: ignore[attr-defined]
    return {
        "HPF_HOME": str(chain_home),
        "HPF_DEPLOYMENTS_DIR": str(chain_home / "deployments"),
        "HPF_NODE_PORT": port,
        "HPF_CONFIG": str(chain_home / "none.toml"),
    }


@pytest.fixture(scope="module")
def haikou_key(chain: tuple[Web3, Contracts]) -> tuple[object, bytes]:
    return register_key(chain[1], 460100)


