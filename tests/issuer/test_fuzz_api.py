"""Schema-driven fuzzing (schemathesis) of both services' APIs, on a real anvil node: no request
that the OpenAPI schema allows, nor one it forbids, may answer 5xx, an undocumented status, or a
body that does not match the documented schema.

Bounded: a few examples per operation (about a minute in all). Every request carries valid
credentials (a staff key, an API key, an employee's session), so the fuzzer reaches the bodies and
parameters instead of stopping at 401."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from issuer.api import create_app as create_portal
from issuer.db import Account, AccountStatus, make_engine, session_scope, upgrade
from issuer.demo_data import generate_csv
from issuer.importer import import_accounts
from issuer.passwords import set_password
from issuer.settings import IssuerSettings
from verifier.api.main import create_app as create_verifier

from .network import local_network

pytestmark = [pytest.mark.integration, pytest.mark.slow]
CENTRE = 460100
PASSWORD = "s3cret-pass"
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
#: HPF_FUZZ_EXAMPLES=200 for a deeper (slower, randomised) run by hand; make test runs 12, fixed.
_DEEP = int(os.environ.get("HPF_FUZZ_EXAMPLES", "0"))
EXAMPLES = settings(max_examples=_DEEP or 12, deadline=None, derandomize=not _DEEP, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("fuzz")
    with local_network(home) as net:
        iset = IssuerSettings(home=home, batch_timeout=0.2)
        engine = make_engine(iset.database_url_for(CENTRE))
        upgrade(engine)
        path = generate_csv(home / "accounts.csv", CENTRE, 5, seed=3)
        with session_scope(engine) as s:
            assert not import_accounts(s, CENTRE, path).rejected
        with session_scope(engine) as s:
            employee = s.scalars(select(Account.id_number).where(Account.status == AccountStatus.NORMAL)
                                 .order_by(Account.id).limit(1)).one()
        set_password(engine, CENTRE, employee, PASSWORD)
        engine.dispose()
        portal = create_portal(CENTRE, node_settings=net.settings, issuer_settings=iset)
        verifier = create_verifier(net.settings)
        with TestClient(portal) as pc, TestClient(verifier):
            r = pc.post("/v1/login", json={"id_number": employee, "password": PASSWORD})
            assert r.status_code == 200, r.text
            yield {"portal": portal, "verifier": verifier, "session": pc.cookies["hpf_session"]}


def fuzz(app: Any, credentials: Any) -> list[str]:
    """Run the checks on every operation of `app`'s schema; the failures, one line each."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @EXAMPLES
        def run(case: Any) -> None:
            case.call_and_validate(checks=CHECKS, **credentials(case))

        try:
            run()
        except BaseException as exc:  # collected (FailureGroup): every operation is fuzzed
            if isinstance(exc, KeyboardInterrupt):
                raise
            for failure in getattr(exc, "exceptions", [exc]):
                text = " | ".join(line.strip() for line in str(failure).strip().splitlines()[:4] if line.strip())
                failures.append(f"{operation.method.upper()} {operation.path}: {type(failure).__name__}: {text}")
    return failures


def test_portal_api(apps: dict[str, Any]) -> None:
    def credentials(case: Any) -> dict[str, Any]:
        if case.path in ("/v1/login", "/v1/logout"):
            return {}  # a fuzzed login or logout must not end the session the others use
        return {"headers": {"X-Staff-Key": f"demo-staff-{CENTRE}"}, "cookies": {"hpf_session": apps["session"]}}

    failures = fuzz(apps["portal"], credentials)
    assert not failures, "\n".join(failures)


def test_verifier_api(apps: dict[str, Any]) -> None:
    failures = fuzz(apps["verifier"], lambda case: {"headers": {"X-API-Key": "demo-key-91000001"}})
    assert not failures, "\n".join(failures)
