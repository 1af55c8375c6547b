"""Per-institution quotas of the verifier service: verifications and blacklist checks per minute
and per day, so that a leaked API key cannot scrape.

Counts live in a small SQLite file under the service's data directory (beside the trace
queues), so that every worker of one service draws on the same quota and a restart forgets
nothing. Windows are fixed: the minute by the clock, the day from midnight China Standard Time
(UTC+8). A charge that would go over any limit is refused whole and counts nothing; the refusal
says when the fullest window ends (the `Retry-After`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

__all__ = ["DAY", "MINUTE", "QuotaExceeded", "Quotas", "window_start"]

MINUTE = 60
DAY = 86_400
_CHINA_OFFSET = 8 * 3600  # the day starts at midnight in Beijing (no daylight saving)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS usage (
    institution INTEGER NOT NULL, kind TEXT NOT NULL, period INTEGER NOT NULL, start INTEGER NOT NULL,
    count INTEGER NOT NULL, PRIMARY KEY (institution, kind, period, start));
"""

_KIND_ZH = {"verify": "核验", "blacklist": "黑名单查询"}
_PERIOD_NAMES = {MINUTE: ("minute", "每分钟"), DAY: ("day", "每日")}


def window_start(now: float, period: int) -> int:
    """The start of the fixed window of `period` seconds holding `now`; days start at 00:00 UTC+8."""
    t = int(now)
    if period == DAY:
        return t - (t + _CHINA_OFFSET) % DAY
    return t - t % period


class QuotaExceeded(Exception):
    """A charge over a limit: nothing was counted. `retry_after` is in whole seconds."""

    def __init__(self, *, kind: str, limit: int, period: int, retry_after: int) -> None:
        self.kind, self.limit, self.period, self.retry_after = kind, limit, period, retry_after
        super().__init__(self.message)

    @property
    def message(self) -> str:
        name = _PERIOD_NAMES.get(self.period, (f"{self.period} s", ""))[0]
        what = "verifications" if self.kind == "verify" else "blacklist checks"
        return (f"Quota exceeded: at most {self.limit} {what} per {name} for this institution; "
                f"try again in {self.retry_after} seconds.")

    @property
    def message_zh(self) -> str:
        name = _PERIOD_NAMES.get(self.period, ("", f"每{self.period}秒"))[1]
        return f"超出配额：本机构{name}最多{_KIND_ZH.get(self.kind, self.kind)} {self.limit} 次，请 {self.retry_after} 秒后再试。"


class Quotas:
    """Limits per kind (`{"verify": [(limit, period), ...]}`; a limit of 0 = none) counted in
    the SQLite file `db_path`, shared by the processes that open it."""

    def __init__(self, db_path: Path, limits: dict[str, list[tuple[int, int]]]) -> None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db_path = db_path
        self.limits = {k: [(n, p) for n, p in v if n > 0] for k, v in limits.items()}
        fd = os.open(db_path, os.O_CREAT | os.O_RDWR, 0o600)  # counts of who checks what: not for all eyes
        os.close(fd)
        self._db = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def charge(self, institution: int, kind: str, n: int = 1, *, now: float | None = None) -> None:
        """Count `n` uses of `kind` by `institution`, or raise QuotaExceeded counting nothing."""
        limits = self.limits.get(kind, [])
        if not limits or n <= 0:
            return
        t = time.time() if now is None else now
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")  # one writer at a time across processes
            try:
                over: QuotaExceeded | None = None
                for limit, period in limits:
                    start = window_start(t, period)
                    row = self._db.execute(
                        "SELECT count FROM usage WHERE institution=? AND kind=? AND period=? AND start=?",
                        (institution, kind, period, start)).fetchone()
                    used = int(row[0]) if row else 0
                    if used + n > limit:
                        wait = max(1, start + period - int(t))
                        if over is None or wait > over.retry_after:
                            over = QuotaExceeded(kind=kind, limit=limit, period=period, retry_after=wait)
                if over is not None:
                    self._db.execute("ROLLBACK")
                    raise over
                for _, period in limits:
                    start = window_start(t, period)
                    self._db.execute(
                        "INSERT INTO usage (institution, kind, period, start, count) VALUES (?, ?, ?, ?, ?) "
                        "ON CONFLICT (institution, kind, period, start) DO UPDATE SET count = count + excluded.count",
                        (institution, kind, period, start, n))
                    self._db.execute("DELETE FROM usage WHERE institution=? AND kind=? AND period=? AND start<?",
                                     (institution, kind, period, start))
                self._db.execute("COMMIT")
            except sqlite3.Error:
                self._db.execute("ROLLBACK")
                raise

    def used(self, institution: int, kind: str, period: int, *, now: float | None = None) -> int:
        start = window_start(time.time() if now is None else now, period)
        with self._lock:
            row = self._db.execute("SELECT count FROM usage WHERE institution=? AND kind=? AND period=? AND start=?",
                                   (institution, kind, period, start)).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        with self._lock:
            self._db.close()
