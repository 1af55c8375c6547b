"""Employees' portal passwords: argon2id hashes (argon2-cffi's defaults, RFC 9106 low-memory),
set by the centre's staff, checked at login.

    hpf issuer set-password --centre 460100 --id 46010019800101001X   # asks twice, or reads stdin

The demo network gives every demo employee the password `DEMO_PASSWORD` (`make run` prints two
logins); a real centre sets or resets passwords one by one.
"""

from __future__ import annotations

from typing import Any, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import CursorResult, Engine, select, update

from issuer.db import Account, session_scope
from issuer.errors import EXIT_USAGE, HpfIssuerError
from issuer.ids import normalise_id

__all__ = ["DEMO_PASSWORD", "MIN_LENGTH", "check_password", "hash_password", "set_password", "set_passwords"]

#: DEMO ONLY: the password of every demo employee on the local network.
DEMO_PASSWORD = "demo-1234"  # noqa: S105 — DEMO ONLY, local network
MIN_LENGTH = 8

_hasher = PasswordHasher()
# A hash to check against when the account does not exist, so that a wrong ID number costs the
# same time as a wrong password and does not tell the two apart.
_DUMMY = _hasher.hash("hpf-trust: no such account")


class BadPassword(HpfIssuerError):
    exit_code = EXIT_USAGE
    http_status = 400


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise BadPassword(f"A password has at least {MIN_LENGTH} characters.",
                          message_zh=f"密码至少 {MIN_LENGTH} 个字符。")
    return _hasher.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """True if `password` matches the stored hash. Takes the same time when nothing is stored."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_password(engine: Engine, centre: int, id_number: str, password: str) -> None:
    number = normalise_id(id_number)
    hashed = hash_password(password)
    with session_scope(engine) as s:
        # an UPDATE through the session returns a CursorResult (SQLAlchemy types it as Result)
        done = cast("CursorResult[Any]", s.execute(update(Account).where(Account.centre_code == centre,
                                                                          Account.id_number == number)
                                                    .values(password_hash=hashed))).rowcount
        if not done:
            raise BadPassword(f"Centre {centre} has no account for that ID number.",
                              message_zh=f"本中心（{centre}）没有该身份证号的账户。")


def set_passwords(engine: Engine, centre: int, password: str, *, limit: int | None = None) -> int:
    """Give the first `limit` accounts of the centre (all when None) `password` (demo set-up).
    One hash for all: the same password gives an equally strong hash, and 100,000 argon2 runs
    would take minutes."""
    hashed = hash_password(password)
    with session_scope(engine) as s:
        stmt = select(Account.id).where(Account.centre_code == centre).order_by(Account.id)
        if limit is not None:
            stmt = stmt.limit(limit)
        ids = list(s.scalars(stmt))
        if ids:
            s.execute(update(Account).where(Account.id.in_(ids)).values(password_hash=hashed))
        return len(ids)
