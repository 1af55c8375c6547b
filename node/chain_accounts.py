"""The chain accounts a process signs with, in one place (the transaction sender is
node/sender.py, the JSON-RPC client node/rpc.py).

- a centre's **operator** account (anchors, revokes, lists on the blacklist, records its checks)
  and **admin** account (registers signing keys, votes in governance);
- an institution's **recording** account (its verifications and blacklist checks on AccessTrace).

Each comes from, in order: its setting (`HPF_OPERATOR_KEY`, `HPF_ADMIN_KEY`,
`HPF_INSTITUTION_KEY`), the encrypted key file `hpf centre init` / `hpf lender init` wrote under
`{HPF_HOME}/keys/` (passphrase `HPF_KEY_PASSPHRASE`), or — on the local network only — the DEMO
account. Which institution or centre an account belongs to is the chain's to say (Consortium).
"""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount

from node import accounts as demo
from node.errors import ConfigError
from node.keystore import keystore_path, load_account, passphrase
from node.settings import Settings

__all__ = ["MissingAccountKey", "centre_account", "institution_account"]

CENTRE_ROLES = ("operator", "admin")


class MissingAccountKey(ConfigError):
    """No key is configured for the account; `setting` names where to put it."""

    def __init__(self, message: str, *, setting: str, message_zh: str) -> None:
        super().__init__(message)
        self.setting = setting
        self.message_zh = message_zh


def centre_account(settings: Settings, centre: int, role: str = "operator") -> LocalAccount:
    """Centre `centre`'s `role` account ("operator" or "admin")."""
    if role not in CENTRE_ROLES:
        raise ValueError(f"role must be one of {CENTRE_ROLES}, not {role!r}")
    setting = f"HPF_{role.upper()}_KEY"
    key = getattr(settings, f"{role}_key")
    if key is not None:
        account: LocalAccount = Account.from_key(key.get_secret_value())
        return account
    stored = keystore_path(settings, f"centre-{role}", centre)  # written by `hpf centre init`
    if stored.exists():
        return load_account(stored, passphrase(settings))
    if settings.local:
        try:
            return demo.demo_account(getattr(demo.demo_centre(centre), f"{role}_index"))
        except KeyError:
            pass
    what_zh = "操作员" if role == "operator" else "管理员"
    raise MissingAccountKey(f"Centre {centre} needs its {role} account key in {setting}.", setting=setting,
                            message_zh=f"中心 {centre} 需要在 {setting} 中配置其{what_zh}账户密钥。")


def institution_account(settings: Settings, institution: int) -> LocalAccount:
    """The account that records for `institution` (see verifier/trace.py's
    `check_institution_account`: the chain must say it is that institution's)."""
    key = getattr(settings, "institution_key", None)
    if key is not None:
        account: LocalAccount = Account.from_key(key.get_secret_value())
        return account
    stored = keystore_path(settings, "institution", institution)  # written by `hpf lender init`
    if stored.exists():
        return load_account(stored, passphrase(settings))
    if settings.local:
        for inst in demo.DEMO_INSTITUTIONS:
            if inst.id == institution:
                return demo.demo_account(inst.account_index)
    raise MissingAccountKey(
        f"Recording verifications for institution {institution} needs its account key in HPF_INSTITUTION_KEY.",
        setting="HPF_INSTITUTION_KEY", message_zh=f"机构 {institution} 需要在 HPF_INSTITUTION_KEY 中配置其链上账户密钥。")
