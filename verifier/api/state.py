"""What the verifier service holds for its lifetime: the verifier, API keys, the trace queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from node.accounts import DEMO_INSTITUTIONS
from node.settings import Settings
from verifier.apikeys import ApiKeyStore
from verifier.chain import ChainReader
from verifier.pipeline import Verifier
from verifier.trace import TraceQueue

DEMO_API_KEY_PREFIX = "demo-key-"


def demo_api_keys() -> dict[str, int]:
    """DEMO API keys for the local network: `demo-key-<institution id>`. Never in production."""
    return {f"{DEMO_API_KEY_PREFIX}{i.id}": i.id for i in DEMO_INSTITUTIONS}


@dataclass
class ServiceState:
    settings: Settings
    reader: ChainReader | None
    api_keys: dict[str, int]
    queues: dict[int, TraceQueue] = field(default_factory=dict)
    verifiers: dict[int | None, Verifier] = field(default_factory=dict)
    key_store: ApiKeyStore | None = None
    #: institutions whose configured chain account is not theirs: their requests are refused
    refused: set[int] = field(default_factory=set)

    def institution_for(self, key: str) -> int | None:
        """The institution of an API key: one issued by `hpf verifier keys add`, else a configured
        (or DEMO) key; None for an unknown or revoked key."""
        found = self.key_store.institution_for(key) if self.key_store is not None else None
        if found is None:
            found = self.api_keys.get(key)
        return found

    def verifier(self, institution: int | None) -> Verifier:
        v = self.verifiers.get(institution)
        if v is None:
            v = self.verifiers[institution] = Verifier(self.reader, institution=institution)
        return v
