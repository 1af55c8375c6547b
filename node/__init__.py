"""Everything about the chain: the local node, compilation, deployment, bindings and the index."""

from node.errors import HpfNodeError

__all__ = ["HpfNodeError"]
