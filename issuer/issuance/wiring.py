"""Wiring: an `Issuer` for a centre on the configured network, with its database, signing key,
chain connection, operator account and the consortium's institution register."""

from __future__ import annotations

import time
from typing import Any

from hexbytes import HexBytes
from sqlalchemy import Engine

from issuer.anchoring import Anchorer
from issuer.blacklist import operator_account
from issuer.db import make_engine, upgrade
from issuer.ids import check_centre_code
from issuer.issuance.service import Issuer
from issuer.keys import admin_account, ensure_signing_key
from issuer.settings import get_issuer_settings
from node.bindings import RevocationReason, Sender
from node.chain import connect
from node.deploy import load_contracts
from node.errors import ContractError
from node.rpc import RpcClient
from node.sender import account_lock
from node.settings import get_settings
from verifier.merkle import MAX_BATCH_SIZE

__all__ = ["open_issuer"]


def open_issuer(
    centre: int,
    *,
    node_settings: Any = None,
    issuer_settings: Any = None,
    batch_size: int = MAX_BATCH_SIZE,
    batch_timeout: float = 1.0,
    engine: Engine | None = None,
) -> Issuer:
    """An Issuer for `centre` on the configured network: its database migrated, its signing key
    created and registered if it has none, connected to the chain. Call `start()` to run the
    batcher thread (a service), or use it directly (the CLI anchors inside `request`)."""

    check_centre_code(centre)
    ns = node_settings or get_settings()
    iset = issuer_settings or get_issuer_settings()
    if engine is None:
        engine = make_engine(iset.database_url_for(centre))
        upgrade(engine)
    w3 = connect(ns)
    contracts = load_contracts(w3, ns.deployment_file)
    passphrase = iset.signing_key_passphrase()
    def admin_sender() -> Sender:
        admin = admin_account(ns, centre)
        return Sender(w3, admin, lock=account_lock(ns.home, ns.chain_id, admin.address))

    ensure_signing_key(engine, centre, passphrase, contracts, admin_sender, iset.signing_algorithm_for(centre))
    rpc = RpcClient(ns.effective_rpc_url, timeout=ns.rpc_timeout)
    anchorer = Anchorer(rpc, ledger=contracts.ledger.address, account=operator_account(ns, centre),
                        chain_id=int(w3.eth.chain_id), centre=centre, home=ns.home)
    institutions: dict[int, tuple[float, bool]] = {}

    def institution_active(iid: int) -> bool:
        hit = institutions.get(iid)
        if hit is not None and time.monotonic() - hit[0] < 60:
            return hit[1]
        try:
            active = bool(contracts.consortium.institution(iid).active)
        except ContractError:
            active = False
        institutions[iid] = (time.monotonic(), active)
        return active

    def revoker(digest: bytes, root: bytes, proof: list[bytes], code: RevocationReason) -> None:
        data = bytes(HexBytes(contracts.ledger.contract.encode_abi("revoke", args=[digest, root, proof, int(code)])))
        anchorer.transact(data, gas=150_000)

    return Issuer(
        centre=centre, engine=engine, anchorer=anchorer, passphrase=passphrase,
        consortium_key=iset.consortium_key_bytes(), institution_active=institution_active,
        batch_size=batch_size, batch_timeout=batch_timeout, revoker=revoker, confirmations=ns.confirmations,
        validity_by_purpose=iset.validity_days_for(centre),
    )
