"""The contracts as built, shipped as package data: what a running process needs, not the compiler.

`node/abi/<Contract>.json` holds a contract's ABI (functions, events and custom errors) and the
keccak-256 hash of its runtime bytecode as compiled, with the positions of its immutables. They
are generated from the sources by `make abi` (`python -m node.abi`) and committed, so the
bindings, the indexer and every verifier load them without Node.js, `node_modules` or the
Solidity sources. `tests/node/test_abi.py` recompiles and fails on any difference.

Only `hpf deploy` compiles (it needs the creation bytecode); it refuses to deploy contracts whose
ABI differs from the shipped one.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils import keccak

from node.errors import ConfigError

if TYPE_CHECKING:
    from node.compiler import Artifact

CONTRACT_NAMES = ("Consortium", "CertificateLedger", "Blacklist", "AccessTrace")
ABI_DIR = Path(__file__).resolve().parent
REGENERATE = "make abi"  # what to run when the shipped files and the sources disagree


@dataclass(frozen=True, kw_only=True)
class ShippedContract:
    name: str
    abi: list[dict[str, Any]]
    runtime_code_hash: str  # "0x" + keccak256 of the runtime bytecode, immutables zeroed
    immutables: tuple[tuple[int, int], ...]  # (start, length) of each immutable in the runtime code

    def code_hash_of(self, deployed: bytes) -> str:
        """The hash of `deployed` (as read with eth_getCode) comparable with `runtime_code_hash`:
        the immutables a constructor filled in are zeroed again, as in the compiler's output."""
        code = bytearray(deployed)
        for start, length in self.immutables:
            code[start : start + length] = bytes(length)
        return "0x" + keccak(bytes(code)).hex()

    def is_code_of(self, deployed: bytes) -> bool:
        """True when `deployed` is this contract's runtime code, byte for byte (immutables aside)."""
        return self.code_hash_of(deployed) == self.runtime_code_hash


@cache
def shipped(name: str) -> ShippedContract:
    """The shipped build of contract `name`."""
    if name not in CONTRACT_NAMES:
        raise ConfigError(f"{name} is not one of the consortium contracts ({', '.join(CONTRACT_NAMES)}).")
    try:
        raw = json.loads(resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"The shipped ABI of {name} (node/abi/{name}.json) cannot be read: run `{REGENERATE}`.") from exc
    return ShippedContract(
        name=name,
        abi=raw["abi"],
        runtime_code_hash=raw["runtime_code_hash"],
        immutables=tuple((int(s), int(n)) for s, n in raw["immutables"]),
    )


def abi(name: str) -> list[dict[str, Any]]:
    """The ABI of contract `name` (functions, events and custom errors)."""
    return shipped(name).abi


# --- generation (`make abi`): needs the sources and Node.js ------------------------------------


def render(artifact: Artifact) -> str:
    """The file text for one compiled contract. Deterministic: the same build gives the same bytes."""
    code = bytes.fromhex(artifact.runtime_bytecode.removeprefix("0x"))
    immutables = sorted(
        (int(ref["start"]), int(ref["length"])) for refs in artifact.immutable_references.values() for ref in refs
    )
    body = {
        "contract": artifact.name,
        "generated_by": REGENERATE,
        "runtime_code_hash": "0x" + keccak(code).hex(),
        "immutables": [list(i) for i in immutables],
        "abi": artifact.abi,
    }
    return json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected_files() -> dict[str, str]:
    """File name -> text of every shipped file, from a (cached) compile of the sources."""
    from node.compiler import compile_contracts  # noqa: PLC0415 — only `make abi` and its test compile

    artifacts = compile_contracts()
    return {f"{name}.json": render(artifacts[name]) for name in CONTRACT_NAMES}


def stale_files(directory: Path = ABI_DIR) -> list[str]:
    """The shipped files that differ from what the sources compile to (missing ones included)."""
    stale = []
    for file, text in expected_files().items():
        path = directory / file
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(file)
    return stale


def write(directory: Path = ABI_DIR) -> list[str]:
    """Write the shipped files; returns the names of those that changed."""
    changed = []
    for file, text in expected_files().items():
        path = directory / file
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        changed.append(file)
    return changed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        stale = stale_files()
        if stale:
            print(f"node/abi/ is stale ({', '.join(stale)}): run `{REGENERATE}` and commit node/abi/.")
            return 1
        print("node/abi/ matches the contract sources.")
        return 0
    if args:
        print("usage: python -m node.abi [--check]", file=sys.stderr)
        return 64
    changed = write()
    print(f"node/abi/: {', '.join(changed) if changed else 'up to date'}")
    return 0
