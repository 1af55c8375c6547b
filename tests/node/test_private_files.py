"""`private_file` on a database another connection of this process holds open must not drop that
connection's locks (closing any descriptor of a file releases every POSIX lock the process holds
on it): found when a second app on the same centre database turned the first one's queries into
"disk I/O error"."""

from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

from node.private_files import private_file

_WRITE = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], timeout=0)
try:
    db.execute("INSERT INTO t VALUES (2)")
    db.commit()
except sqlite3.OperationalError as exc:
    print(exc)
"""


def test_a_missing_file_is_created_private(tmp_path: Path) -> None:
    f = private_file(tmp_path / "d" / "x.sqlite")
    assert f.exists() and stat.S_IMODE(f.stat().st_mode) == 0o600
    assert stat.S_IMODE(f.parent.stat().st_mode) == 0o700


def test_an_open_database_keeps_its_locks(tmp_path: Path) -> None:
    path = tmp_path / "held.sqlite"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("CREATE TABLE t (x INTEGER)")
    db.execute("BEGIN EXCLUSIVE")
    db.execute("INSERT INTO t VALUES (1)")
    path.chmod(0o644)
    private_file(path)  # e.g. a second engine on the same database in this process
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    other = subprocess.run([sys.executable, "-c", _WRITE, str(path)], capture_output=True, text=True, timeout=30)
    assert "locked" in other.stdout, other.stdout + other.stderr  # the exclusive lock still holds
    db.execute("COMMIT")
    assert db.execute("SELECT x FROM t").fetchall() == [(1,)]
