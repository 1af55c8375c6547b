"""Quotas of the portal, counted in the centre's database (shared by workers, kept across
restarts): how many certificates one employee may request a day (HPF_CERTIFICATES_PER_DAY).

Windows are fixed; a day starts at midnight China Standard Time, as the verifier's quotas do
(verifier/quotas.py). A request over the limit is refused whole, counts nothing, and says
when the window ends.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, delete, select

from issuer.db import UsageCount, session_scope
from issuer.errors import HpfIssuerError
from issuer.limits import insert_for
from verifier.quotas import DAY, window_start

__all__ = ["DAY", "QuotaExceeded", "charge", "charge_certificate"]


class QuotaExceeded(HpfIssuerError):
    """Over a quota: nothing was counted. `retry_after` in whole seconds."""

    def __init__(self, message: str, *, message_zh: str, retry_after: int, limit: int) -> None:
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
        hours = max(1, -(-exc.retry_after // 3600))
        raise QuotaExceeded(
            f"You have requested {per_day} certificates today, the most one employee may; "
            f"try again tomorrow (in about {hours} hours).",
            message_zh=f"您今天已申请 {per_day} 份证明，已达每日上限；请明天再试（约 {hours} 小时后）。",
            retry_after=exc.retry_after, limit=per_day,
        ) from None
