"""The index's SQLite file: its tables, one connection per thread, and write transactions.

A file of another layout (INDEX_VERSION) or of another deployment (its Consortium address) is
emptied when opened: the index is rebuilt from the chain rather than mixing layouts or chains.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from node.private_files import private_file

__all__ = ["INDEX_VERSION", "SCHEMA", "TABLES", "IndexStore"]

#: Bumped when a table changes: an index of another version is rebuilt from the chain.
INDEX_VERSION = "2"  # 2: batches keyed by (centre, root), as the ledger namespaces them
TABLES = ("centres", "institutions", "keys", "batches", "revocations", "blacklist", "access_records",
           "trace_keys", "proposals", "appeals")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS centres (
    code INTEGER PRIMARY KEY, name TEXT NOT NULL, admin TEXT NOT NULL, operator TEXT NOT NULL,
    status TEXT NOT NULL, admitted_block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS institutions (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, account TEXT NOT NULL, sponsor INTEGER NOT NULL,
    active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS keys (
    key_id BLOB PRIMARY KEY, centre INTEGER NOT NULL, algorithm INTEGER NOT NULL, public_key BLOB NOT NULL,
    valid_from INTEGER NOT NULL, valid_until INTEGER);
CREATE INDEX IF NOT EXISTS keys_centre ON keys (centre);
CREATE TABLE IF NOT EXISTS batches (
    root BLOB NOT NULL, centre INTEGER NOT NULL, leaf_count INTEGER NOT NULL,
    anchored_at INTEGER NOT NULL, block INTEGER NOT NULL, tx BLOB NOT NULL, PRIMARY KEY (centre, root));
CREATE TABLE IF NOT EXISTS revocations (
    digest BLOB PRIMARY KEY, root BLOB NOT NULL, centre INTEGER NOT NULL, reason INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL, block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS blacklist (
    id INTEGER PRIMARY KEY, subject BLOB NOT NULL, centre INTEGER NOT NULL, reason INTEGER NOT NULL,
    status INTEGER NOT NULL, listed_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, case_hash BLOB NOT NULL,
    lifted_by INTEGER, lift_reason TEXT, block INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS blacklist_subject ON blacklist (subject);
CREATE TABLE IF NOT EXISTS access_records (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, recorder INTEGER NOT NULL, purpose INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL, key_version INTEGER NOT NULL, sealed BLOB NOT NULL, tx BLOB NOT NULL,
    ref BLOB, opened INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (block, log_index));
CREATE INDEX IF NOT EXISTS access_records_ref ON access_records (ref);
CREATE INDEX IF NOT EXISTS access_records_unopened ON access_records (opened);
CREATE TABLE IF NOT EXISTS trace_keys (version INTEGER PRIMARY KEY, public_key BLOB NOT NULL, block INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS appeals (id INTEGER PRIMARY KEY, appealed_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS proposals (
    id INTEGER PRIMARY KEY, proposer INTEGER NOT NULL, target TEXT NOT NULL, data BLOB NOT NULL,
    expires_at INTEGER NOT NULL, approvals INTEGER NOT NULL, executed INTEGER NOT NULL);
"""


class IndexStore:
    """The SQLite file of one deployment's index (`:memory:` for a throwaway one)."""

    def __init__(self, db_path: Path | str, *, consortium: str) -> None:
        self.db_path = str(db_path)
        if self.db_path != ":memory:":
            private_file(self.db_path)  # who is listed, who checked whom: owner only
        self._local = threading.local()
        conn = self.conn()
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        version = conn.execute("SELECT value FROM meta WHERE key='index_version'").fetchone()
        if version is None or version[0] != INDEX_VERSION:
            # An index of another layout (or none): rebuild it from the chain rather than mix layouts.
            for table in (*TABLES, "meta"):
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.commit()
        conn.executescript(SCHEMA)  # executescript commits on its own: keep it outside transaction()
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('index_version', ?)", (INDEX_VERSION,))
            stored = db.execute("SELECT value FROM meta WHERE key='consortium'").fetchone()
            if stored is None:
                db.execute("INSERT INTO meta VALUES ('consortium', ?)", (consortium,))
            elif stored[0] != consortium:
                # Another deployment: start over rather than mix two chains' facts.
                for table in TABLES:
                    db.execute(f"DELETE FROM {table}")  # noqa: S608 — fixed table names
                db.execute("DELETE FROM meta")
                db.execute("INSERT INTO meta VALUES ('consortium', ?)", (consortium,))
                db.execute("INSERT INTO meta VALUES ('index_version', ?)", (INDEX_VERSION,))

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (opened on first use)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.db_path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once (BEGIN IMMEDIATE), committed unless the block raises."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def meta(self, key: str) -> str | None:
        row = self.conn().execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return str(row[0]) if row else None

    def count(self, table: str) -> int:
        if table not in TABLES:
            raise ValueError(table)
        return int(self.conn().execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
