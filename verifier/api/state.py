"""What the verifier service holds for its lifetime: the verifier, API keys, the trace queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from node.accounts import DEMO_INSTITUTIONS
from node.settings import Settings
from verifier.apikeys import ApiKeyStore
from verifier.chain import RpcChainReader
from verifier.http_guard import find_key
from verifier.pipeline import Verifier
from verifier.quotas import DAY, MINUTE, Quotas
from verifier.sandbox import scan_untrusted
from verifier.trace import TraceQueue

DEMO_API_KEY_PREFIX = "demo-key-"


def demo_api_keys() -> dict[str, int]:
    """DEMO API keys for the local network: `demo-key-<institution id>`. Never in production."""
    return {f"{DEMO_API_KEY_PREFIX}{i.id}": i.id for i in DEMO_INSTITUTIONS}


@dataclass
class ServiceState:
    settings: Settings
    reader: RpcChainReader | None
    api_keys: dict[str, int]
    queues: dict[int, TraceQueue] = field(default_factory=dict)
    verifiers: dict[int | None, Verifier] = field(default_factory=dict)
    quotas: Quotas | None = None
    sandbox: Any = None
    """The worker pool reading uploads (verifier.sandbox.Sandbox), started with the service."""

    key_store: ApiKeyStore | None = None
    #: institutions whose configured chain account is not theirs: their requests are refused
    refused: set[int] = field(default_factory=set)

    def institution_of(self, api_key: str | None) -> int | None:
        """The institution of an API key: one issued by `hpf verifier keys add` (stored hashed),
        else a configured (or DEMO) key compared in constant time; None if unknown or revoked."""
        if not api_key:
            return None
        found: object = self.key_store.institution_for(api_key) if self.key_store is not None else None
        if found is None:
            found = find_key(api_key, self.api_keys)
        return found if isinstance(found, int) else None

    def scan(self, data: bytes | str, filename: str | None) -> Any:
        """Read an upload: images and PDFs in the sandbox (TOO_COMPLEX over budget)."""
        return scan_untrusted(data, filename=filename, sandbox=self.sandbox)

    def verifier(self, institution: int | None) -> Verifier:
        v = self.verifiers.get(institution)
        if v is None:
            v = self.verifiers[institution] = Verifier(self.reader, institution=institution)
        return v


def open_quotas(settings: Settings) -> Quotas:
    """The institutions' quotas, counted in `{home}/verifier/quotas.sqlite` (shared by workers)."""
    s = settings
    return Quotas(s.home / "verifier" / "quotas.sqlite", {
        "verify": [(s.verifier_verifications_per_minute, MINUTE), (s.verifier_verifications_per_day, DAY)],
        "blacklist": [(s.verifier_blacklist_checks_per_minute, MINUTE), (s.verifier_blacklist_checks_per_day, DAY)],
    })
