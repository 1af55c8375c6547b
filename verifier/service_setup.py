"""Building a Verifier from settings: the deployment record, the RPC, the event index."""

from __future__ import annotations

from pathlib import Path

from node.deploy import DeploymentRecord
from node.settings import Settings
from verifier.chain import RpcChainReader, RpcClient


def chain_reader(settings: Settings, *, deployment_file: Path | None = None) -> RpcChainReader:
    """An RpcChainReader for the configured network. Raises DeploymentMissing without a record."""
    record = DeploymentRecord.load(deployment_file or settings.deployment_file)
    addresses = record.addresses()
    return RpcChainReader(
        RpcClient(settings.effective_rpc_url, timeout=settings.rpc_timeout),
        ledger=addresses["CertificateLedger"],
        consortium=addresses["Consortium"],
        blacklist=addresses["Blacklist"],
        max_head_age=settings.max_head_age,
    )
