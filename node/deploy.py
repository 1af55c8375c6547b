"""Deploy the consortium contracts and record where they are (`deployments/<chain-id>.json`).

Idempotent: when the recorded contracts are still on chain with the recorded code and the
sources have not changed, nothing is sent. Governance set-up (registering the demo lenders)
goes through real M-of-N proposals and is skipped for what is already registered.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import keccak
from web3 import Web3

from node import accounts as demo
from node.abi import CONTRACT_NAMES, REGENERATE, stale_files
from node.bindings import Contracts, Sender
from node.compiler import compile_contracts, source_hash
from node.errors import ConfigError, DeploymentMissing, TransactionFailed
from node.log import get_logger
from node.sealing import DEMO_TRACE_PRIVATE_KEY, trace_public_key

log = get_logger("hpf.deploy")

YEAR = 365 * 24 * 3600
BLACKLIST_MIN_DURATION = 3 * YEAR
BLACKLIST_MAX_DURATION = 5 * YEAR


@dataclass(frozen=True, kw_only=True)
class GenesisCentre:
    code: int
    name: str
    admin: str
    operator: str


@dataclass(frozen=True, kw_only=True)
class GenesisInstitution:
    id: int
    name: str
    account: str
    sponsor: int


@dataclass(frozen=True, kw_only=True)
class Genesis:
    centres: tuple[GenesisCentre, ...]
    threshold: int
    proposal_lifetime: int
    institutions: tuple[GenesisInstitution, ...] = ()
    blacklist_min_duration: int = BLACKLIST_MIN_DURATION
    blacklist_max_duration: int = BLACKLIST_MAX_DURATION
    #: The X25519 public key access records are sealed to (docs/privacy.md); DEMO key by default.
    trace_key: bytes = field(default_factory=lambda: trace_public_key(DEMO_TRACE_PRIVATE_KEY))

    @classmethod
    def from_file(cls, path: Path) -> Genesis:
        try:
            raw = json.loads(path.read_text())
            genesis = cls(
                centres=tuple(GenesisCentre(**c) for c in raw["centres"]),
                threshold=int(raw["threshold"]),
                proposal_lifetime=int(raw.get("proposal_lifetime", demo.DEMO_PROPOSAL_LIFETIME)),
                institutions=tuple(GenesisInstitution(**i) for i in raw.get("institutions", [])),
            )
            if "trace_key" in raw:
                genesis = replace(genesis, trace_key=bytes.fromhex(str(raw["trace_key"]).removeprefix("0x")))
            return genesis
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"The genesis file {path} is not valid: {exc}.") from exc


def demo_genesis() -> Genesis:
    """The demo consortium: three Hainan centres, two lenders, 2-of-3 approvals. DEMO keys."""
    return Genesis(
        centres=tuple(
            GenesisCentre(
                code=c.code,
                name=c.name,
                admin=demo.demo_account(c.admin_index).address,
                operator=demo.demo_account(c.operator_index).address,
            )
            for c in demo.DEMO_CENTRES
        ),
        threshold=demo.DEMO_THRESHOLD,
        proposal_lifetime=demo.DEMO_PROPOSAL_LIFETIME,
        institutions=tuple(
            GenesisInstitution(id=i.id, name=i.name, account=demo.demo_account(i.account_index).address, sponsor=i.sponsor)
            for i in demo.DEMO_INSTITUTIONS
        ),
    )


@dataclass(frozen=True, kw_only=True)
class DeployedContract:
    address: str
    block: int
    tx: str
    code_hash: str


@dataclass(frozen=True, kw_only=True)
class DeploymentRecord:
    chain_id: int
    source_hash: str
    deployed_at: int
    contracts: dict[str, DeployedContract] = field(default_factory=dict)

    def addresses(self) -> dict[str, str]:
        return {n: c.address for n, c in self.contracts.items()}

    @property
    def start_block(self) -> int:
        return min(c.block for c in self.contracts.values())

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def load(cls, path: Path) -> DeploymentRecord:
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError as exc:
            raise DeploymentMissing(f"No deployment recorded at {path}: run `hpf deploy` first.") from exc
        except ValueError as exc:
            raise DeploymentMissing(f"The deployment record {path} is not valid JSON: run `hpf deploy` again.") from exc
        return cls(
            chain_id=raw["chain_id"],
            source_hash=raw["source_hash"],
            deployed_at=raw["deployed_at"],
            contracts={n: DeployedContract(**c) for n, c in raw["contracts"].items()},
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.to_json())
        tmp.replace(path)


@dataclass(frozen=True, kw_only=True)
class DeployResult:
    record: DeploymentRecord
    deployed: bool
    proposals_executed: int
    #: institution id -> its account on chain, for every institution the genesis names
    registered: dict[int, str] = field(default_factory=dict)


def _code_hash(w3: Web3, address: str) -> str:
    return "0x" + keccak(bytes(w3.eth.get_code(Web3.to_checksum_address(address)))).hex()


def record_is_current(w3: Web3, record: DeploymentRecord) -> bool:
    """True when every recorded contract is on chain with its recorded code and sources match."""
    if record.source_hash != source_hash() or set(record.contracts) != set(CONTRACT_NAMES):
        return False
    return all(_code_hash(w3, c.address) == c.code_hash for c in record.contracts.values())


def _deploy_one(w3: Web3, sender: Sender, name: str, *args: Any) -> DeployedContract:
    artifact = compile_contracts()[name]
    factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = sender.send(factory.constructor(*args))
    address = receipt["contractAddress"]
    if not address:
        raise TransactionFailed(f"Deploying {name} produced no contract address.")
    log.info("contract deployed", contract=name, address=address, block=receipt["blockNumber"])
    return DeployedContract(
        address=address,
        block=int(receipt["blockNumber"]),
        tx="0x" + bytes(receipt["transactionHash"]).hex(),
        code_hash=_code_hash(w3, address),
    )


def deploy_contracts(w3: Web3, deployer: LocalAccount, genesis: Genesis) -> DeploymentRecord:
    """Deploy all four contracts with `genesis` as the founding members.

    Refuses when the shipped ABIs (node/abi) are not those of the sources: every service would
    then talk to these contracts with another contract's ABI."""
    stale = stale_files()
    if stale:
        raise ConfigError(
            f"node/abi/ does not match the contract sources ({', '.join(stale)}): run `{REGENERATE}` before deploying."
        )
    sender = Sender(w3, deployer)
    c = genesis.centres
    consortium = _deploy_one(
        w3,
        sender,
        "Consortium",
        [x.code for x in c],
        [x.name for x in c],
        [Web3.to_checksum_address(x.admin) for x in c],
        [Web3.to_checksum_address(x.operator) for x in c],
        genesis.threshold,
        genesis.proposal_lifetime,
    )
    contracts = {"Consortium": consortium}
    contracts["CertificateLedger"] = _deploy_one(w3, sender, "CertificateLedger", consortium.address)
    contracts["Blacklist"] = _deploy_one(
        w3, sender, "Blacklist", consortium.address, genesis.blacklist_min_duration, genesis.blacklist_max_duration
    )
    contracts["AccessTrace"] = _deploy_one(w3, sender, "AccessTrace", consortium.address, genesis.trace_key)
    return DeploymentRecord(
        chain_id=w3.eth.chain_id, source_hash=source_hash(), deployed_at=int(time.time()), contracts=contracts
    )


def register_institutions(
    contracts: Contracts, genesis: Genesis, admins: dict[int, LocalAccount]
) -> int:
    """Register the genesis institutions that are not yet registered, each through a proposal
    approved by `threshold` centres (whose admin accounts are given). Returns proposals executed."""
    w3 = contracts.consortium.w3
    senders = {code: Sender(w3, acct) for code, acct in admins.items()}
    threshold = contracts.consortium.threshold()
    if len(senders) < threshold:
        raise ConfigError(f"Registering institutions needs {threshold} centre admins; {len(senders)} given.")
    approvers = list(senders.values())[:threshold]
    executed = 0
    for inst in genesis.institutions:
        if contracts.consortium.institution(inst.id).account != "0x0000000000000000000000000000000000000000":
            continue
        data = contracts.consortium.encode(
            "registerInstitution", inst.id, inst.name, Web3.to_checksum_address(inst.account), inst.sponsor
        )
        pid = contracts.consortium.propose(approvers[0], contracts.consortium.address, data)
        for s in approvers[1:]:
            contracts.consortium.approve(s, pid)
        contracts.consortium.execute(approvers[-1], pid)
        executed += 1
        log.info("institution registered", id=inst.id, proposal=pid)
    return executed


def deploy(
    w3: Web3,
    deployer: LocalAccount,
    genesis: Genesis,
    record_path: Path,
    *,
    admins: dict[int, LocalAccount] | None = None,
) -> DeployResult:
    """Deploy unless the recorded deployment is current; then finish governance set-up."""
    record: DeploymentRecord | None = None
    if record_path.is_file():
        try:
            record = DeploymentRecord.load(record_path)
        except DeploymentMissing:
            record = None
    deployed = False
    if record is None or record.chain_id != w3.eth.chain_id or not record_is_current(w3, record):
        record = deploy_contracts(w3, deployer, genesis)
        record.save(record_path)
        deployed = True
    else:
        log.info("deployment is current; nothing deployed", file=str(record_path))
    executed = 0
    contracts = Contracts.at(w3, record.addresses())
    if admins and genesis.institutions:
        executed = register_institutions(contracts, genesis, admins)
    registered = {i.id: contracts.consortium.institution(i.id).account for i in genesis.institutions}
    return DeployResult(record=record, deployed=deployed, proposals_executed=executed, registered=registered)


def demo_admins() -> dict[int, LocalAccount]:
    return {c.code: demo.demo_account(c.admin_index) for c in demo.DEMO_CENTRES}


def load_contracts(w3: Web3, record_path: Path) -> Contracts:
    """Bindings for the deployment recorded at `record_path`, checked against the chain."""
    record = DeploymentRecord.load(record_path)
    if record.chain_id != w3.eth.chain_id:
        raise DeploymentMissing(
            f"{record_path} records chain {record.chain_id}, but the node is chain {w3.eth.chain_id}: run `hpf deploy`."
        )
    consortium = record.contracts["Consortium"]
    if len(w3.eth.get_code(Web3.to_checksum_address(consortium.address))) == 0:
        raise DeploymentMissing(
            f"The contracts recorded in {record_path} are not on this chain (was the node reset?): run `hpf deploy`."
        )
    return Contracts.at(w3, record.addresses())
