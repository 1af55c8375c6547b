"""Running the Alembic migrations from Python: `upgrade(url)` brings a centre's database to the
newest schema. The service and the CLI call it; nothing in production uses `create_all`.

For developers, a new revision after changing the models:

    python -m issuer.db.migrate revision "add consent records"   # autogenerates against a scratch DB
"""

from __future__ import annotations

import fcntl
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from issuer.db.models import Base
from issuer.db.session import make_engine

__all__ = ["MIGRATIONS_DIR", "alembic_config", "current_revision", "head_revision", "schema_diff", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

# Alembic keeps the running migration in module globals, so one process migrates one database at
# a time. Across processes (several workers starting at once), PostgreSQL takes an advisory lock
# in env.py and SQLite a lock file beside the database.
_PROCESS_LOCK = threading.Lock()


def alembic_config(url: str | None = None) -> Config:
    """An Alembic configuration for the issuer's migrations, without an ini file."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _engine(target: str | Engine) -> tuple[Engine, bool]:
    return (target, False) if isinstance(target, Engine) else (make_engine(target), True)


def upgrade(target: str | Engine, revision: str = "head") -> str | None:
    """Migrate the database at `target` (a URL or an engine) to `revision`; returns the revision
    it is at afterwards. Safe to call on every start: an up-to-date database is left alone."""
    engine, owned = _engine(target)
    try:
        with _PROCESS_LOCK, _sqlite_file_lock(engine), engine.begin() as connection:
            cfg = alembic_config()
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
        return current_revision(engine)
    finally:
        if owned:
            engine.dispose()


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _sqlite_file_lock(engine: Engine) -> Any:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return nullcontext()
    if url.database.startswith("file:"):
        return nullcontext()
    return _exclusive(Path(url.database).with_name(Path(url.database).name + ".migrate-lock"))


def current_revision(target: str | Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    engine, owned = _engine(target)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        if owned:
            engine.dispose()


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the migrations directory has no revisions"
    return head


def schema_diff(target: str | Engine) -> list[Any]:
    """What Alembic's autogenerate finds different between the database and the models: empty
    when the migrations reproduce the models exactly (columns, types, nullability, indexes,
    unique constraints, foreign keys)."""
    engine, owned = _engine(target)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        if owned:
            engine.dispose()


def _new_revision(message: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/scratch.sqlite"
        upgrade(url)
        command.revision(alembic_config(url), message=message, autogenerate=True)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "revision":
        sys.exit('usage: python -m issuer.db.migrate revision "MESSAGE"')
    _new_revision(sys.argv[2])
