"""A centre's quotas. Over any of them a request is refused whole, counts nothing, and raises
the one `QuotaExceeded` (exit 2, HTTP 429, with `retry_after` when the window's end is known).

- The portal's, counted in the centre's database (shared by workers, kept across restarts): how
  many certificates one employee may request a day (HPF_CERTIFICATES_PER_DAY). Windows are fixed;
  a day starts at midnight China Standard Time, as the verifier's quotas do (verifier/quotas.py).
- The centre's daily quota of by-ID blacklist checks (`CheckQuota`, docs/privacy.md). Whoever can
  run by-ID checks holds, in effect, the consortium key's power to test ID numbers one by one. The
  quota bounds what a compromised staff account or a runaway script can test in a day; the checks
  themselves are also recorded on chain (sealed, with the centre's id in clear), so other centres
  see each centre's daily count and can challenge one that exceeds the agreed rate. The count is
  kept in a small SQLite file, committed before a check is answered.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Engine, delete, select

from issuer.db import UsageCount, session_scope
from issuer.errors import HpfIssuerError
from issuer.limits import insert_for
from verifier.quotas import DAY, window_start

__all__ = ["DAY", "CheckQuota", "QuotaExceeded", "charge", "charge_certificate"]


class QuotaExceeded(HpfIssuerError):
    """Over a quota: nothing was counted. `retry_after` in whole seconds when the window's end is
    known (the portal's quotas; the API sends it as Retry-After). Exit 2: the command could not tell."""

    exit_code: ClassVar[int] = 2
    http_status: ClassVar[int] = 429

    def __init__(self, message: str, *, message_zh: str, retry_after: int | None = None,
                 limit: int | None = None) -> None:
        super().__init__(message, message_zh=message_zh)
        self.retry_after = retry_after
        self.limit = limit


def charge(engine: Engine, centre: int, key: str, limit: int, period: int, *, n: int = 1,
           now: float | None = None) -> int:
    """Count `n` uses under `key` in the current window of `period` seconds and return the
    count; raise `QuotaExceeded` (counting nothing) when it would exceed `limit` (0 = none)."""
    t = time.time() if now is None else now
    start = window_start(t, period)
    table = UsageCount.__table__
    with session_scope(engine) as s:
        insert = insert_for(s)
        # Add first, then read: the row is locked (PostgreSQL) or the database is (SQLite) from
        # the write on, so two workers never both take the last one.
        s.execute(insert(table).values(centre_code=centre, key=key, window_start=start, count=n)
                  .on_conflict_do_update(index_elements=["centre_code", "key", "window_start"],
                                         set_={"count": table.c.count + n}))
        used = int(s.scalar(select(UsageCount.count).where(
            UsageCount.centre_code == centre, UsageCount.key == key, UsageCount.window_start == start)) or 0)
        if limit and used > limit:
            wait = max(1, start + period - int(t))
            raise QuotaExceeded(f"Quota reached ({limit}); try again in {wait} seconds.",
                                message_zh=f"已达配额（{limit}），请 {wait} 秒后再试。", retry_after=wait, limit=limit)
        s.execute(delete(UsageCount).where(UsageCount.centre_code == centre, UsageCount.key == key,
                                           UsageCount.window_start < start))
    return used


def charge_certificate(engine: Engine, centre: int, account_id: int, per_day: int, *, now: float | None = None) -> None:
    """One certificate requested by the employee `account_id`; QuotaExceeded over `per_day`."""
    if per_day <= 0:
        return
    try:
        charge(engine, centre, f"certificates:{account_id}", per_day, DAY, now=now)
    except QuotaExceeded as exc:
        wait = exc.retry_after or DAY  # `charge` always says how long
        hours = max(1, -(-wait // 3600))
        raise QuotaExceeded(
            f"You have requested {per_day} certificates today, the most one employee may; "
            f"try again tomorrow (in about {hours} hours).",
            message_zh=f"您今天已申请 {per_day} 份证明，已达每日上限；请明天再试（约 {hours} 小时后）。",
            retry_after=wait, limit=per_day,
        ) from None


_SCHEMA = "CREATE TABLE IF NOT EXISTS checks (day INTEGER PRIMARY KEY, used INTEGER NOT NULL);"


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
