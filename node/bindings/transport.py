"""Sending transactions for one account: sign with its key, count its nonce, wait for the receipt."""

from __future__ import annotations

import threading
from contextlib import nullcontext
from typing import TYPE_CHECKING, Literal, cast, overload

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.types import Nonce, TxParams, TxReceipt

from node.bindings.reverts import simulate
from node.errors import TransactionFailed

if TYPE_CHECKING:
    from eth_account.types import TransactionDictType

    from node.sender import NonceLock

__all__ = ["Sender"]

#: A contract call, or a deployment (node/deploy.py)
_Sendable = ContractFunction | ContractConstructor


class Sender:
    """Signs and sends transactions for one account, keeping its nonce locally.

    One Sender per account and process: the nonce is taken from the chain once and then counted,
    so bulk work sends without a round trip per nonce. With `lock` (node.sender.account_lock) the
    account is shared safely with every other sender of it, in this and other processes.
    """

    def __init__(self, w3: Web3, account: LocalAccount, *, lock: NonceLock | None = None) -> None:
        self.w3 = w3
        self.account = account
        self.address = account.address
        self._lock = threading.Lock()
        self._nonce: int | None = None
        self._chain_id = w3.eth.chain_id
        self.nonce_lock = lock

    @overload
    def send(
        self, fn: _Sendable, *, wait: Literal[True] = ..., gas: int | None = ...
    ) -> TxReceipt: ...
    @overload
    def send(self, fn: _Sendable, *, wait: Literal[False], gas: int | None = ...) -> HexBytes: ...
    @overload
    def send(self, fn: _Sendable, *, wait: bool, gas: int | None = ...) -> TxReceipt | HexBytes: ...

    def send(
        self, fn: _Sendable, *, wait: bool = True, gas: int | None = None
    ) -> TxReceipt | HexBytes:
        """Send `fn` as a transaction; on revert raise ContractError with the decoded error."""
        estimated = gas or simulate(lambda: fn.estimate_gas({"from": self.address}))
        with self._lock, (self.nonce_lock.held() if self.nonce_lock is not None else nullcontext()):
            if self.nonce_lock is not None:
                self._nonce = self.nonce_lock.cached()
            if self._nonce is None:
                self._nonce = self.w3.eth.get_transaction_count(self.address, "pending")
            nonce = self._nonce
            params: TxParams = {
                "from": self.address,
                "nonce": Nonce(nonce),
                "gas": int(estimated * 1.2) + 10_000,
                "chainId": self._chain_id,
            }
            tx = fn.build_transaction(params)
            # web3's TxParams and eth-account's transaction dict describe the same JSON differently
            signed = self.account.sign_transaction(cast("TransactionDictType", tx))
            try:
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            except Exception:
                self._nonce = None  # re-read from the chain next time
                if self.nonce_lock is not None:
                    self.nonce_lock.forget()
                raise
            self._nonce = nonce + 1
            if self.nonce_lock is not None:
                self.nonce_lock.record(nonce + 1)
        if not wait:
            return tx_hash
        return self.wait(tx_hash)

    def wait(self, tx_hash: HexBytes, timeout: float = 120.0) -> TxReceipt:
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout)
        if receipt["status"] != 1:
            raise TransactionFailed(f"Transaction {tx_hash.hex()} failed on chain (status 0).")
        return receipt
