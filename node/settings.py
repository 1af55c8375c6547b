"""Settings from the environment (HPF_*) and an optional TOML file, read through `get_settings()`.

Order of precedence: explicit environment variables, then the config file named by
`HPF_CONFIG` (default `hpf.toml` in the working directory, if present), then defaults.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_PORT = 8545
DEFAULT_CHAIN_ID = 46000  # "46": Hainan's province code; a chain id no public network uses.
#: DEMO ONLY. Encrypts the local demo network's keys (chain accounts, signing keys, the PDF
#: signer's) when HPF_KEY_PASSPHRASE is unset; never used off the local network.
DEMO_KEY_PASSPHRASE = "hpf-trust DEMO passphrase, local network only"  # noqa: S105 — the named demo key


class HpfSettings(BaseSettings):
    """Where every hpf settings class reads from: init arguments, then HPF_* environment
    variables, then the TOML file named by HPF_CONFIG (default hpf.toml, if present)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_file = Path(os.environ.get("HPF_CONFIG", "hpf.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config_file.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config_file))
        return tuple(sources)


class Settings(HpfSettings):
    model_config = SettingsConfigDict(env_prefix="HPF_", extra="ignore", frozen=True)

    home: Path = Field(default=Path("var"), description="where state, logs and indexes live")
    deployments_dir: Path = Field(default=Path("deployments"), description="deployment records")
    node_host: str = "127.0.0.1"
    node_port: int = Field(default=DEFAULT_PORT, ge=1, le=65535)
    chain_id: int = Field(default=DEFAULT_CHAIN_ID, ge=1)
    rpc_url: str | None = Field(default=None, description="a remote network's RPC; default: the local node")
    rpc_timeout: float = Field(default=10.0, gt=0)
    deployer_key: SecretStr | None = Field(default=None, description="hex private key for a remote network")
    institution_key: SecretStr | None = Field(default=None, description="a lender's account key (access trace)")
    operator_key: SecretStr | None = Field(default=None, description="a centre's operator account key")
    admin_key: SecretStr | None = Field(default=None, description="a centre's admin account key (registers keys)")
    key_passphrase: SecretStr | None = Field(
        default=None, description="encrypts the chain account keys at rest (HPF_KEY_PASSPHRASE)")
    block_time: int = Field(default=0, ge=0, description="local node: seconds per block, 0 = mine on demand")
    verifier_host: str = "127.0.0.1"
    verifier_port: int = Field(default=8600, ge=1, le=65535)
    verifier_api_keys: dict[str, int] = Field(
        default_factory=dict, description="API key -> institution id; empty on the local network = the DEMO keys"
    )
    verifier_max_upload: int = Field(default=20 * 1024 * 1024, gt=0, description="bytes")
    verifier_centre_urls: dict[int, str] = Field(
        default_factory=dict,
        description="centre code -> base URL of its portal (number + 核验码 lookups); local network: the demo ports",
    )
    verifier_public_url: str = Field(
        default="http://127.0.0.1:8600/", description="the verifier page's public address, printed on certificates"
    )
    local_network: bool = Field(
        default=False, description="HPF_RPC_URL is a node of this machine's `hpf network` (DEMO keys allowed)"
    )
    confirmations: int | None = Field(
        default=None, ge=1, description="blocks that make an anchor final; default: the engine's rule (node/finality.py)"
    )
    max_head_age: float = Field(
        default=60.0, ge=0, description="verifier: a node head older than this (s) reads INDETERMINATE; 0 = off; anvil exempt"
    )
    # Per-institution quotas of the verifier service (verifier/quotas.py); 0 = no limit.
    verifier_verifications_per_minute: int = Field(default=120, ge=0, description="per institution")
    verifier_verifications_per_day: int = Field(default=5_000, ge=0, description="per institution")
    verifier_blacklist_checks_per_minute: int = Field(default=60, ge=0, description="per institution")
    verifier_blacklist_checks_per_day: int = Field(default=2_000, ge=0, description="per institution")
    trace_fsync: bool = Field(
        default=False, description="access-trace queues fsync every record (survive power loss; slower)")
    log_level: str = "INFO"
    log_json: bool = False

    @property
    def local(self) -> bool:
        """True when the RPC is the local node this project runs (anvil, or a node of the local
        `hpf network`, which uses the same DEMO accounts)."""
        return self.rpc_url is None or self.local_network

    @property
    def effective_rpc_url(self) -> str:
        return self.rpc_url or f"http://{self.node_host}:{self.node_port}"

    @property
    def network_dir(self) -> Path:
        """The local multi-validator network (`hpf network`)."""
        return self.home / "network"

    @property
    def node_dir(self) -> Path:
        return self.home / "node"

    @property
    def index_file(self) -> Path:
        """The event index of this chain's deployment (node/indexer/)."""
        return self.home / "index" / f"{self.chain_id}.sqlite"

    @property
    def deployment_file(self) -> Path:
        return self.deployments_dir / f"{self.chain_id}.json"


@lru_cache(maxsize=1)
def get_settings(**overrides: Any) -> Settings:
    """The process's settings, read once. Tests pass overrides or clear the cache."""
    return Settings(**overrides)
