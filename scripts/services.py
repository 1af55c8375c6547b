"""Start and stop the local services `make run` brings up, in the background with pid files.

    python scripts/services.py start|stop|status

Each service writes its log to var/run/<name>.log; `start` is idempotent and waits until the
service answers its health URL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from node.settings import get_settings

ROOT = Path(__file__).resolve().parents[1]
HPF = str(ROOT / ".venv" / "bin" / "hpf")


@dataclass(frozen=True)
class Service:
    name: str
    cmd: list[str]
    health: str
    url: str
    env: tuple[tuple[str, str], ...] = ()  # extra environment (which node it talks to)


def _node_env() -> list[dict[str, str]] | None:
    """With HPF_NETWORK_DEMO set (`make run VALIDATORS=N`): per validator, the settings that
    point a service at it."""
    if not os.environ.get("HPF_NETWORK_DEMO"):
        return None
    from node.network import LocalNetwork

    nodes = LocalNetwork(get_settings().network_dir).nodes()
    return [{"HPF_RPC_URL": n.rpc_url, "HPF_CHAIN_ID": str(n.chain_id), "HPF_LOCAL_NETWORK": "1"} for n in nodes]


def services() -> list[Service]:
    from issuer.settings import get_issuer_settings
    from node.accounts import DEMO_CENTRES

    s = get_settings()
    nodes = _node_env()
    base = f"http://{s.verifier_host}:{s.verifier_port}"
    # On the local network each centre talks to its own validator, the verifier to the last one.
    verifier_env = tuple(nodes[-1].items()) if nodes else ()
    out = [Service("verifier", [HPF, "verifier", "serve"], f"{base}/healthz", f"{base}/", verifier_env)]
    iset = get_issuer_settings()
    for k, c in enumerate(DEMO_CENTRES):
        port = iset.issuer_port(c.code)
        url = f"http://{iset.issuer_host}:{port}"
        env = tuple(nodes[k % len(nodes)].items()) if nodes else ()
        out.append(Service(f"issuer-{c.code}", [HPF, "issuer", "serve", "--centre", str(c.code)], f"{url}/healthz",
                           url, env))
    return out


def _run_dir() -> Path:
    d = get_settings().home / "run"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def _pid(svc: Service) -> int | None:
    try:
        pid = int((_run_dir() / f"{svc.name}.pid").read_text())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def start(svc: Service) -> None:
    if _answers(svc.health):
        print(f"{svc.name:<14} already running: {svc.url}")
        return
    log = open(_run_dir() / f"{svc.name}.log", "ab")  # noqa: SIM115 — handed to the child
    proc = subprocess.Popen(svc.cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True, cwd=ROOT, env={**os.environ, **dict(svc.env)})
    (_run_dir() / f"{svc.name}.pid").write_text(str(proc.pid))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{svc.name} exited at start; see {_run_dir() / (svc.name + '.log')}")
        if _answers(svc.health):
            print(f"{svc.name:<14} started: {svc.url}")
            return
        time.sleep(0.2)
    sys.exit(f"{svc.name} did not answer at {svc.health} within 30 s; see {_run_dir() / (svc.name + '.log')}")


def stop(svc: Service) -> None:
    pid = _pid(svc)
    if pid is None:
        return
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.1)
    (_run_dir() / f"{svc.name}.pid").unlink(missing_ok=True)
    print(f"{svc.name:<14} stopped")


def main() -> None:
    action = sys.argv[1] if len(sys.argv) > 1 else "status"
    for svc in services():
        if action == "start":
            start(svc)
        elif action == "stop":
            stop(svc)
        else:
            print(f"{svc.name:<14} {'running' if _answers(svc.health) else 'stopped'}: {svc.url}")


if __name__ == "__main__":
    main()
