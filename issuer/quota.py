"""A centre's daily quota of by-ID blacklist checks (docs/privacy.md).

Whoever can run by-ID checks holds, in effect, the consortium key's power to test ID numbers one
by one. The quota bounds what a compromised staff account or a runaway script can test in a day;
the checks themselves are also recorded on chain (sealed, with the centre's id in clear), so
other centres see each centre's daily count and can challenge one that exceeds the agreed rate.
The count is kept in a small SQLite file, committed before a check is answered.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from typing import ClassVar

from issuer.errors import HpfIssuerError

__all__ = ["CheckQuota", "QuotaExceeded"]

_SCHEMA = "CREATE TABLE IF NOT EXISTS checks (day INTEGER PRIMARY KEY, used INTEGER NOT NULL);"


class QuotaExceeded(HpfIssuerError):
    """The centre has used its by-ID blacklist checks for today; nothing was checked (exit 2:
    the command could not tell)."""

    exit_code: ClassVar[int] = 2


class CheckQuota:
    """At most `per_day` by-ID checks per UTC day for one centre (0 = none allowed)."""

    def __init__(self, path: Path, per_day: int) -> None:
        if per_day < 0:
            raise ValueError("a quota is zero or more checks a day")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.per_day = per_day
        self._db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    @staticmethod
    def _today(now: float | None = None) -> int:
        return int((time.time() if now is None else now) // 86400)

    def used(self, now: float | None = None) -> int:
        row = self._db.execute("SELECT used FROM checks WHERE day=?", (self._today(now),)).fetchone()
        return int(row[0]) if row else 0

    def take(self, count: int = 1, *, now: float | None = None) -> int:
        """Reserve `count` checks for today; returns how many remain. Raises `QuotaExceeded`
        (reserving nothing) when fewer than `count` remain."""
        day = self._today(now)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._db.execute("SELECT used FROM checks WHERE day=?", (day,)).fetchone()
            used = int(row[0]) if row else 0
            if used + count > self.per_day:
                left = max(0, self.per_day - used)
                raise QuotaExceeded(
                    f"This centre's quota of {self.per_day} by-ID blacklist checks a day is used up "
                    f"({left} left, {count} asked); try again tomorrow (UTC) or ask for a higher quota.",
                    message_zh=f"本中心每日按身份证号查询黑名单的额度（{self.per_day} 次）已用完"
                               f"（剩余 {left} 次，本次需要 {count} 次）；请明日再试或申请提高额度。",
                )
            self._db.execute("INSERT OR REPLACE INTO checks VALUES (?, ?)", (day, used + count))
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return self.per_day - used - count

    def close(self) -> None:
        self._db.close()
