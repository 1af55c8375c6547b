"""Issuer settings: where each centre's database is, the consortium key, the key passphrase."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from issuer.errors import ConfigurationError, InvalidCentreCode
from issuer.settings import (
    DEMO_CONSORTIUM_KEY,
    DEMO_KEY_PASSPHRASE,
    IssuerSettings,
    database_url_for,
    get_issuer_settings,
)


def test_default_is_a_sqlite_file_per_centre_under_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HPF_HOME", str(tmp_path))
    assert database_url_for(460100) == f"sqlite:///{tmp_path}/issuer/460100.sqlite"
    assert get_issuer_settings().database_url_for(460200).endswith("/issuer/460200.sqlite")
    with pytest.raises(InvalidCentreCode):
        database_url_for(12)


def test_database_url_from_either_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://hpf@db/hpf_{centre}")
    assert IssuerSettings().database_url_for(460100) == "postgresql+psycopg://hpf@db/hpf_460100"
    monkeypatch.setenv("HPF_DATABASE_URL", "postgresql+psycopg://hpf@other/issuer")
    assert (
        IssuerSettings().database_url_for(460100) == "postgresql+psycopg://hpf@other/issuer"
    )  # the specific one wins
    assert IssuerSettings(database_url="sqlite:///x.sqlite").database_url == "sqlite:///x.sqlite"


def test_settings_are_frozen_and_cached() -> None:
    s = get_issuer_settings()
    assert get_issuer_settings() is s
    with pytest.raises(ValidationError):
        s.home = Path("/elsewhere")  # type: ignore[misc]


def test_demo_key_and_passphrase_only_on_the_local_network(monkeypatch: pytest.MonkeyPatch) -> None:
    local = IssuerSettings()
    assert local.consortium_key_bytes() == DEMO_CONSORTIUM_KEY and len(DEMO_CONSORTIUM_KEY) == 32
    assert local.signing_key_passphrase() == DEMO_KEY_PASSPHRASE.encode()
    monkeypatch.setenv("HPF_RPC_URL", "https://besu.example:8545")
    remote = IssuerSettings()
    with pytest.raises(ConfigurationError, match="HPF_CONSORTIUM_KEY is not set") as e:
        remote.consortium_key_bytes()
    assert e.value.message_zh
    with pytest.raises(ConfigurationError, match="HPF_KEY_PASSPHRASE is not set"):
        remote.signing_key_passphrase()


def test_consortium_key_is_32_bytes_of_hex(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPF_RPC_URL", "https://besu.example:8545")
    monkeypatch.setenv("HPF_CONSORTIUM_KEY", "ab" * 32)
    assert IssuerSettings().consortium_key_bytes() == bytes([0xAB]) * 32
    monkeypatch.setenv("HPF_CONSORTIUM_KEY", "0x" + "CD" * 32)
    assert IssuerSettings().consortium_key_bytes() == bytes([0xCD]) * 32
    monkeypatch.setenv("HPF_CONSORTIUM_KEY", "ab" * 16)
    with pytest.raises(ConfigurationError, match="16 bytes long"):
        IssuerSettings().consortium_key_bytes()
    monkeypatch.setenv("HPF_CONSORTIUM_KEY", "zz" * 32)
    with pytest.raises(ConfigurationError, match="not hexadecimal"):
        IssuerSettings().consortium_key_bytes()
    monkeypatch.setenv("HPF_KEY_PASSPHRASE", "correct horse")
    assert IssuerSettings().signing_key_passphrase() == b"correct horse"
    assert "correct horse" not in repr(IssuerSettings())


def test_validity_per_centre_and_purpose() -> None:
    from issuer.settings import IssuerSettings

    days = IssuerSettings(validity_days={"default": 80, "commercial-loan": 60, "460200": 70, "460200:rental": 30})
    assert days.validity_days_for(460100)["housing-loan"] == 80
    assert days.validity_days_for(460100)["commercial-loan"] == 60
    assert days.validity_days_for(460200)["commercial-loan"] == 70  # the centre's own rule first
    assert days.validity_days_for(460200)["rental"] == 30
    assert IssuerSettings().validity_days_for(460100)["rental"] == 90


def test_secrets_and_switches_are_read_through_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """HPF_KEY_PASSPHRASE (chain account keys, the PDF signer's DEMO CA) and HPF_TRACE_FSYNC are
    settings; the DEMO passphrase stands in on the local network only, never silently elsewhere."""
    from issuer.pki import ensure_demo_ca
    from node.errors import ConfigError
    from node.keystore import passphrase
    from node.settings import Settings

    assert Settings().trace_fsync is False
    monkeypatch.setenv("HPF_TRACE_FSYNC", "1")
    assert Settings().trace_fsync is True
    assert passphrase(Settings()) == DEMO_KEY_PASSPHRASE
    monkeypatch.setenv("HPF_RPC_URL", "https://besu.example:8545")
    with pytest.raises(ConfigError, match="HPF_KEY_PASSPHRASE is not set"):
        passphrase(Settings())
    with pytest.raises(ConfigurationError, match="HPF_KEY_PASSPHRASE is not set"):
        ensure_demo_ca(tmp_path / "pki")
    monkeypatch.setenv("HPF_KEY_PASSPHRASE", "correct horse")
    assert passphrase(Settings()) == "correct horse"


def test_the_asgi_modules_read_nothing_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """uvicorn workers call the factories (`--factory …asgi:create_app`); importing reads no setting."""
    import importlib

    monkeypatch.delenv("HPF_PORTAL_CENTRE", raising=False)
    for name in ("issuer.api.asgi", "verifier.api.asgi"):
        module = importlib.reload(importlib.import_module(name))
        assert callable(module.create_app) and not hasattr(module, "app")
