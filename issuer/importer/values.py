"""Money and rates as the import file writes them: yuan with at most 2 decimals and no separators,
percentages with at most 2 decimals; converted exactly (decimal, never float) to integer fen and
basis points."""

from __future__ import annotations

import re
from decimal import Decimal

from verifier.labels import format_rate, yuan

__all__ = ["format_percent", "format_yuan", "parse_percent", "parse_yuan"]

_YUAN_RE = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,2}))?")
_PERCENT_RE = re.compile(r"([0-9]{1,3})(?:\.([0-9]{1,2}))?")


def parse_yuan(text: str) -> int:
    """'8000.5' yuan → 800050 fen, exactly. ValueError for signs, separators, exponents or more
    than 2 decimals."""
    m = _YUAN_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an amount in yuan with at most 2 decimals: {text!r}")
    fen = Decimal(m[0]) * 100
    assert fen == fen.to_integral_value()
    return int(fen)


def format_yuan(fen: int) -> str:
    """800050 fen → '8000.50'."""
    if fen < 0:
        raise ValueError("amounts are not negative")
    # Not verifier.labels.format_fen: that is the display form ('8,000.50 元'), whose separators
    # and unit parse_yuan refuses. The same yuan, without them.
    return yuan(fen).replace(",", "")


def parse_percent(text: str) -> int:
    """'12' → 1200 basis points, '7.5' → 750. ValueError for more than 2 decimals."""
    m = _PERCENT_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not a percentage with at most 2 decimals: {text!r}")
    return int(Decimal(m[0]) * 100)


def format_percent(bp: int) -> str:
    """1200 → '12', 750 → '7.5': verifier.labels.format_rate without its '%'."""
    return format_rate(bp).removesuffix("%")
