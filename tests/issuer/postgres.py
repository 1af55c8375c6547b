"""A throwaway PostgreSQL cluster for the storage tests: initdb in a temporary directory, a
server on a free port (TCP on 127.0.0.1, its socket in the same directory), and a database per
test. PostgreSQL refuses to run as root, so as root the server runs as the `postgres` OS user.

`HPF_TEST_POSTGRES_URL` (an admin URL such as postgresql://postgres@db:5432/postgres) uses an
existing server instead of starting one.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import make_url

from node.launcher import free_port

REPO = Path(__file__).resolve().parents[2]
BOOTSTRAP = REPO / "scripts" / "bootstrap-postgres.sh"
_OS_USER = "postgres"


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parts[-3]))


def find_bindir() -> Path | None:
    """The newest Debian PostgreSQL server's bin directory, or one next to `pg_ctl` on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key)
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return (
        Path(pg_ctl).resolve().parent
        if pg_ctl and (Path(pg_ctl).resolve().parent / "initdb").exists()
        else None
    )


def ensure_bindir() -> Path:
    bindir = find_bindir()
    if bindir is None:
        subprocess.run(["bash", str(BOOTSTRAP)], check=True, timeout=900)
        bindir = find_bindir()
    if bindir is None:
        raise RuntimeError(f"no PostgreSQL server binaries after running {BOOTSTRAP}")
    return bindir


def _as_server_user(argv: list[str]) -> list[str]:
    return ["runuser", "-u", _OS_USER, "--", *argv] if os.geteuid() == 0 else argv


def initdb_command(bindir: Path, data: Path) -> list[str]:
    return _as_server_user(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]
    )


def start_command(bindir: Path, data: Path, *, port: int, socket_dir: Path, log: Path) -> list[str]:
    # Durability is worthless for a throwaway cluster; turning it off makes the tests fast.
    options = (
        f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    return _as_server_user(
        [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"]
    )


def stop_command(bindir: Path, data: Path) -> list[str]:
    return _as_server_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])


@dataclass(frozen=True)
class PostgresServer:
    """A running server; `admin_url` reaches its maintenance database as a superuser."""

    admin_url: str

    def create_database(self, name: str) -> str:
        """A fresh database `name` (dropped first if left over); returns its SQLAlchemy URL."""
        with psycopg.connect(self._libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return (
            make_url(self.admin_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self._libpq(self.admin_url), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    @staticmethod
    def _libpq(url: str) -> str:
        return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway cluster (or use HPF_TEST_POSTGRES_URL), yield it, stop and remove it."""
    existing = os.environ.get("HPF_TEST_POSTGRES_URL")
    if existing:
        yield PostgresServer(existing)
        return
    bindir = ensure_bindir()
    # Not under pytest's tmp dir: that is private to root, and the server runs as `postgres`.
    base = Path(tempfile.mkdtemp(prefix="hpf-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam(_OS_USER)
        os.chown(base, user.pw_uid, user.pw_gid)
    port = free_port()
    started = False
    try:
        subprocess.run(initdb_command(bindir, data), check=True, cwd=base, capture_output=True, timeout=120)
        subprocess.run(
            start_command(bindir, data, port=port, socket_dir=base, log=base / "server.log"),
            check=True,
            cwd=base,
            capture_output=True,
            timeout=120,
        )
        started = True
        yield PostgresServer(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres")
    except subprocess.CalledProcessError as exc:
        log = (base / "server.log").read_text(errors="replace") if (base / "server.log").exists() else ""
        raise RuntimeError(
            f"PostgreSQL did not start: {exc.stderr.decode(errors='replace')}{exc.stdout.decode(errors='replace')}"
            f"\n{log}"
        ) from exc
    finally:
        if started:
            subprocess.run(
                stop_command(bindir, data), cwd=base, capture_output=True, timeout=120, check=False
            )
        shutil.rmtree(base, ignore_errors=True)
