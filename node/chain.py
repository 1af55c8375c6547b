"""Connecting to the chain with checks that turn transport failures into one clear sentence."""

from __future__ import annotations

from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers.rpc import HTTPProvider

from node.errors import NodeNotRunning, WrongChain
from node.settings import Settings


def connect(settings: Settings, *, check_chain_id: bool = True) -> Web3:
    """A Web3 bound to the configured RPC, after checking that it answers for the right chain."""
    url = settings.effective_rpc_url
    w3 = poa(Web3(HTTPProvider(url, request_kwargs={"timeout": settings.rpc_timeout})))
    try:
        chain_id = w3.eth.chain_id
    except Exception as exc:  # any transport failure means the same thing to the user
        hint = "start it with `hpf node up` (or `make run`)" if settings.local else "check HPF_RPC_URL"
        raise NodeNotRunning(f"No chain node answers at {url}: {hint}.") from exc
    if check_chain_id and chain_id != settings.chain_id:
        raise WrongChain(
            f"The node at {url} is chain {chain_id}, but chain {settings.chain_id} is configured "
            "(set HPF_CHAIN_ID or point HPF_RPC_URL at the right network)."
        )
    return w3


def poa(w3: Web3) -> Web3:
    """Let web3 read proof-of-authority headers (Clique's extraData holds the seal): harmless on
    anvil, needed on the local geth network."""
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3
