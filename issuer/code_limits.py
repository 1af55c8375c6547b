"""Wrong 核验码 at the public lookup (`GET /v1/public/certificates/{number}?code=`), counted in the
centre's database like the login limits (issuer/limits.py): every worker of the portal sees the
same counts and a restart forgets none. Before, each process counted in its own memory, so
`--workers 4` gave a guesser four times the tries and a restart gave them all back.

At most `per_number` wrong codes for one certificate number and `per_address` from one client
address in a window of `window` seconds that starts at the first failure; beyond that, lookups are
refused (429, Retry-After) until the window ends. A right code does not clear the address's count.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, case, literal, select
from sqlalchemy.orm import Session

from issuer.db import LoginFailure, session_scope
from issuer.db.models import UtcDateTime, utcnow
from issuer.limits import _key, insert_for

__all__ = ["CodeLimiter"]


class CodeLimiter:
    """The 核验码 lookup's limits for one centre (rows of `login_failures` keyed `code:` and
    `codeip:`)."""

    def __init__(self, engine: Engine, centre: int, *, window: float, per_number: int, per_address: int) -> None:
        self.engine = engine
        self.centre = centre
        self.window = window
        self.per_number = per_number
        self.per_address = per_address

    def _keys(self, number: str, address: str) -> list[tuple[str, int]]:
        return [(_key("code", number), self.per_number), (_key("codeip", address), self.per_address)]

    def blocked_for(self, number: str, address: str, *, now: datetime | None = None) -> float:
        """Seconds until a lookup may be tried again (0 = now)."""
        t = now or utcnow()
        limits = dict(self._keys(number, address))
        with session_scope(self.engine) as s:
            rows = s.execute(select(LoginFailure.key, LoginFailure.failures, LoginFailure.first_at).where(
                LoginFailure.centre_code == self.centre, LoginFailure.key.in_(list(limits)))).all()
        wait = 0.0
        for key, failures, first_at in rows:
            left = self.window - (t - first_at).total_seconds()
            if failures >= limits[key] and left > 0:
                wait = max(wait, left)
        return wait

    def failed(self, number: str, address: str, *, now: datetime | None = None) -> None:
        t = now or utcnow()
        with session_scope(self.engine) as s:
            for key, _ in self._keys(number, address):
                self._count(s, key, t)

    def _count(self, s: Session, key: str, now: datetime) -> None:
        table = LoginFailure.__table__
        expired = table.c.first_at < now - timedelta(seconds=self.window)  # a new window starts
        now_ = literal(now, UtcDateTime())
        stmt = insert_for(s)(table).values(centre_code=self.centre, key=key, failures=1, first_at=now, last_at=now)
        s.execute(stmt.on_conflict_do_update(
            index_elements=["centre_code", "key"],
            set_={
                "failures": case((expired, 1), else_=table.c.failures + 1),
                "first_at": case((expired, now_), else_=table.c.first_at),
                "last_at": now_,
            },
        ))
