"""The one root exception of `node`, and the errors a user can act on."""

from __future__ import annotations


class HpfNodeError(Exception):
    """Root of every error `node` raises. The message is one sentence a user can act on."""


class ConfigError(HpfNodeError):
    """The settings are missing something or contradict themselves."""


class NodeNotRunning(HpfNodeError):
    """No chain node answers at the configured RPC URL."""


class NodeStartError(HpfNodeError):
    """The local node could not be started."""


class WrongChain(HpfNodeError):
    """The RPC answers, but for another chain than the one configured."""


class CompileError(HpfNodeError):
    """The contracts do not compile."""


class DeploymentMissing(HpfNodeError):
    """No deployment is recorded for this chain, or its contracts are gone from the chain."""


class ContractError(HpfNodeError):
    """A contract call reverted. `error` is the custom error's name, `args` its values."""

    def __init__(self, message: str, *, error: str = "", args: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.error = error
        self.error_args = args or {}


class TransactionFailed(HpfNodeError):
    """A transaction was mined but failed without a decodable reason."""
