"""Reverts decoded: a contract's custom error becomes a `ContractError` naming it and its values.

The table of custom errors is built once from the shipped ABIs (node/abi/), so every error any
of the four contracts declares is known by name; `Error(string)` and `Panic(uint256)` are
decoded too. `simulate` is the one place a call's revert is caught and decoded.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, TypeVar

from eth_abi import decode as abi_decode
from eth_utils import keccak
from hexbytes import HexBytes
from web3.exceptions import ContractCustomError, ContractLogicError, ContractPanicError

from node.abi import CONTRACT_NAMES, abi
from node.errors import ContractError

__all__ = ["decode_revert", "simulate"]

_T = TypeVar("_T")

_PANIC = {0x01: "assertion failed", 0x11: "arithmetic overflow", 0x12: "division by zero", 0x32: "index out of range"}


@cache
def _error_table() -> dict[bytes, tuple[str, list[dict[str, Any]]]]:
    table: dict[bytes, tuple[str, list[dict[str, Any]]]] = {}
    for name in CONTRACT_NAMES:
        for item in abi(name):
            if item["type"] != "error":
                continue
            sig = f"{item['name']}({','.join(_abi_type(i) for i in item['inputs'])})"
            table[keccak(text=sig)[:4]] = (item["name"], item["inputs"])
    return table


def _abi_type(item: dict[str, Any]) -> str:
    t = str(item["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in item["components"]) + ")" + t[5:]
    return t


def decode_revert(data: bytes | str | None) -> ContractError:
    """Turn revert data into a ContractError naming the custom error and its arguments."""
    raw = HexBytes(data or b"")
    if len(raw) < 4:
        return ContractError("The contract call reverted without a reason.", error="")
    selector, body = bytes(raw[:4]), bytes(raw[4:])
    if selector == keccak(text="Error(string)")[:4]:
        (msg,) = abi_decode(["string"], body)
        return ContractError(f"The contract call reverted: {msg}", error="Error", args={"message": msg})
    if selector == keccak(text="Panic(uint256)")[:4]:
        (code,) = abi_decode(["uint256"], body)
        return ContractError(f"The contract panicked: {_PANIC.get(code, hex(code))}.", error="Panic", args={"code": code})
    known = _error_table().get(selector)
    if known is None:
        return ContractError(f"The contract call reverted with unknown error 0x{raw.hex()}.", error="")
    name, inputs = known
    values = abi_decode([_abi_type(i) for i in inputs], body) if inputs else ()
    args = {i["name"] or f"arg{n}": _plain(v) for n, (i, v) in enumerate(zip(inputs, values, strict=True))}
    shown = ", ".join(f"{k}={v}" for k, v in args.items())
    return ContractError(f"{name}({shown})", error=name, args=args)


def _plain(v: Any) -> Any:
    if isinstance(v, bytes):
        return "0x" + v.hex()
    return v


def _revert_data(exc: BaseException) -> bytes | str | None:
    """Revert data carried by `exc` or by an exception it was raised from.

    web3 puts it in `.data` for a JSON-RPC node; the in-process eth-tester raises its own error
    with the raw bytes as the first argument, which web3 wraps in another one.
    """
    seen: BaseException | None = exc
    while seen is not None:
        data = getattr(seen, "data", None)
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            return data
        if seen.args and isinstance(seen.args[0], bytes):
            return seen.args[0]
        if seen.args and isinstance(seen.args[0], Exception) and seen.args[0].args:
            inner = seen.args[0].args[0]
            if isinstance(inner, bytes):
                return inner
        seen = seen.__cause__ or seen.__context__
    return None


_REVERTS: tuple[type[BaseException], ...] = (ContractCustomError, ContractLogicError, ContractPanicError)


def _is_revert(exc: BaseException) -> bool:
    if isinstance(exc, _REVERTS):
        return True
    return type(exc).__name__ == "TransactionFailed" and "execution reverted" in str(exc)


def simulate(call: Callable[[], _T]) -> _T:
    """Run a call that may revert (`eth_call`, gas estimation); a revert becomes the ContractError
    naming its error."""
    try:
        return call()
    except Exception as exc:
        if _is_revert(exc):
            raise decode_revert(_revert_data(exc)) from exc
        raise
