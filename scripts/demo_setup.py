"""DEMO data for `make run`: each demo centre's database with invented employees who can log in
to the portal with the DEMO password, and its signing key in the centre's suite (460400 Danzhou
signs with SM2/SM3, the others with Ed25519: docs/crypto.md). Idempotent: a centre that has
accounts is left alone; a demo centre whose key is of another suite (older state) is rotated.

    python scripts/demo_setup.py            # set up what is missing
    python scripts/demo_setup.py logins     # print two demo logins (ID number, password)
"""

from __future__ import annotations

import sys

from sqlalchemy import func, select

from issuer.db import Account, AccountStatus, make_engine, session_scope, upgrade
from issuer.demo_data import generate_csv
from issuer.importer import import_accounts
from issuer.passwords import DEMO_PASSWORD, set_passwords
from issuer.settings import get_issuer_settings
from node.accounts import DEMO_CENTRES

ACCOUNTS_PER_CENTRE = 200


def setup() -> None:
    s = get_issuer_settings()
    for centre in DEMO_CENTRES:
        engine = make_engine(s.database_url_for(centre.code))
        try:
            upgrade(engine)
            with session_scope(engine) as session:
                count = session.scalar(select(func.count()).select_from(Account).where(
                    Account.centre_code == centre.code)) or 0
            if count:
                continue
            path = generate_csv(s.home / "demo" / f"{centre.code}.csv", centre.code, ACCOUNTS_PER_CENTRE, seed=centre.code)
            with session_scope(engine) as session:
                report = import_accounts(session, centre.code, path)
            if report.rejected:
                sys.exit(f"demo data of {centre.code} was refused: {report.rejected[0]}")
            set_passwords(engine, centre.code, DEMO_PASSWORD)
            print(f"demo data  {centre.code} {centre.name}: {report.created} DEMO employees (password {DEMO_PASSWORD})")
        finally:
            engine.dispose()


def signing_keys() -> None:
    """Each demo centre's signing key registered, in the centre's demo suite."""
    from issuer.issuance import open_issuer
    from issuer.keys import admin_account, rotate
    from node.bindings import Sender
    from node.chain import connect
    from node.deploy import load_contracts
    from node.settings import get_settings

    s = get_issuer_settings()
    ns = get_settings()
    for centre in DEMO_CENTRES:
        wanted = s.signing_algorithm_for(centre.code)
        issuer = open_issuer(centre.code)  # registers a first key of the centre's suite if it has none
        try:
            key = issuer.active_key()
            if key.algorithm != wanted:
                w3 = connect(ns)
                contracts = load_contracts(w3, ns.deployment_file)
                rotate(issuer.engine, centre.code, issuer.passphrase, contracts,
                       Sender(w3, admin_account(ns, centre.code)), issuer.drain_key, algorithm=wanted)
                key = issuer.active_key()
            print(f"signing key {centre.code} {centre.name}: {key.algorithm} {key.key_id.hex()}")
        finally:
            issuer.close()


def logins(centre: int = DEMO_CENTRES[0].code, n: int = 2) -> list[tuple[str, str]]:
    """n demo employees with deposits and an open account: (ID number, name)."""
    engine = make_engine(get_issuer_settings().database_url_for(centre))
    try:
        with session_scope(engine) as session:
            rows = session.execute(
                select(Account.id_number, Account.name)
                .where(Account.centre_code == centre, Account.status == AccountStatus.NORMAL,
                       Account.last_month.is_not(None), Account.password_hash.is_not(None))
                .order_by(Account.id).limit(n)
            ).all()
        return [(r.id_number, r.name) for r in rows]
    finally:
        engine.dispose()


if __name__ == "__main__":
    if sys.argv[1:] == ["logins"]:
        for id_number, name in logins():
            print(f"{id_number}  {DEMO_PASSWORD}  ({name})")
    else:
        setup()
        signing_keys()
