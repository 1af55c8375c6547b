"""go-ethereum (geth) v1.13.15 as a Clique proof-of-authority validator: where the binary is, the
genesis, the keys and the exact command line. Pure functions a test can check without starting
anything; node/network.py runs the processes.

The binary is built by scripts/bootstrap-geth.sh from the Go module proxy (pinned, cached under
var/geth/). v1.13.15 is the last release that seals Clique blocks. Clique never activates the
merge, so the EVM it runs is Paris-level (no PUSH0/MCOPY): contracts/compiler.json compiles for
"paris".
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys import keys as eth_keys
from eth_utils import keccak

from node.accounts import DEMO_ACCOUNT_COUNT, demo_account
from node.errors import NodeStartError

__all__ = [
    "GETH_VERSION", "GethNode", "clique_extra_data", "clique_genesis", "geth_binary", "geth_command",
    "validator_account", "validator_nodekey",
]  # fmt: skip

GETH_VERSION = "1.13.15"
ROOT = Path(__file__).resolve().parent.parent
BLOCK_PERIOD = 1
GAS_LIMIT = 30_000_000
PASSWORD = "hpf-demo-validator"  # noqa: S105 — DEMO: the validators' keystores guard nothing on a local network
_VALIDATOR_INDEX = 100  # validator i signs with the DEMO mnemonic's account 100 + i


def geth_binary() -> Path:
    """Where scripts/bootstrap-geth.sh puts geth (HPF_GETH_BIN overrides)."""
    override = os.environ.get("HPF_GETH_BIN")
    if override:
        return Path(override)
    base = Path(os.environ.get("HPF_GETH_DIR", ROOT / "var" / "geth"))
    return base / f"v{GETH_VERSION}" / "geth"


def check_geth(binary: Path | None = None) -> Path:
    """The geth binary, after checking it is the pinned version; one clear sentence if not."""
    binary = binary or geth_binary()
    if not binary.is_file():
        raise NodeStartError(f"geth is not built at {binary}: run `bash scripts/bootstrap-geth.sh` (or `make geth`).")
    out = subprocess.run([str(binary), "version"], capture_output=True, text=True, timeout=30, check=False).stdout
    if f"Version: {GETH_VERSION}-stable" not in out:
        raise NodeStartError(f"{binary} is not geth {GETH_VERSION}: run `bash scripts/bootstrap-geth.sh` again.")
    return binary


def validator_account(index: int) -> LocalAccount:
    """DEMO: validator `index`'s sealing account (public mnemonic; guards nothing)."""
    return demo_account(_VALIDATOR_INDEX + index)


def validator_nodekey(index: int) -> bytes:
    """DEMO: validator `index`'s p2p node key (deterministic, so its enode is known in advance)."""
    return keccak(text=f"hpf-demo-nodekey-{index}")


def enode_id(index: int) -> str:
    return eth_keys.PrivateKey(validator_nodekey(index)).public_key.to_bytes().hex()


def clique_extra_data(signers: Sequence[str]) -> str:
    """Clique genesis extraData: 32 vanity bytes, the signers' addresses in ascending order, 65
    zero bytes for the (absent) seal."""
    addrs = sorted(bytes.fromhex(a.removeprefix("0x")) for a in signers)
    return "0x" + (b"\x00" * 32 + b"".join(addrs) + b"\x00" * 65).hex()


def clique_genesis(chain_id: int, signers: Sequence[str], *, period: int = BLOCK_PERIOD) -> dict[str, object]:
    """A Clique genesis: every fork up to London at block 0 (Clique has no merge, so Shanghai and
    later never activate), the DEMO accounts and the validators funded."""
    forks = ["homestead", "eip150", "eip155", "eip158", "byzantium", "constantinople", "petersburg",
             "istanbul", "berlin", "london"]
    config: dict[str, object] = {"chainId": chain_id, **{f"{f}Block": 0 for f in forks}}
    config["clique"] = {"period": period, "epoch": 30000}
    funded = [demo_account(i).address for i in range(DEMO_ACCOUNT_COUNT)] + list(signers)
    return {
        "config": config,
        "difficulty": "0x1",
        "gasLimit": hex(GAS_LIMIT),
        "extradata": clique_extra_data(signers),
        "alloc": {a.removeprefix("0x").lower(): {"balance": hex(10**24)} for a in funded},
    }


@dataclass(frozen=True, kw_only=True)
class GethNode:
    """One validator of the local network."""

    index: int
    data_dir: Path
    chain_id: int
    rpc_port: int
    p2p_port: int
    host: str = "127.0.0.1"

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.rpc_port}"

    @property
    def address(self) -> str:
        return validator_account(self.index).address

    @property
    def enode(self) -> str:
        return f"enode://{enode_id(self.index)}@127.0.0.1:{self.p2p_port}"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "geth.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "geth.log"

    @property
    def password_file(self) -> Path:
        return self.data_dir / "password.txt"

    def initialised(self) -> bool:
        return (self.data_dir / "geth" / "chaindata").is_dir()

    def init(self, genesis: dict[str, object], binary: Path) -> None:
        """Write the key files and initialise the data directory with the genesis (once)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "geth").mkdir(exist_ok=True)
        (self.data_dir / "geth" / "nodekey").write_text(validator_nodekey(self.index).hex())
        self.password_file.write_text(PASSWORD)
        keystore = self.data_dir / "keystore"
        keystore.mkdir(exist_ok=True)
        acct = validator_account(self.index)
        encrypted = Account.encrypt(acct.key, PASSWORD, kdf="scrypt", iterations=2)  # DEMO: weak on purpose
        (keystore / f"validator-{acct.address.lower()}.json").write_text(json.dumps(encrypted))
        genesis_file = self.data_dir / "genesis.json"
        genesis_file.write_text(json.dumps(genesis, indent=1))
        done = subprocess.run([str(binary), "init", "--datadir", str(self.data_dir), str(genesis_file)],
                              capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            raise NodeStartError(f"geth init failed for validator {self.index}: {done.stderr.strip()[-300:]}")


def geth_command(node: GethNode, binary: Path, *, mine: bool = True) -> list[str]:
    """The exact command line that runs validator `node`: RPC on loopback only, no discovery (peers
    are added by node/network.py), sealing with its unlocked DEMO key."""
    cmd = [
        str(binary),
        "--datadir", str(node.data_dir),
        "--networkid", str(node.chain_id),
        "--port", str(node.p2p_port),
        "--nat", "none", "--nodiscover", "--maxpeers", "50",
        "--http", "--http.addr", node.host, "--http.port", str(node.rpc_port),
        "--http.api", "eth,net,web3,admin,txpool,clique,miner,debug",
        "--http.vhosts", "*",
        "--authrpc.port", "0", "--ipcdisable",
        "--syncmode", "full", "--gcmode", "archive",
        "--unlock", node.address, "--password", str(node.password_file), "--allow-insecure-unlock",
        "--rpc.txfeecap", "0", "--rpc.gascap", "0",
        "--txpool.pricelimit", "1",
        "--verbosity", "3",
    ]  # fmt: skip
    if mine:
        cmd += ["--mine", "--miner.etherbase", node.address, "--miner.gasprice", "1"]
    return cmd
