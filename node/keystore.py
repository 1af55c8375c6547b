"""Chain account keys kept at rest as encrypted Ethereum keystores (Web3 Secret Storage, scrypt).

`hpf lender init` writes a lender's account here and `hpf centre init` a new centre's admin and
operator accounts, each under `{home}/keys/` in a 0700 directory, files 0600. The passphrase is
HPF_KEY_PASSPHRASE (on the local demo network only, a public DEMO passphrase).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_account.types import TransactionDictType
from eth_utils import to_checksum_address
from pydantic import SecretStr

from node.errors import ConfigError
from node.log import get_logger
from node.settings import DEMO_KEY_PASSPHRASE, Settings

__all__ = ["DEMO_KEY_PASSPHRASE", "create_account", "keystore_path", "load_account", "passphrase"]

log = get_logger("hpf.keystore")
#: scrypt cost: 2^15 takes ~0.1 s and 32 MB, enough for a key that also needs the file.
_SCRYPT_N = 2**15


class _PassphraseSettings(Protocol):
    """What `passphrase` reads: node's or the issuer's settings (both have these)."""

    @property
    def key_passphrase(self) -> SecretStr | None: ...

    @property
    def local(self) -> bool: ...


def passphrase(settings: _PassphraseSettings) -> str:
    """HPF_KEY_PASSPHRASE, read through the settings; the DEMO passphrase only on the local demo
    network (said in the log); otherwise a ConfigError."""
    value = settings.key_passphrase.get_secret_value() if settings.key_passphrase is not None else ""
    if value:
        return value
    if settings.local:
        log.info("HPF_KEY_PASSPHRASE is unset: the local demo network's DEMO passphrase encrypts the keys")
        return DEMO_KEY_PASSPHRASE
    raise ConfigError("HPF_KEY_PASSPHRASE is not set: it encrypts the chain account keys at rest.")


def keystore_path(settings: Settings, kind: str, ident: int) -> Path:
    """Where the `kind` ("institution", "centre-admin", "centre-operator") account of `ident` lives."""
    return settings.home / "keys" / f"{kind}-{ident}.json"


def create_account(path: Path, secret: str) -> tuple[LocalAccount, bool]:
    """The account stored at `path`, created (and written encrypted) when there is none.
    Returns (account, created)."""
    if path.exists():
        return load_account(path, secret), False
    account = Account.create()
    blob = Account.encrypt(account.key, secret, kdf="scrypt", iterations=_SCRYPT_N)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(blob, f)
        f.flush()
        os.fsync(f.fileno())
    tmp.replace(path)
    return account, True


def load_account(path: Path, secret: str) -> LocalAccount:
    try:
        blob = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"The key file {path} cannot be read: {exc}.") from exc
    if os.stat(path).st_mode & 0o004:
        raise ConfigError(f"The key file {path} is readable by everyone: make it private (chmod 600) first.")
    try:
        account: LocalAccount = Account.from_key(Account.decrypt(blob, secret))
        return account
    except ValueError as exc:
        raise ConfigError(f"The key file {path} cannot be decrypted: HPF_KEY_PASSPHRASE is not its passphrase.") from exc


def fund_on_local_network(settings: Settings, address: str, wei: int = 10**19) -> bool:
    """On the local demo network, give a new account gas money from the DEMO deployer (anvil
    charges gas). On a real network the chain's operators fund accounts (or run without gas
    prices); nothing is sent there. Returns whether anything was sent."""
    if not settings.local:
        return False
    from node.accounts import demo_deployer  # noqa: PLC0415 — with connect, below
    from node.chain import connect  # noqa: PLC0415 — web3 loads only when the local network funds an account (~0.2 s)

    w3 = connect(settings)
    if w3.eth.get_balance(to_checksum_address(address)) >= wei // 10:
        return False
    deployer = demo_deployer()
    tx: TransactionDictType = {"to": to_checksum_address(address), "value": wei, "gas": 21_000, "chainId": w3.eth.chain_id,
          "nonce": w3.eth.get_transaction_count(deployer.address, "pending"),
          "maxFeePerGas": w3.eth.gas_price * 2 + 10**9, "maxPriorityFeePerGas": 10**9}
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(deployer.sign_transaction(tx).raw_transaction))
    return True
