"""How money, rates and account statuses are written for people: one definition each, used by the
PDF (issuer/documents.py), the portal's API, the CLI, and the verifier's page and disclosures."""

from __future__ import annotations

from typing import Final

__all__ = ["ACCOUNT_STATUS_ZH", "format_fen", "format_rate", "yuan"]

#: An account's status on the certificate ("normal" …) in Chinese.
ACCOUNT_STATUS_ZH: Final[dict[str, str]] = {"normal": "正常", "sealed": "封存", "closed": "销户"}


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
