"""The local chain node: anvil from npm, as a background process with a pid file and a log.

Modelled on py-geth: `anvil_command` is a pure function a test can check without starting
anything; `LocalNode` starts, waits for the RPC and stops; `running_node` is the context manager
tests use. State is persisted to a file (`--state`, dumped every second and on shutdown), so
`down` then `up` keeps every contract and every entry.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from node.accounts import DEMO_ACCOUNT_COUNT, DEMO_MNEMONIC
from node.compiler import NODE_MODULES
from node.errors import ConfigError, NodeStartError

ANVIL_BIN = NODE_MODULES / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
STATE_INTERVAL_SECONDS = 1


@dataclass(frozen=True, kw_only=True)
class NodeConfig:
    host: str
    port: int
    chain_id: int
    data_dir: Path
    block_time: int = 0
    binary: Path = ANVIL_BIN
    persist: bool = True  # False: no state file (benchmarks; a throwaway chain)

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"Port {self.port} is not a TCP port (1-65535).")
        if self.chain_id < 1:
            raise ConfigError(f"Chain id {self.chain_id} must be a positive integer.")
        if self.block_time < 0:
            raise ConfigError("Block time cannot be negative.")

    @property
    def state_file(self) -> Path:
        return self.data_dir / "anvil-state.json"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "anvil.pid"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "anvil.log"

    @property
    def rpc_url(self) -> str:
        return f"http://{self.host}:{self.port}"


def anvil_command(cfg: NodeConfig) -> list[str]:
    """The exact command line that starts the node for `cfg`."""
    cmd = [
        str(cfg.binary),
        "--host", cfg.host,
        "--port", str(cfg.port),
        "--chain-id", str(cfg.chain_id),
        "--mnemonic", DEMO_MNEMONIC,
        "--accounts", str(DEMO_ACCOUNT_COUNT),
    ]  # fmt: skip
    if cfg.persist:
        cmd += ["--state", str(cfg.state_file), "--state-interval", str(STATE_INTERVAL_SECONDS),
                "--preserve-historical-states"]
    if cfg.block_time:
        cmd += ["--block-time", str(cfg.block_time)]
    return cmd


def rpc_answers(url: str, timeout: float = 1.0) -> int | None:
    """The chain id the RPC at `url` reports, or None if nothing answers."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 — the node's own RPC URL
            return int(json.loads(resp.read())["result"], 16)
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; treat it as dead.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return True


class LocalNode:
    """Start, check and stop the local anvil node described by a `NodeConfig`."""

    def __init__(self, cfg: NodeConfig) -> None:
        self.cfg = cfg

    def pid(self) -> int | None:
        try:
            pid = int(self.cfg.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _pid_alive(pid) else None

    def chain_id(self) -> int | None:
        return rpc_answers(self.cfg.rpc_url)

    def is_running(self) -> bool:
        return self.chain_id() is not None

    def start(self, *, timeout: float = 30.0) -> bool:
        """Start the node unless it already runs; wait until the RPC answers. True if started."""
        answering = self.chain_id()
        if answering is not None:
            if answering != self.cfg.chain_id:
                raise NodeStartError(
                    f"Port {self.cfg.port} is taken by a node of chain {answering}, not {self.cfg.chain_id}: "
                    "stop it or choose another HPF_NODE_PORT."
                )
            return False
        if not self.cfg.binary.is_file():
            raise NodeStartError(f"anvil is not installed at {self.cfg.binary}: run `npm ci` (or `make run`).")
        self._check_port_free()
        self.cfg.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.cfg.log_file, "ab")  # noqa: SIM115 — handed to the child process
        proc = subprocess.Popen(
            anvil_command(self.cfg),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # survives the command that started it
        )
        log.close()
        self.cfg.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise NodeStartError(
                    f"anvil exited with code {proc.returncode} at start; see {self.cfg.log_file}."
                )
            if self.chain_id() == self.cfg.chain_id:
                return True
            time.sleep(0.05)
        self._terminate(proc.pid)
        raise NodeStartError(f"anvil did not answer at {self.cfg.rpc_url} within {timeout:.0f} s; see {self.cfg.log_file}.")

    def stop(self, *, timeout: float = 15.0) -> bool:
        """Stop the node gracefully (it dumps its state on SIGTERM). True if one was stopped."""
        pid = self.pid()
        if pid is None:
            self.cfg.pid_file.unlink(missing_ok=True)
            return False
        self._terminate(pid, timeout=timeout)
        self.cfg.pid_file.unlink(missing_ok=True)
        return True

    def reset(self) -> None:
        """Stop the node and delete its state: the next `start` begins at block 0."""
        self.stop()
        self.cfg.state_file.unlink(missing_ok=True)

    def _terminate(self, pid: int, *, timeout: float = 15.0) -> None:
        stop_process(pid, signal.SIGTERM, timeout=timeout)

    def _check_port_free(self) -> None:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a just-stopped node leaves TIME_WAIT
            try:
                s.bind((self.cfg.host, self.cfg.port))
            except OSError as exc:
                raise NodeStartError(
                    f"Port {self.cfg.port} on {self.cfg.host} is in use by something that is not a chain node: "
                    "free it or set HPF_NODE_PORT."
                ) from exc


@contextmanager
def running_node(cfg: NodeConfig, *, timeout: float = 30.0) -> Iterator[LocalNode]:
    """Start a node for the duration of a block, and stop it after."""
    node = LocalNode(cfg)
    node.start(timeout=timeout)
    try:
        yield node
    finally:
        node.stop()


def stop_process(pid: int, sig: int = signal.SIGTERM, *, timeout: float = 15.0) -> None:
    """Send `sig` to `pid` and wait until it is gone (reaped if it is our child); SIGKILL after
    `timeout` seconds. Used by the local node and the local network's validators."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            waited, _ = os.waitpid(pid, os.WNOHANG)
            if waited == pid:
                return
        except ChildProcessError:
            pass
        if not _pid_alive(pid):
            return
        time.sleep(0.05)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
