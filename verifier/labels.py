"""How money, rates, account statuses and times are written for people: one definition each, used by
the PDF (issuer/documents/), the portal's API, the CLI, and the verifier's page and disclosures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Final

__all__ = [
    "ACCOUNT_STATUS_ZH",
    "BEIJING",
    "format_date",
    "format_fen",
    "format_month",
    "format_rate",
    "format_time",
    "yuan",
]

#: An account's status on the certificate ("normal" …) in Chinese.
ACCOUNT_STATUS_ZH: Final[dict[str, str]] = {"normal": "正常", "sealed": "封存", "closed": "销户"}

BEIJING: Final = timezone(timedelta(hours=8), "CST")
"""China Standard Time (no daylight saving since 1991): how dates are shown."""


def yuan(fen: int) -> str:
    """Integer fen as yuan with thousands separators: 1234567 -> "12,345.67"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def format_fen(fen: int) -> str:
    """Integer fen as yuan with the unit, as the PDF prints it: 800000 -> "8,000.00 元"."""
    return f"{yuan(fen)} 元"


def format_rate(bp: int) -> str:
    """Basis points as a percentage: 1200 -> "12%", 550 -> "5.5%", 1234 -> "12.34%"."""
    whole, frac = divmod(int(bp), 100)
    return f"{whole}%" if not frac else f"{whole}.{frac:02d}".rstrip("0") + "%"


def format_time(unix: int | float) -> str:
    """Unix seconds as Beijing time: "2026年05月17日 14:40:00"."""
    t = datetime.fromtimestamp(unix, BEIJING)
    return f"{t.year}年{t.month:02d}月{t.day:02d}日 {t:%H:%M:%S}"


def format_date(iso: str) -> str:
    """An ISO date as the PDF prints it: "2015-03-01" -> "2015年03月01日"."""
    return f"{iso[:4]}年{iso[5:7]}月{iso[8:10]}日"


def format_month(iso: str) -> str:
    """An ISO month as the PDF prints it: "2015-03" -> "2015年03月"."""
    return f"{iso[:4]}年{iso[5:7]}月"
