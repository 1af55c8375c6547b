"""Alembic environment for the issuer's database, configured from Python (`issuer.db.migrate`):
no alembic.ini. The caller hands over a connection in `config.attributes["connection"]`, or a
URL in the `sqlalchemy.url` option."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from issuer.db.models import Base
from issuer.db.session import make_engine

# Several API workers of one centre may start at once: on PostgreSQL the first to take this
# transaction-scoped advisory lock migrates, the others wait and then find nothing to do.
_PG_MIGRATION_LOCK = 0x48504649  # "HPFI"

config = context.config
target_metadata = Base.metadata


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    )


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: pass a connection or set sqlalchemy.url")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
