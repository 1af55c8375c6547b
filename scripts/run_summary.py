"""Print what `make run` brought up and where to go (called by the Makefile)."""

from __future__ import annotations

from node.accounts import DEMO_CENTRES, DEMO_INSTITUTIONS
from node.compiler import CONTRACT_NAMES
from node.deploy import DeploymentRecord
from node.settings import get_settings


def main() -> None:
    s = get_settings()
    record = DeploymentRecord.load(s.deployment_file)
    print()
    print("hpf-trust local network is up")
    print(f"  chain RPC        {s.effective_rpc_url}  (chain id {s.chain_id})")
    print(f"  deployment file  {s.deployment_file}")
    for name in CONTRACT_NAMES:
        c = record.contracts[name]
        print(f"    {name:<18} {c.address}")
    print("  demo centres     " + ", ".join(f"{c.code} {c.name}" for c in DEMO_CENTRES))
    print("  demo lenders     " + ", ".join(f"{i.id} {i.name}" for i in DEMO_INSTITUTIONS))
    print(f"  verifier page    http://{s.verifier_host}:{s.verifier_port}/?key=demo-key-91000001  (loan officers)")
    print(f"  verifier API     http://{s.verifier_host}:{s.verifier_port}/docs  (X-API-Key: demo-key-91000001)")
    print(f"  node log         {s.node_dir / 'anvil.log'}")
    print("  stop with        make stop   (state is kept; `make run` resumes)")


if __name__ == "__main__":
    main()
