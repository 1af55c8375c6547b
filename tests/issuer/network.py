"""A local consortium for one test module: anvil on a free port under `home`, the contracts
deployed with the demo consortium, and the settings and environment that point at it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from web3 import Web3

from issuer.db import make_engine, session_scope, upgrade
from issuer.demo_data import generate_csv
from issuer.importer import import_accounts
from issuer.settings import IssuerSettings
from node import accounts as demo
from node.bindings import Contracts
from node.deploy import demo_admins, demo_genesis, deploy
from node.launcher import LocalNode, NodeConfig, free_port
from node.settings import Settings


@dataclass(frozen=True)
class Network:
    home: Path
    node: LocalNode
    settings: Settings
    contracts: Contracts

    def env(self, **extra: str) -> dict[str, str]:
        """The process environment that points `hpf` at this network."""
        return {
            **os.environ,
            "HPF_HOME": str(self.home),
            "HPF_DEPLOYMENTS_DIR": str(self.home / "deployments"),
            "HPF_NODE_PORT": str(self.node.cfg.port),
            "HPF_CONFIG": str(self.home / "none.toml"),
            **extra,
        }


@contextmanager
def local_network(home: Path) -> Iterator[Network]:
    node = LocalNode(NodeConfig(host="127.0.0.1", port=free_port(), chain_id=46000, data_dir=home / "node"))
    node.start()
    try:
        settings = Settings(home=home, deployments_dir=home / "deployments", node_port=node.cfg.port)
        w3 = Web3(Web3.HTTPProvider(node.cfg.rpc_url))
        record = deploy(w3, demo.demo_deployer(), demo_genesis(), settings.deployment_file, admins=demo_admins()).record
        yield Network(home=home, node=node, settings=settings, contracts=Contracts.at(w3, record.addresses()))
    finally:
        node.stop()


def centre_with_accounts(home: Path, centre: int, count: int, *, seed: int) -> Engine:
    """The centre's database under `home`, migrated, with `count` demo accounts imported."""
    engine = make_engine(IssuerSettings(home=home).database_url_for(centre))
    upgrade(engine)
    path = generate_csv(home / f"accounts-{centre}.csv", centre, count, seed=seed)
    with session_scope(engine) as s:
        report = import_accounts(s, centre, path)
    assert not report.rejected, report.rejected[:3]
    return engine
