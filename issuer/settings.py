"""The issuer's settings, from the environment (HPF_*) and the optional TOML file, read through
`get_issuer_settings()` — never at import.

Every setting, its environment variable and its default: docs/configuration.md (one table for
the node, the verifier and the issuer; the fields below carry the same descriptions).

A database URL may contain `{centre}` (e.g. `postgresql+psycopg://hpf@db/hpf_{centre}`) to give
each centre its own database on one server. Without it, every centre named on this machine
shares the one database; rows carry `centre_code`, so that is safe but not the intended layout.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from issuer.errors import ConfigurationError
from issuer.ids import CONSORTIUM_KEY_LENGTH, check_centre_code
from issuer.keystore import algorithm_named
from node.log import get_logger
from node.settings import DEMO_KEY_PASSPHRASE, HpfSettings

__all__ = [
    "DEMO_CONSORTIUM_KEY",
    "DEMO_ISSUER_PORTS",
    "DEMO_KEY_PASSPHRASE",
    "IssuerSettings",
    "database_url_for",
    "get_issuer_settings",
]

log = get_logger("hpf.issuer.settings")

#: DEMO ONLY. The consortium key of the local demo network, derived from a public string so
#: anyone can reproduce it. Used only when HPF_RPC_URL is unset; never on a real network.
DEMO_CONSORTIUM_KEY: bytes = hashlib.sha256(b"hpf-trust DEMO consortium key, local network only").digest()
#: DEMO: the suite of each demo centre's first signing key on the local network (both suites shown).
DEMO_SIGNING_ALGORITHMS: dict[int, str] = {460400: "sm2"}
#: The demo centres' service ports on the local network.
DEMO_ISSUER_PORTS: dict[int, int] = {460100: 8701, 460200: 8702, 460400: 8703}


class IssuerSettings(HpfSettings):
    model_config = SettingsConfigDict(env_prefix="HPF_", extra="ignore", frozen=True, populate_by_name=True)

    home: Path = Field(
        default=Path("var"), description="where state lives; centre databases in {home}/issuer/"
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("HPF_DATABASE_URL", "DATABASE_URL", "database_url"),
        description="SQLAlchemy URL; may contain {centre}. Default: a SQLite file per centre",
    )
    rpc_url: str | None = Field(
        default=None, description="a remote network's RPC; unset = the local demo network"
    )
    local_network: bool = Field(
        default=False, description="HPF_RPC_URL is a node of this machine's `hpf network` (DEMO keys stand in)"
    )
    consortium_key: SecretStr | None = Field(
        default=None, description="hex, 32 bytes, shared by member centres"
    )
    key_passphrase: SecretStr | None = Field(default=None, description="encrypts the centre's signing keys")
    trace_keys: SecretStr | None = Field(
        default=None, description="hex X25519 private keys of the consortium trace key, comma-separated")
    blacklist_daily_quota: int = Field(default=200, ge=0, description="by-ID blacklist checks per UTC day")
    issuer_host: str = Field(default="127.0.0.1", description="where `hpf issuer serve` listens")
    issuer_ports: dict[int, int] = Field(default_factory=dict, description="centre -> port of its service")
    staff_keys: dict[str, int] = Field(
        default_factory=dict, description="staff API key -> centre; empty on the local network = the DEMO keys"
    )
    batch_size: int = Field(default=64, ge=1, le=64, description="certificates per Merkle batch")
    batch_timeout: float = Field(default=1.0, gt=0, le=60, description="seconds before a short batch is closed")
    session_secret: SecretStr | None = Field(default=None, description="signs portal sessions")
    validity_days: dict[str, int] = Field(
        default_factory=dict,
        description='days a certificate is valid: {"default": 90, "commercial-loan": 60, "460200": 90, '
        '"460200:rental": 30}; the most specific key wins',
    )
    signing_algorithms: dict[int, str] = Field(
        default_factory=dict, description="centre -> ed25519 | es256 | sm2, the algorithm of its new keys"
    )
    pdf_signers: dict[int, dict[str, Any]] = Field(
        default_factory=dict, description="centre -> its PDF signer: pkcs12 or key+chain, passphrase_env, tsa_url"
    )

    trusted_proxies: str = Field(
        default="", description="reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is "
        "believed; empty = none, the peer's address is the client's"
    )
    certificates_per_day: int = Field(default=20, ge=0, description="per employee, through the portal; 0 = no limit")

    def signing_algorithm_for(self, centre: int) -> Any:
        """The COSE algorithm name of the centre's new signing keys: configured, else (local network
        only) the demo centre's suite, else EdDSA."""

        name = self.signing_algorithms.get(centre)
        if name is None and self.local:
            name = DEMO_SIGNING_ALGORITHMS.get(centre)
        try:
            return algorithm_named(name or "ed25519")
        except ValueError as exc:
            raise ConfigurationError(f"HPF_SIGNING_ALGORITHMS for centre {centre}: {exc}.",
                                     message_zh=f"中心 {centre} 的 HPF_SIGNING_ALGORITHMS 设置错误。") from None

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        from issuer.limits import parse_networks  # noqa: PLC0415 — `import issuer.settings` stays ~0.3 s, not ~0.6 (every command reads settings)

        parse_networks(value)  # ValueError names the bad entry
        return value

    def proxy_networks(self) -> tuple[Any, ...]:
        from issuer.limits import parse_networks  # noqa: PLC0415 — `import issuer.settings` stays ~0.3 s, not ~0.6 (every command reads settings)

        return parse_networks(self.trusted_proxies)

    def issuer_port(self, centre: int) -> int:
        """The port of the centre's service: configured, else 8701/8702/8703 for the demo centres."""
        if centre in self.issuer_ports:
            return self.issuer_ports[centre]
        return DEMO_ISSUER_PORTS.get(centre, 8700)

    def validity_days_for(self, centre: int) -> dict[str, int]:
        """Days of validity per purpose for `centre`: "centre:purpose", else "centre", else
        "purpose", else "default", else 90 (docs/design.md §3)."""
        from verifier.format import PURPOSES  # noqa: PLC0415 — `import issuer.settings` stays ~0.3 s, not ~0.6 (every command reads settings)

        v = self.validity_days
        out = {}
        for purpose in PURPOSES:
            keys = (f"{centre}:{purpose}", str(centre), purpose, "default")
            days = next((v[k] for k in keys if k in v), 90)
            if not 1 <= days <= 3660:
                raise ConfigurationError(f"validity_days for {centre}/{purpose} must be 1 to 3660 days, not {days}")
            out[purpose] = days
        return out

    def staff_keys_for(self, centre: int) -> set[str]:
        """The staff API keys of `centre`: configured, else (local network only) `demo-staff-<centre>`."""
        if self.staff_keys:
            return {k for k, c in self.staff_keys.items() if c == centre}
        return {f"demo-staff-{centre}"} if self.local else set()

    @property
    def local(self) -> bool:
        """True on the local demo network (anvil, or the local `hpf network`), where the DEMO key
        and passphrase stand in."""
        return self.rpc_url is None or self.local_network

    def database_url_for(self, centre: int) -> str:
        check_centre_code(centre)
        if self.database_url:
            return self.database_url.replace("{centre}", str(centre))
        path = (self.home / "issuer" / f"{centre}.sqlite").absolute()
        return f"sqlite:///{path}"

    def consortium_key_bytes(self) -> bytes:
        """The 32-byte consortium key, or a `ConfigurationError` saying what is wrong with it."""
        if self.consortium_key is None:
            if self.local:
                return DEMO_CONSORTIUM_KEY
            raise ConfigurationError(
                "HPF_CONSORTIUM_KEY is not set: a centre on a real network needs the consortium key "
                "(64 hex digits) shared by the member centres.",
                message_zh="未设置 HPF_CONSORTIUM_KEY：正式网络上的中心需要成员中心共享的联盟密钥（64位十六进制）。",
            )
        text = self.consortium_key.get_secret_value().strip()
        text = text[2:] if text.lower().startswith("0x") else text
        try:
            key = bytes.fromhex(text)
        except ValueError:
            raise ConfigurationError(
                "HPF_CONSORTIUM_KEY is not hexadecimal: give the 32-byte key as 64 hex digits.",
                message_zh="HPF_CONSORTIUM_KEY 不是十六进制：请以64位十六进制数字给出32字节的密钥。",
            ) from None
        if len(key) != CONSORTIUM_KEY_LENGTH:
            raise ConfigurationError(
                f"HPF_CONSORTIUM_KEY is {len(key)} bytes long; the consortium key is {CONSORTIUM_KEY_LENGTH} "
                "bytes (64 hex digits).",
                message_zh=f"HPF_CONSORTIUM_KEY 长度为{len(key)}字节；联盟密钥应为32字节（64位十六进制）。",
            )
        return key

    def trace_private_keys(self) -> list[bytes]:
        """The consortium trace key's private halves this centre holds (docs/privacy.md)."""
        if self.trace_keys is None or not self.trace_keys.get_secret_value().strip():
            if self.local:
                from node.sealing import DEMO_TRACE_PRIVATE_KEY  # noqa: PLC0415 — only on the local network

                return [DEMO_TRACE_PRIVATE_KEY]
            raise ConfigurationError(
                "HPF_TRACE_KEYS is not set: reading the access trace needs the consortium trace key's "
                "private half (64 hex digits), shared by the member centres.",
                message_zh="未设置 HPF_TRACE_KEYS：读取查询记录需要成员中心共享的联盟记录密钥私钥（64位十六进制）。",
            )
        keys = []
        for part in self.trace_keys.get_secret_value().split(","):
            text = part.strip().removeprefix("0x")
            try:
                key = bytes.fromhex(text)
            except ValueError:
                key = b""
            if len(key) != 32:
                raise ConfigurationError(
                    "HPF_TRACE_KEYS must be 32-byte keys as 64 hex digits, separated by commas.",
                    message_zh="HPF_TRACE_KEYS 应为以逗号分隔的32字节密钥（每个64位十六进制）。",
                )
            keys.append(key)
        return keys

    def signing_key_passphrase(self) -> bytes:
        """The passphrase that encrypts signing keys (the centre's COSE keys, its PDF signer's key),
        or a `ConfigurationError` off the demo network; the DEMO passphrase only on the local network,
        said in the log."""
        if self.key_passphrase is not None and self.key_passphrase.get_secret_value():
            return self.key_passphrase.get_secret_value().encode("utf-8")
        if self.local:
            log.info("HPF_KEY_PASSPHRASE is unset: the local demo network's DEMO passphrase encrypts the keys")
            return DEMO_KEY_PASSPHRASE.encode("utf-8")
        raise ConfigurationError(
            "HPF_KEY_PASSPHRASE is not set: a centre on a real network must give the passphrase that "
            "encrypts its signing keys.",
            message_zh="未设置 HPF_KEY_PASSPHRASE：正式网络上的中心必须提供加密签名密钥的口令。",
        )


@lru_cache(maxsize=1)
def get_issuer_settings(**overrides: Any) -> IssuerSettings:
    """The process's issuer settings, read once. Tests pass overrides or clear the cache."""
    return IssuerSettings(**overrides)


def database_url_for(centre: int) -> str:
    """The database URL of `centre` under the process's settings."""
    return get_issuer_settings().database_url_for(centre)
