"""The local multi-validator network (`hpf network …`): N geth Clique validators, each its own
process with its own data directory, key and ports, peered with each other.

State lives under `<home>/network/`: `network.json` (chain id, validators, each one's ports,
chosen once so URLs stay the same across down/up) and one data directory per validator. `down`
stops the processes and keeps the chains; `reset` deletes everything.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import keccak

from node.errors import ConfigError, NodeStartError
from node.geth import GethNode, check_geth, clique_genesis, enode_id, geth_command, validator_account
from node.launcher import _pid_alive, free_port, rpc_answers, stop_process
from node.rpc import ChainUnavailable, RpcClient

__all__ = ["DEFAULT_VALIDATORS", "NETWORK_CHAIN_ID", "LocalNetwork"]


def _node_id(public_hex: str) -> str:
    """geth's node id (admin_peers "id"): keccak256 of the 64-byte public key, hex."""
    return keccak(bytes.fromhex(public_hex)).hex()

DEFAULT_VALIDATORS = 4
NETWORK_CHAIN_ID = 46001  # the local geth network; anvil's is 46000, so their deployments never mix


@dataclass(frozen=True)
class _Layout:
    chain_id: int
    nodes: tuple[GethNode, ...]


class LocalNetwork:
    """Start, inspect and stop the validators under `root` (see the module doc)."""

    def __init__(self, root: Path, *, binary: Path | None = None) -> None:
        self.root = Path(root)
        self._binary = binary

    @property
    def state_file(self) -> Path:
        return self.root / "network.json"

    def binary(self) -> Path:
        return check_geth(self._binary)

    # --- layout ---

    def exists(self) -> bool:
        return self.state_file.is_file()

    def layout(self) -> _Layout:
        try:
            rec = json.loads(self.state_file.read_text())
        except OSError:
            raise ConfigError(f"No local network under {self.root}: start one with `hpf network up`.") from None
        nodes = tuple(
            GethNode(index=n["index"], data_dir=self.root / f"validator-{n['index']}", chain_id=rec["chain_id"],
                     rpc_port=n["rpc_port"], p2p_port=n["p2p_port"])
            for n in rec["nodes"]
        )
        return _Layout(chain_id=rec["chain_id"], nodes=nodes)

    def nodes(self) -> tuple[GethNode, ...]:
        return self.layout().nodes

    def node(self, index: int) -> GethNode:
        nodes = self.nodes()
        if not 0 <= index < len(nodes):
            raise ConfigError(f"There is no validator {index}: the network has validators 0 to {len(nodes) - 1}.")
        return nodes[index]

    def create(self, validators: int, *, chain_id: int = NETWORK_CHAIN_ID, period: int = 1) -> _Layout:
        """Choose ports, write keys and genesis, initialise every data directory (once)."""
        if not 1 <= validators <= 16:
            raise ConfigError(f"A local network has 1 to 16 validators, not {validators}.")
        binary = self.binary()
        self.root.mkdir(parents=True, exist_ok=True)
        nodes = [{"index": i, "rpc_port": free_port(), "p2p_port": free_port()} for i in range(validators)]
        signers = [validator_account(i).address for i in range(validators)]
        genesis = clique_genesis(chain_id, signers, period=period)
        rec = {"chain_id": chain_id, "validators": validators, "period": period, "nodes": nodes}
        for n in self._nodes_of(rec):
            n.init(genesis, binary)
        self.state_file.write_text(json.dumps(rec, indent=1))
        return self.layout()

    def _nodes_of(self, rec: dict[str, Any]) -> list[GethNode]:
        return [GethNode(index=n["index"], data_dir=self.root / f"validator-{n['index']}", chain_id=rec["chain_id"],
                         rpc_port=n["rpc_port"], p2p_port=n["p2p_port"]) for n in rec["nodes"]]

    # --- processes ---

    def pid(self, node: GethNode) -> int | None:
        try:
            pid = int(node.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def up(self, validators: int = DEFAULT_VALIDATORS, *, chain_id: int = NETWORK_CHAIN_ID,
           timeout: float = 60.0) -> list[int]:
        """Create the network if there is none, start every validator not running, peer them.
        Returns the indexes started."""
        if self.exists():
            have = int(json.loads(self.state_file.read_text())["validators"])  # the genesis signers
            if have != validators:
                raise ConfigError(f"The local network has {have} validators, not {validators}: "
                                  "`hpf network reset` first to change that.")
        else:
            self.create(validators, chain_id=chain_id)
        started = [n.index for n in self.nodes() if self._start(n, timeout=timeout)]
        self.connect()
        return started

    def add_node(self, *, sealer: bool = True, timeout: float = 120.0) -> GethNode:
        """A node for a new member (e.g. a centre that joined): initialised with the network's
        genesis, started, peered, synced to the others' head; with `sealer`, the running signers
        vote it in (Clique `clique_propose`) and this returns once it is a signer. Kept in
        network.json like the others, so down/up/stop-node/start-node treat it alike."""
        rec = json.loads(self.state_file.read_text()) if self.exists() else None
        if rec is None:
            raise ConfigError(f"No local network under {self.root}: start one with `hpf network up`.")
        if len(rec["nodes"]) >= 16:
            raise ConfigError("A local network has at most 16 nodes.")
        running = [n for n in self.nodes() if self.pid(n) is not None]
        if not running:
            raise ConfigError("No node of the network is running: `hpf network up` first.")
        binary = self.binary()
        genesis_signers = [validator_account(i).address for i in range(rec["validators"])]
        genesis = clique_genesis(rec["chain_id"], genesis_signers, period=rec.get("period", 1))
        index = len(rec["nodes"])
        entry = {"index": index, "rpc_port": free_port(), "p2p_port": free_port(), "added": True}
        node = self._nodes_of({"chain_id": rec["chain_id"], "nodes": [entry]})[0]
        node.init(genesis, binary)
        rec["nodes"].append(entry)
        self.state_file.write_text(json.dumps(rec, indent=1))
        self._start(node, timeout=timeout)
        self.connect()
        deadline = time.monotonic() + timeout
        target = int(RpcClient(running[0].rpc_url, timeout=5).call("eth_blockNumber", []), 16)
        while self._head(node) < target:
            if time.monotonic() > deadline:
                raise NodeStartError(f"node {index} did not catch up to block {target} within {timeout:.0f} s; "
                                     f"see {node.log_file}.")
            time.sleep(0.5)
        if sealer:
            self.vote(node.address, True, timeout=timeout)
        return node

    def signers(self) -> list[str]:
        """The current Clique signers, read from the first running node."""
        for n in self.nodes():
            if self.pid(n) is not None:
                try:
                    return [str(a) for a in RpcClient(n.rpc_url, timeout=5).call("clique_getSigners", [])]
                except ChainUnavailable:
                    continue
        raise ChainUnavailable("no node of the local network answers")

    def vote(self, address: str, authorize: bool, *, timeout: float = 120.0) -> None:
        """Every running signer proposes to add (or remove) `address` as a signer until a majority
        has sealed its vote into blocks; then the proposals are withdrawn."""
        wanted = address.lower()
        deadline = time.monotonic() + timeout
        voters = [n for n in self.nodes() if self.pid(n) is not None]
        try:
            while (wanted in {a.lower() for a in self.signers()}) != authorize:
                if time.monotonic() > deadline:
                    raise NodeStartError(f"the signers did not vote {address} {'in' if authorize else 'out'} "
                                         f"within {timeout:.0f} s (a majority of signers must be running).")
                for n in voters:
                    try:
                        RpcClient(n.rpc_url, timeout=5).call("clique_propose", [address, authorize])
                    except ChainUnavailable:
                        pass
                time.sleep(1.0)
        finally:
            for n in voters:
                try:
                    RpcClient(n.rpc_url, timeout=5).call("clique_discard", [address])
                except ChainUnavailable:
                    pass

    def _head(self, node: GethNode) -> int:
        try:
            return int(RpcClient(node.rpc_url, timeout=5).call("eth_blockNumber", []), 16)
        except ChainUnavailable:
            return -1

    def start_node(self, index: int, *, timeout: float = 60.0, peer: bool = True) -> bool:
        """Start one validator; with `peer` (the default) connect it to the running others."""
        started = self._start(self.node(index), timeout=timeout)
        if peer:
            self.connect()
        return started

    def _start(self, node: GethNode, *, timeout: float) -> bool:
        if self.pid(node) is not None and rpc_answers(node.rpc_url) is not None:
            return False
        binary = self.binary()
        log = open(node.log_file, "ab")  # noqa: SIM115 — handed to the child process
        proc = subprocess.Popen(geth_command(node, binary), stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        node.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise NodeStartError(f"geth validator {node.index} exited with code {proc.returncode} at start; "
                                     f"see {node.log_file}.")
            if rpc_answers(node.rpc_url) == node.chain_id:
                return True
            time.sleep(0.1)
        self._signal(proc.pid, signal.SIGKILL)
        raise NodeStartError(f"geth validator {node.index} did not answer at {node.rpc_url} within {timeout:.0f} s; "
                             f"see {node.log_file}.")

    def connect(self) -> None:
        """Ask every running validator to keep a peer connection to every other one."""
        nodes = [n for n in self.nodes() if self.pid(n) is not None]
        for a in nodes:
            rpc = RpcClient(a.rpc_url, timeout=5)
            for b in nodes:
                if a.index != b.index:
                    try:
                        rpc.call("admin_addPeer", [b.enode])
                    except ChainUnavailable:
                        pass

    def heal(self, *, timeout: float = 90.0) -> list[int]:
        """Reconnect everything and make sure the chain moves again. Clique can deadlock after an
        even split: two forks of equal total difficulty, each sealed by signers who "signed
        recently". Then the fork that loses the tie (lower total difficulty, then higher head
        hash) is rewound to the common ancestor (debug_setHead) on its nodes, which then sync the
        winner. Its blocks were never final (a minority cannot build `N // 2 + 1` blocks); the
        issuer anchors again whatever they held. Returns the validators rewound."""
        self.connect()
        rewound: list[int] = []
        deadline = time.monotonic() + timeout
        since, top = time.monotonic(), max((h[0] for h in self._heads().values()), default=0)
        while time.monotonic() < deadline:
            time.sleep(1.0)
            heads = self._heads()
            if heads and max(h[0] for h in heads.values()) >= top + 2:
                return rewound  # the chain moves again; stragglers catch up by themselves
            forks: dict[str, list[int]] = {}
            for i, (_, block_hash, _) in heads.items():
                forks.setdefault(block_hash, []).append(i)
            if time.monotonic() - since < (12.0 if rewound else 4.0) or len(forks) < 2:
                continue  # give the peers time to sync on their own (geth retries every 10 s)
            winner = min(forks, key=lambda h: (-heads[forks[h][0]][2], h))
            for block_hash, members in forks.items():
                for i in members if block_hash != winner else ():
                    ancestor = self._common_ancestor(forks[winner][0], i)
                    RpcClient(self.node(i).rpc_url, timeout=10).call("debug_setHead", [hex(ancestor)])
                    rewound.append(i)
            self.connect()
            since, top = time.monotonic(), max(h[0] for h in heads.values())
        return rewound

    def _heads(self) -> dict[int, tuple[int, str, int]]:
        out = {}
        for n in self.nodes():
            if self.pid(n) is None:
                continue
            try:
                b = RpcClient(n.rpc_url, timeout=5).call("eth_getBlockByNumber", ["latest", False])
                out[n.index] = (int(b["number"], 16), str(b["hash"]), int(b.get("totalDifficulty") or "0x0", 16))
            except ChainUnavailable:
                pass
        return out

    def _common_ancestor(self, a: int, b: int) -> int:
        ra, rb = RpcClient(self.node(a).rpc_url, timeout=5), RpcClient(self.node(b).rpc_url, timeout=5)
        n = min(ra.head().number, rb.head().number)
        while n > 0:
            ha = ra.call("eth_getBlockByNumber", [hex(n), False])["hash"]
            hb = rb.call("eth_getBlockByNumber", [hex(n), False])["hash"]
            if ha == hb:
                return n
            n -= 1
        return 0

    def disconnect(self, index: int, others: list[int], *, timeout: float = 15.0) -> None:
        """Cut validator `index` off from `others` (both directions, and from their static peer
        lists so nobody redials); `connect()` or `heal()` undoes it. Checked with admin_peers."""
        a = self.node(index)
        deadline = time.monotonic() + timeout
        while True:
            for j in others:
                b = self.node(j)
                for x, y in ((a, b), (b, a)):
                    try:
                        RpcClient(x.rpc_url, timeout=5).call("admin_removePeer", [y.enode])
                    except ChainUnavailable:
                        pass
            time.sleep(0.5)
            try:
                peers = {p["id"] for p in RpcClient(a.rpc_url, timeout=5).call("admin_peers", [])}
            except ChainUnavailable:
                return  # not running: nothing to cut
            if not peers & {_node_id(enode_id(j)) for j in others}:
                return
            if time.monotonic() > deadline:
                raise NodeStartError(f"validator {index} keeps its peers {sorted(others)} after admin_removePeer.")

    def stop_node(self, index: int, *, kill: bool = False, timeout: float = 30.0) -> bool:
        """Stop one validator (SIGTERM, or SIGKILL with `kill`: a crash). True if it was running."""
        node = self.node(index)
        pid = self.pid(node)
        if pid is None:
            node.pid_file.unlink(missing_ok=True)
            return False
        self._signal(pid, signal.SIGKILL if kill else signal.SIGTERM, timeout=timeout)
        node.pid_file.unlink(missing_ok=True)
        return True

    def down(self) -> list[int]:
        if not self.exists():
            return []
        return [n.index for n in self.nodes() if self.stop_node(n.index)]

    def reset(self) -> None:
        self.down()
        shutil.rmtree(self.root, ignore_errors=True)

    @staticmethod
    def _signal(pid: int, sig: int, *, timeout: float = 30.0) -> None:
        stop_process(pid, sig, timeout=timeout)

    # --- status ---

    def status(self) -> list[dict[str, Any]]:
        """Per validator: RPC URL, running, head block and time, peers, sealing, lag behind the
        highest head."""
        rows: list[dict[str, Any]] = []
        for n in self.nodes():
            row: dict[str, Any] = {"index": n.index, "rpc_url": n.rpc_url, "address": n.address,
                                   "pid": self.pid(n), "running": False, "head": None, "head_time": None,
                                   "peers": None, "sealing": False, "signer": None, "lag": None}
            if row["pid"] is not None:
                rpc = RpcClient(n.rpc_url, timeout=3)
                try:
                    head_raw, peers, mining = rpc.call_many([
                        ("eth_getBlockByNumber", ["latest", False]), ("net_peerCount", []), ("eth_mining", []),
                    ])
                    row.update(running=True, head=int(head_raw["number"], 16), head_time=int(head_raw["timestamp"], 16),
                               peers=int(peers, 16), sealing=bool(mining))
                except (ChainUnavailable, KeyError, TypeError):
                    pass
            rows.append(row)
        try:
            signers = {a.lower() for a in self.signers()}
        except ChainUnavailable:
            signers = None
        for r in rows:
            if signers is not None:
                r["signer"] = r["address"].lower() in signers
                r["sealing"] = r["sealing"] and r["signer"]  # a node mining without a vote seals nothing
        top = max((r["head"] for r in rows if r["head"] is not None), default=None)
        for r in rows:
            if r["head"] is not None and top is not None:
                r["lag"] = top - r["head"]
        return rows
