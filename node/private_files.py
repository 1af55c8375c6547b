"""Files at rest that hold secrets or personal data: created readable by their owner only.

The centres' SQLite databases hold encrypted signing keys, password hashes and full ID numbers; the
PDF-signing key files are private keys; the index and the access-trace queue say who checked whom.
Each is created 0600 in a directory made 0700 (the umask is not trusted to do it), and a key file
that anyone on the machine can read is refused with a clear message, before the service starts.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from node.errors import HpfNodeError

__all__ = ["InsecureFile", "check_not_world_readable", "private_dir", "private_file"]


class InsecureFile(HpfNodeError):
    """A key file is readable or writable by every user of the machine."""


def private_dir(path: str | os.PathLike[str]) -> Path:
    """`path` as a directory (parents created as needed), mode 0700."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(folder.stat().st_mode) != 0o700:
        folder.chmod(0o700)
    return folder


def private_file(path: str | os.PathLike[str]) -> Path:
    """`path` as a file of mode 0600 in a 0700 directory, created empty if missing (e.g. before
    SQLite opens it: SQLite gives its -wal and -shm files the database file's mode)."""
    file = Path(path)
    private_dir(file.parent)
    # Never open an existing file: closing any descriptor of a file drops every POSIX lock this
    # process holds on it, and SQLite's locks on an open database would vanish ("disk I/O error",
    # or worse, two writers at once). Only a missing file is created (exclusively).
    if not file.exists():
        try:
            os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            pass  # created meanwhile by another process
    if stat.S_IMODE(file.stat().st_mode) != 0o600:
        file.chmod(0o600)
    return file


def check_not_world_readable(path: str | os.PathLike[str]) -> None:
    """Raise InsecureFile when `path` (a key file) can be read or written by any user."""
    file = Path(path)
    mode = stat.S_IMODE(file.stat().st_mode)
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        raise InsecureFile(
            f"Refusing to start: the key file {file} is readable by every user of this machine (mode "
            f"{mode:04o}); make it private with `chmod 600 {file}`."
        )
