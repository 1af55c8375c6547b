"""Storage fixtures: every storage test runs on SQLite and on PostgreSQL (a throwaway cluster
started once per session, a fresh database per test)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from issuer.db import make_engine, upgrade
from issuer.settings import get_issuer_settings

from .postgres import PostgresServer, postgres_server

_database_names = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgresql: runs against the throwaway PostgreSQL server")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database's URL, once per backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'centre.sqlite'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"hpf_test_{next(_database_names)}"
    yield server.create_database(name)
    server.drop_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a database migrated to the newest schema."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _fresh_issuer_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No setting leaks in from the developer's environment, and none leaks between tests."""
    for var in (
        "DATABASE_URL",
        "HPF_DATABASE_URL",
        "HPF_RPC_URL",
        "HPF_CONSORTIUM_KEY",
        "HPF_KEY_PASSPHRASE",
    ):
        monkeypatch.delenv(var, raising=False)
    get_issuer_settings.cache_clear()
    yield
    get_issuer_settings.cache_clear()
