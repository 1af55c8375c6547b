"""Certificate numbers (证明编号): `460100-2026-00000123`, the centre, the year, a sequence.

Numbers come from a counter row per centre and year that only grows. Reserving takes the row's
lock (PostgreSQL row lock, SQLite's write lock) until the transaction ends, so concurrent
issuers never get the same number; if the transaction rolls back, so does the counter, and the
numbers it reserved were never seen by anyone.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from issuer.db.models import CertificateNumberCounter
from issuer.ids import check_centre_code

__all__ = [
    "CHINA_STANDARD_TIME",
    "format_certificate_number",
    "next_certificate_number",
    "number_year",
    "parse_certificate_number",
    "reserve_certificate_numbers",
]

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
_SEQUENCE_DIGITS = 8
_NUMBER_RE = re.compile(r"([0-9]{6})-([0-9]{4})-([0-9]{8,})")


def format_certificate_number(centre: int, year: int, value: int) -> str:
    return f"{centre:06d}-{year:04d}-{value:0{_SEQUENCE_DIGITS}d}"


def parse_certificate_number(number: str) -> tuple[int, int, int]:
    """(centre, year, sequence) of a number this module formatted; ValueError otherwise."""
    m = _NUMBER_RE.fullmatch(number)
    if not m:
        raise ValueError(f"not a certificate number: {number!r}")
    return int(m[1]), int(m[2]), int(m[3])


def number_year(at: datetime) -> int:
    """The year a certificate issued at `at` is numbered in: the calendar year in China."""
    return at.astimezone(CHINA_STANDARD_TIME).year


def reserve_certificate_numbers(session: Session, *, centre: int, year: int, count: int) -> list[str]:
    """`count` consecutive, never-used numbers of `centre` in `year`, reserved in the session's
    transaction (bulk issuance takes a block at once)."""
    check_centre_code(centre)
    if count < 1:
        raise ValueError("reserve at least one number")
    dialect = session.get_bind().dialect.name
    row = {"centre_code": centre, "year": year, "next_value": 1}
    key = ["centre_code", "year"]
    if dialect == "postgresql":
        session.execute(
            postgresql.insert(CertificateNumberCounter).values(row).on_conflict_do_nothing(index_elements=key)
        )
    elif dialect == "sqlite":
        session.execute(
            sqlite.insert(CertificateNumberCounter).values(row).on_conflict_do_nothing(index_elements=key)
        )
    else:
        raise NotImplementedError(f"certificate numbers on {dialect}")
    after = session.execute(
        update(CertificateNumberCounter)
        .where(CertificateNumberCounter.centre_code == centre, CertificateNumberCounter.year == year)
        .values(next_value=CertificateNumberCounter.next_value + count)
        .returning(CertificateNumberCounter.next_value)
    ).scalar_one()
    first = after - count
    return [format_certificate_number(centre, year, v) for v in range(first, after)]


def next_certificate_number(session: Session, *, centre: int, year: int) -> str:
    return reserve_certificate_numbers(session, centre=centre, year=year, count=1)[0]
