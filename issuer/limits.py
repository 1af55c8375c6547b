"""Slowing down password guessing at the portal's login, without locking out the innocent.

What it counts, in the centre's database (shared by every worker, kept across restarts):

1. Failures per account, keyed by a digest of the ID number tried (known or not, so the answer
   does not tell which ID numbers have accounts). The first `free_tries` cost nothing; each
   failure after that makes the next attempt wait, doubling from `first_delay` up to
   `max_delay`. There is no hard lock. Counts are forgotten `forget_after` seconds after the
   last failure and cleared by a successful login.
2. Failures per client address (password spraying over many ID numbers): beyond
   `per_address` in `address_window`, attempts from that address wait too, doubling likewise.
   The address is the peer's, or, only when the peer is one of the configured proxies
   (HPF_TRUSTED_PROXIES), the first address in X-Forwarded-For that is not a proxy: anyone
   else's X-Forwarded-For is ignored.
3. Known devices: a successful login sets a long-lived random cookie whose digest is stored
   with the account. A login from a device known for that account passes the delays of 1 and
   2 (which an attacker elsewhere caused); its own failures count under the device instead,
   with the same free tries and delays.

Delayed attempts are refused before the password is checked and count as nothing, so an
attacker cannot keep an account delayed for longer by hammering it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from issuer.db import KnownDevice, LoginFailure, session_scope
from issuer.db.models import UtcDateTime, utcnow

__all__ = [
    "DEVICE_COOKIE",
    "DEVICE_SECONDS",
    "LoginPolicy",
    "LoginThrottle",
    "client_address",
    "parse_networks",
]

DEVICE_COOKIE = "hpf_device"
DEVICE_SECONDS = 180 * 24 * 3600

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, kw_only=True)
class LoginPolicy:
    free_tries: int = 5
    first_delay: int = 30  # seconds, doubling with each further failure
    max_delay: int = 3600
    forget_after: int = 24 * 3600
    per_address: int = 20
    address_window: int = 15 * 60


def parse_networks(text: str | Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks, comma- or space-separated (`10.0.0.5, 192.168.0.0/24`)."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    return tuple(ipaddress.ip_network(i.strip(), strict=False) for i in items if i.strip())


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in n for n in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer's, unless the peer is a trusted proxy; then X-Forwarded-For
    read from the right, the first hop that is not a trusted proxy (a client can write anything
    on the left, but each trusted proxy appends the address it saw)."""
    address = peer or "unknown"
    if not forwarded_for or not _trusted(address, proxies):
        return address
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        if _ip(hop) is None:
            break  # garbage from the client: stop at the last hop a proxy vouched for
        address = hop
        if not _trusted(hop, proxies):
            break
    return address


def _key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(f'{kind}:{value}'.encode()).hexdigest()[:40]}"


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the account key (the ID number tried), the client address, and the device
    cookie when it belongs to a device known for that account."""

    account: str
    address: str
    device: str | None = None

    def keys(self) -> list[tuple[str, bool]]:
        """(key, is-address) pairs that limit this attempt."""
        if self.device is not None:
            return [(_key("device", self.device), False)]
        return [(_key("id", self.account), False), (_key("ip", self.address), True)]


class LoginThrottle:
    """The portal's login limits for one centre, counted in its database."""

    def __init__(self, engine: Engine, centre: int, *, policy: LoginPolicy | None = None,
                 proxies: tuple[Network, ...] = ()) -> None:
        self.engine = engine
        self.centre = centre
        self.policy = policy or LoginPolicy()
        self.proxies = proxies

    def client_address(self, peer: str | None, forwarded_for: str | None) -> str:
        return client_address(peer, forwarded_for, self.proxies)

    # --- delays ---

    def _delay(self, failures: int, free: int) -> int:
        if failures < free:
            return 0
        return int(min(self.policy.first_delay * 2 ** min(failures - free, 30), self.policy.max_delay))

    def _free(self, is_address: bool) -> int:
        return self.policy.per_address if is_address else self.policy.free_tries

    def _forget(self, is_address: bool) -> int:
        return self.policy.address_window if is_address else self.policy.forget_after

    def wait(self, attempt: Attempt, *, now: datetime | None = None) -> int:
        """Seconds before this attempt may be made (0 = now)."""
        t = now or utcnow()
        keys = dict(attempt.keys())
        with session_scope(self.engine) as s:
            rows = s.execute(select(LoginFailure.key, LoginFailure.failures, LoginFailure.last_at).where(
                LoginFailure.centre_code == self.centre, LoginFailure.key.in_(list(keys)))).all()
        wait = 0.0
        for key, failures, last_at in rows:
            is_address = keys[key]
            if (t - last_at).total_seconds() > self._forget(is_address):
                continue
            due = last_at + timedelta(seconds=self._delay(failures, self._free(is_address)))
            wait = max(wait, (due - t).total_seconds())
        return int(wait + 0.999) if wait > 0 else 0

    def failed(self, attempt: Attempt, *, now: datetime | None = None) -> int:
        """Count a failure; returns how many tries are left before delays start (0 = none)."""
        t = now or utcnow()
        counts: dict[str, int] = {}
        with session_scope(self.engine) as s:
            for key, is_address in attempt.keys():  # noqa: SIM118 — Attempt.keys() is a method, not a dict's
                counts[key] = self._count(s, key, t, stale=t - timedelta(seconds=self._forget(is_address)))
        first = attempt.keys()[0][0]
        return max(0, self.policy.free_tries - counts[first])

    def _count(self, s: Session, key: str, now: datetime, *, stale: datetime) -> int:
        table = LoginFailure.__table__
        insert = insert_for(s)
        now_ = literal(now, UtcDateTime())
        stmt = insert(table).values(centre_code=self.centre, key=key, failures=1, first_at=now, last_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["centre_code", "key"],
            set_={
                "failures": case((table.c.last_at < stale, 1), else_=table.c.failures + 1),
                "first_at": case((table.c.last_at < stale, now_), else_=table.c.first_at),
                "last_at": now_,
            },
        )
        s.execute(stmt)
        return int(s.scalar(select(LoginFailure.failures).where(LoginFailure.centre_code == self.centre,
                                                                LoginFailure.key == key)) or 0)

    def succeeded(self, attempt: Attempt) -> None:
        """The account's (or the device's) failures are forgotten; the address's are not (an
        attacker could log into an account of their own to clear them)."""
        keys = [k for k, is_address in attempt.keys() if not is_address]  # noqa: SIM118 — Attempt.keys()
        with session_scope(self.engine) as s:
            s.execute(delete(LoginFailure).where(LoginFailure.centre_code == self.centre, LoginFailure.key.in_(keys)))

    def clear(self) -> None:
        with session_scope(self.engine) as s:
            s.execute(delete(LoginFailure).where(LoginFailure.centre_code == self.centre))

    # --- known devices ---

    def remember_device(self, account_id: int) -> str:
        """A new device cookie for the account (stored as its digest)."""
        token = secrets.token_urlsafe(32)
        with session_scope(self.engine) as s:
            s.add(KnownDevice(token_hash=_token_hash(token), centre_code=self.centre, account_id=account_id))
        return token

    def known_device(self, token: str | None, account_id: int) -> bool:
        """Whether the cookie belongs to a device known for the account (and not too old)."""
        if not token or len(token) > 100:
            return False
        oldest = utcnow() - timedelta(seconds=DEVICE_SECONDS)
        with session_scope(self.engine) as s:
            # an UPDATE through the session returns a CursorResult (SQLAlchemy types it as Result)
            found = cast("CursorResult[Any]", s.execute(update(KnownDevice).where(
                KnownDevice.token_hash == _token_hash(token), KnownDevice.centre_code == self.centre,
                KnownDevice.account_id == account_id, KnownDevice.created_at > oldest,
            ).values(last_used_at=utcnow())))
            return bool(found.rowcount)


def insert_for(s: Session) -> Any:
    """INSERT … ON CONFLICT for the session's database (SQLite and PostgreSQL both have it)."""
    if s.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert
