"""Deposit months 'YYYY-MM': parsing, ranges, and the summary a certificate shows (first and last
month paid, months paid continuously up to the last)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

__all__ = [
    "DepositSummary",
    "month_index",
    "month_of",
    "month_range",
    "month_text",
    "summarise_indexes",
    "summarise_months",
]

_MONTH_RE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")


def month_index(month: str) -> int:
    """'2019-03' → 2019 * 12 + 2, so months subtract and compare as integers. ValueError if malformed."""
    m = _MONTH_RE.fullmatch(month)
    if not m or int(m[1]) < 1:
        raise ValueError(f"not a month YYYY-MM: {month!r}")
    return int(m[1]) * 12 + int(m[2]) - 1


def month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included (empty if last is before first)."""
    return [month_text(i) for i in range(month_index(first), month_index(last) + 1)]


@dataclass(frozen=True, kw_only=True)
class DepositSummary:
    first_month: str
    last_month: str
    months_paid: int
    months_continuous: int  # 连续缴存月数: consecutive months up to and including last_month


def summarise_months(months: Iterable[str]) -> DepositSummary | None:
    """The summary of the months paid, or None when none was."""
    return summarise_indexes(month_index(m) for m in months)


def summarise_indexes(indexes: Iterable[int]) -> DepositSummary | None:
    """`summarise_months` of months given as `month_index` numbers (callers that hold validated
    months can skip re-parsing them)."""
    ordered = sorted(set(indexes))
    if not ordered:
        return None
    run = 1
    while run < len(ordered) and ordered[-run - 1] == ordered[-run] - 1:
        run += 1
    return DepositSummary(
        first_month=month_text(ordered[0]),
        last_month=month_text(ordered[-1]),
        months_paid=len(ordered),
        months_continuous=run,
    )
