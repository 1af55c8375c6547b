"""One real 4-validator geth Clique network shared by this package's tests (started once, ~20 s
with the contracts deployed), and helpers that put a centre's issuer or a verifier on one node."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import Engine
from web3 import Web3

from issuer.issuance import Issuer, open_issuer
from issuer.settings import IssuerSettings
from node import accounts as demo
from node.bindings import Contracts
from node.chain import poa
from node.deploy import DeploymentRecord, demo_admins, demo_genesis, deploy
from node.geth import geth_binary
from node.network import NETWORK_CHAIN_ID, LocalNetwork
from node.rpc import RpcClient
from node.settings import Settings
from tests.issuer.network import centre_with_accounts
from verifier.chain import RpcChainReader
from verifier.pipeline import Verifier

VALIDATORS = 4


@dataclass
class GethNet:
    home: Path
    net: LocalNetwork
    record: DeploymentRecord
    engines: dict[int, Engine] = field(default_factory=dict)

    def url(self, i: int) -> str:
        return self.net.node(i).rpc_url

    def settings(self, i: int) -> Settings:
        return Settings(home=self.home, deployments_dir=self.home / "deployments", rpc_url=self.url(i),
                        chain_id=NETWORK_CHAIN_ID, local_network=True, rpc_timeout=5.0)

    def w3(self, i: int) -> Web3:
        return poa(Web3(Web3.HTTPProvider(self.url(i), request_kwargs={"timeout": 10})))

    def contracts(self, i: int) -> Contracts:
        return Contracts.at(self.w3(i), self.record.addresses())

    def issuer(self, centre: int, node: int, engine: Engine) -> Issuer:
        return open_issuer(centre, node_settings=self.settings(node), issuer_settings=IssuerSettings(home=self.home),
                           engine=engine, batch_timeout=0.3)

    def engine(self, centre: int) -> Engine:
        """The centre's database (300 demo accounts), one per centre for the session."""
        if centre not in self.engines:
            self.engines[centre] = centre_with_accounts(self.home, centre, 300, seed=centre % 1000)
        return self.engines[centre]

    def verifier(self, node: int, *, max_head_age: float = 60.0) -> Verifier:
        a = self.record.addresses()
        reader = RpcChainReader(RpcClient(self.url(node), timeout=5), ledger=a["CertificateLedger"],
                                consortium=a["Consortium"], blacklist=a["Blacklist"], max_head_age=max_head_age)
        return Verifier(reader)

    def head(self, i: int) -> int:
        return RpcClient(self.url(i), timeout=5).head().number

    def wait_synced(self, timeout: float = 60.0) -> None:
        """Until every running validator has the same head (± 1 block) and peers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = [r for r in self.net.status() if r["running"]]
            if rows and all(r["lag"] is not None and r["lag"] <= 1 and r["peers"] for r in rows):
                return
            time.sleep(0.5)
        raise AssertionError(f"validators did not sync: {self.net.status()}")


@pytest.fixture(scope="session")
def geth_net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GethNet]:
    if not geth_binary().is_file():
        pytest.fail("geth is not built: `make geth` (scripts/bootstrap-geth.sh) builds it; `make test` does it first")
    home = tmp_path_factory.mktemp("gethnet")
    net = LocalNetwork(home / "network")
    net.up(VALIDATORS)
    try:
        w3 = poa(Web3(Web3.HTTPProvider(net.node(0).rpc_url)))
        record = deploy(w3, demo.demo_deployer(), demo_genesis(), home / "deployments" / f"{NETWORK_CHAIN_ID}.json",
                        admins=demo_admins()).record
        g = GethNet(home=home, net=net, record=record)
        g.wait_synced()
        yield g
    finally:
        for e in g.engines.values() if "g" in locals() else ():
            e.dispose()
        net.down()
