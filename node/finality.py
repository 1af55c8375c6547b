"""When is an anchored root final? One rule per engine, read from the node itself.

- anvil (a development node, one sealer, never reorganises): included = final (depth 1).
- go-ethereum Clique (proof of authority, N signers): a block is final once `N // 2 + 1` blocks
  stand on it counting itself, i.e. once more than half of the signers have sealed on top of it.
  A signer may seal at most one block in any `N // 2 + 1` consecutive blocks, so a competing
  branch that replaces a block that deep needs a majority of the signers: a minority of
  validators (crashed, cut off or dishonest) cannot replace it.
- A BFT engine (Besu QBFT, IBFT 2.0): included = final (depth 1); blocks are never replaced.

`HPF_CONFIRMATIONS` overrides the depth (e.g. a stricter 2 × N on Clique).
"""

from __future__ import annotations

from dataclasses import dataclass

from node.rpc import ChainUnavailable, RpcClient

__all__ = ["Finality", "finality_of"]


@dataclass(frozen=True, kw_only=True)
class Finality:
    engine: str  # "anvil", "clique", "bft" or "unknown"
    depth: int  # blocks counting the anchor's own block
    signers: int = 1
    block_period: int = 0  # seconds; 0 = blocks on demand (anvil)

    def is_final(self, block: int, head: int) -> bool:
        return block > 0 and head - block + 1 >= self.depth

    def describe(self) -> str:
        if self.engine == "clique":
            return (f"Clique with {self.signers} signers: final at depth {self.depth} "
                    f"(more than half of the signers sealed on top)")
        if self.engine == "anvil":
            return "anvil development node: final when included"
        return f"{self.engine}: final at depth {self.depth}"


def finality_of(rpc: RpcClient, *, confirmations: int | None = None) -> Finality:
    """The rule for the node behind `rpc` (one or two round trips; read once per process)."""
    version = rpc.client_version().lower()
    if version.startswith("anvil") or "hardhat" in version or "ethereumjs" in version:
        return Finality(engine="anvil", depth=confirmations or 1)
    if version.startswith("geth"):
        try:
            signers = len(rpc.call("clique_getSigners", []))
        except ChainUnavailable:
            signers = 0
        if signers:
            period = _block_period(rpc)
            return Finality(engine="clique", depth=confirmations or signers // 2 + 1, signers=signers,
                            block_period=period)
    if version.startswith("besu"):
        return Finality(engine="bft", depth=confirmations or 1, block_period=_block_period(rpc))
    return Finality(engine="unknown", depth=confirmations or 1, block_period=_block_period(rpc))


def _block_period(rpc: RpcClient) -> int:
    """Seconds between the last two blocks (0 when the chain has fewer than two)."""
    head = rpc.head()
    if head.number < 1:
        return 0
    prev = rpc.call("eth_getBlockByNumber", [hex(head.number - 1), False])
    return max(0, head.timestamp - int(prev["timestamp"], 16))
