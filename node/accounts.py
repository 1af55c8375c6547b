"""Deterministic DEMO accounts for the local network. Never use them on a real chain.

They are derived from the public development mnemonic that anvil and Hardhat ship with, so
anyone can reproduce them: that is the point for a demo and the reason they guard nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from eth_account import Account
from eth_account.signers.local import LocalAccount

DEMO_MNEMONIC = "test test test test test test test test test test test junk"
DEMO_ACCOUNT_COUNT = 12


@dataclass(frozen=True, kw_only=True)
class DemoCentre:
    code: int
    name: str
    admin_index: int
    operator_index: int


@dataclass(frozen=True, kw_only=True)
class DemoInstitution:
    id: int
    name: str
    account_index: int
    sponsor: int


DEPLOYER_INDEX = 0
DEMO_CENTRES: tuple[DemoCentre, ...] = (
    DemoCentre(code=460100, name="海口市住房公积金管理局", admin_index=1, operator_index=2),
    DemoCentre(code=460200, name="三亚市住房公积金管理局", admin_index=3, operator_index=4),
    DemoCentre(code=460400, name="儋州市住房公积金管理局", admin_index=5, operator_index=6),
)
DEMO_INSTITUTIONS: tuple[DemoInstitution, ...] = (
    DemoInstitution(id=91000001, name="演示银行海南分行 (Demo Bank Hainan)", account_index=7, sponsor=460100),
    DemoInstitution(id=91000002, name="演示农商银行三亚支行 (Demo Rural Bank Sanya)", account_index=8, sponsor=460200),
)
DEMO_THRESHOLD = 2
DEMO_PROPOSAL_LIFETIME = 7 * 24 * 3600


@lru_cache(maxsize=DEMO_ACCOUNT_COUNT)
def demo_account(index: int) -> LocalAccount:
    """The DEMO account at `m/44'/60'/0'/0/index` of the public development mnemonic."""
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(DEMO_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return account


def demo_deployer() -> LocalAccount:
    return demo_account(DEPLOYER_INDEX)


def demo_centre(code: int) -> DemoCentre:
    for c in DEMO_CENTRES:
        if c.code == code:
            return c
    raise KeyError(code)
