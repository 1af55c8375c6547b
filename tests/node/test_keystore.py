"""Chain account keys at rest: encrypted keystores, private files, a clear error on a wrong
passphrase or a file anyone can read."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from node.errors import ConfigError
from node.keystore import create_account, load_account


def test_created_once_encrypted_and_private(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "institution-91000003.json"
    account, created = create_account(path, "pass phrase")
    assert created and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert account.key.hex()[2:] not in path.read_text() and account.key.hex() not in path.read_text()
    again, created = create_account(path, "pass phrase")
    assert not created and again.address == account.address
    with pytest.raises(ConfigError, match="cannot be decrypted"):
        load_account(path, "wrong")
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="readable by everyone"):
        load_account(path, "pass phrase")
