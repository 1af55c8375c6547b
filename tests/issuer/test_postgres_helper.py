"""The throwaway PostgreSQL cluster's commands, checked without starting anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import postgres


def test_as_root_the_server_runs_as_the_postgres_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 0)
    cmd = postgres.initdb_command(Path("/usr/lib/postgresql/15/bin"), Path("/tmp/x/data"))
    assert cmd[:4] == ["runuser", "-u", "postgres", "--"]
    assert cmd[4] == "/usr/lib/postgresql/15/bin/initdb" and "trust" in cmd and "--no-sync" in cmd


def test_as_a_user_the_server_runs_as_that_user(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres.os, "geteuid", lambda: 1000)
    cmd = postgres.start_command(
        Path("/pg/bin"), Path("/t/data"), port=5999, socket_dir=Path("/t"), log=Path("/t/l")
    )
    assert cmd[0] == "/pg/bin/pg_ctl" and cmd[-1] == "start"
    options = cmd[cmd.index("-o") + 1]
    assert "-p 5999" in options and "-k /t" in options and "listen_addresses=127.0.0.1" in options
    assert postgres.stop_command(Path("/pg/bin"), Path("/t/data"))[-1] == "stop"


def test_the_newest_installed_server_is_found() -> None:
    bindir = postgres.find_bindir()
    assert bindir is not None and (bindir / "initdb").exists() and (bindir / "pg_ctl").exists()
