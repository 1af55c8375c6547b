"""Compile the contracts with solc-js (`hpf deploy` and `make abi` only: see node/abi) through py-solc-x,
caching artifacts by source hash.

No native solc can be downloaded here, so py-solc-x is pointed at `solc/solc-cli.cjs`, a small
Node script that speaks solc's `--version` / `--standard-json` protocol with the npm `solc`
package. Hardhat compiles the same sources with the same `contracts/compiler.json` settings.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from node.abi import CONTRACT_NAMES
from node.errors import CompileError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONTRACTS_DIR = PROJECT_ROOT / "contracts"
NODE_MODULES = PROJECT_ROOT / "node_modules"
SOLC_CLI = Path(__file__).resolve().parent / "solc" / "solc-cli.cjs"

__all__ = ["CONTRACT_NAMES", "Artifact", "compile_contracts", "source_hash", "strip_metadata"]


@dataclass(frozen=True, kw_only=True)
class Artifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str
    runtime_bytecode: str
    immutable_references: dict[str, list[dict[str, int]]]


def compiler_config() -> dict[str, Any]:
    config: dict[str, Any] = json.loads((CONTRACTS_DIR / "compiler.json").read_text())
    return config


def source_files() -> list[Path]:
    """The contracts the project deploys, without the Solidity tests."""
    return sorted(CONTRACTS_DIR.glob("*.sol")) + sorted((CONTRACTS_DIR / "interfaces").glob("*.sol"))


def _oz_version() -> str:
    pkg = NODE_MODULES / "@openzeppelin" / "contracts" / "package.json"
    if not pkg.is_file():
        raise CompileError("node_modules is missing @openzeppelin/contracts: run `npm ci` (or `make run`) first.")
    return str(json.loads(pkg.read_text())["version"])


def source_hash() -> str:
    """A hash of everything that decides the bytecode: sources, settings, library version."""
    h = hashlib.sha256()
    h.update(json.dumps(compiler_config(), sort_keys=True).encode())
    h.update(_oz_version().encode())
    for f in source_files():
        h.update(f.relative_to(PROJECT_ROOT).as_posix().encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def standard_input() -> dict[str, Any]:
    cfg = compiler_config()
    settings = dict(cfg["settings"])
    settings["outputSelection"] = {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"]}
    }
    return {
        "language": "Solidity",
        "sources": {
            f.relative_to(PROJECT_ROOT).as_posix(): {"content": f.read_text()} for f in source_files()
        },
        "settings": settings,
    }


def _solc_binary() -> Path:
    if not shutil.which("node"):
        raise CompileError("Node.js is not on PATH; the compiler (solc-js) needs it: run `make run` to bootstrap.")
    if not (NODE_MODULES / "solc").is_dir():
        raise CompileError("node_modules/solc is missing: run `npm ci` (or `make run`) first.")
    return SOLC_CLI


def _compile_uncached() -> dict[str, Any]:
    import solcx  # noqa: PLC0415 — only when a compile is really needed
    from solcx.exceptions import SolcError  # noqa: PLC0415 — with solcx, above

    try:
        out = solcx.compile_standard(
            standard_input(), base_path=str(PROJECT_ROOT), solc_binary=_solc_binary()
        )
    except SolcError as exc:
        raise CompileError(f"The contracts do not compile: {exc.stderr_data or exc}") from exc
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("The contracts do not compile: " + "; ".join(e["formattedMessage"] for e in errors))
    return out


def cache_dir() -> Path:
    return Path(os.environ.get("HPF_BUILD_CACHE", PROJECT_ROOT / "var" / "build"))


@lru_cache(maxsize=1)
def compile_contracts() -> dict[str, Artifact]:
    """All contracts, compiled once per source hash (cached on disk under var/build)."""
    digest = source_hash()
    cached = cache_dir() / f"{digest}.json"
    if cached.is_file():
        out = json.loads(cached.read_text())
    else:
        out = _compile_uncached()
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(json.dumps(out))
        tmp.replace(cached)
    artifacts: dict[str, Artifact] = {}
    for path, contracts in out["contracts"].items():
        for name, c in contracts.items():
            if not path.startswith("contracts/") or not c["evm"]["bytecode"]["object"]:
                continue
            artifacts[name] = Artifact(
                name=name,
                abi=c["abi"],
                bytecode="0x" + c["evm"]["bytecode"]["object"],
                runtime_bytecode="0x" + c["evm"]["deployedBytecode"]["object"],
                immutable_references=c["evm"]["deployedBytecode"].get("immutableReferences", {}),
            )
    return artifacts


def strip_metadata(code: str) -> str:
    """Runtime bytecode without the CBOR metadata trailer (its length is the last two bytes)."""
    raw = bytes.fromhex(code.removeprefix("0x"))
    if len(raw) < 2:
        return raw.hex()
    n = int.from_bytes(raw[-2:], "big")
    return raw[: -(n + 2)].hex() if n + 2 <= len(raw) else raw.hex()
