"""node/chain_accounts.py: where a centre's operator/admin account and an institution's
recording account come from, in order — the setting, the encrypted key file `hpf centre init` /
`hpf lender init` wrote, the DEMO account (local network only) — and one sentence when none is."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account
from pydantic import SecretStr

from node import accounts as demo
from node.chain_accounts import MissingAccountKey, centre_account, institution_account
from node.keystore import DEMO_KEY_PASSPHRASE, create_account, keystore_path
from node.settings import Settings


def _settings(home: Path, *, remote: bool = False, **keys: str) -> Settings:
    secrets = {k: SecretStr(v) for k, v in keys.items()}
    if remote:
        return Settings(home=home, rpc_url="http://127.0.0.1:1", chain_id=46001, **secrets)
    return Settings(home=home, **secrets)


def test_setting_then_key_file_then_demo(tmp_path: Path) -> None:
    local = _settings(tmp_path)
    assert centre_account(local, 460100).address == demo.demo_account(demo.demo_centre(460100).operator_index).address
    assert centre_account(local, 460100, "admin").address == demo.demo_account(
        demo.demo_centre(460100).admin_index).address
    stored, _ = create_account(keystore_path(local, "centre-operator", 460100), DEMO_KEY_PASSPHRASE)
    assert centre_account(local, 460100).address == stored.address  # the key file beats the DEMO key
    configured = Account.create()
    with_key = _settings(tmp_path, operator_key=configured.key.hex())
    assert centre_account(with_key, 460100).address == configured.address  # the setting beats both
    bank = institution_account(local, 91000001)
    assert bank.address == demo.demo_account(demo.DEMO_INSTITUTIONS[0].account_index).address


def test_no_key_is_one_sentence_naming_the_setting(tmp_path: Path) -> None:
    remote = _settings(tmp_path, remote=True)  # no DEMO accounts off the local network
    with pytest.raises(MissingAccountKey) as info:
        centre_account(remote, 460100, "admin")
    assert info.value.setting == "HPF_ADMIN_KEY" and "HPF_ADMIN_KEY" in str(info.value)
    assert "管理员" in info.value.message_zh
    with pytest.raises(MissingAccountKey) as info:
        institution_account(remote, 91000003)
    assert info.value.setting == "HPF_INSTITUTION_KEY"
    with pytest.raises(ValueError):
        centre_account(remote, 460100, "root")
