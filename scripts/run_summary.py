"""Print what `make run` brought up and where to go (called by the Makefile)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
    print(f"  verifier page    http://{s.verifier_host}:{s.verifier_port}/  (loan officers: sign in with demo-key-91000001)")
    print(f"  verifier API     http://{s.verifier_host}:{s.verifier_port}/docs  (X-API-Key: demo-key-91000001)")
    from issuer.passwords import DEMO_PASSWORD
    from issuer.settings import get_issuer_settings

    iset = get_issuer_settings()
    for c in DEMO_CENTRES:
        url = f"http://{iset.issuer_host}:{iset.issuer_port(c.code)}"
        print(f"  portal {c.code}    {url}/  (employees)   staff: {url}/staff  (key demo-staff-{c.code})")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from demo_setup import logins

    for id_number, name in logins():
        print(f"  demo login       {id_number} / {DEMO_PASSWORD}  ({name}, 海口)")
    if os.environ.get("HPF_NETWORK_DEMO"):  # make run VALIDATORS=N
        print(f"  node logs        {s.network_dir}/validator-*/geth.log; services' logs in {s.home / 'run'}")
        print("  validators       `HPF_HOME=var/network-demo .venv/bin/hpf network status` (each centre on its own)")
        print("  stop with        make stop   (state is kept; `make run VALIDATORS=N` resumes)")
    else:
        print(f"  node log         {s.node_dir / 'anvil.log'}; services' logs in {s.home / 'run'}")
        print("  stop with        make stop   (state is kept; `make run` resumes)")


if __name__ == "__main__":
    main()
