"""One row's cells parsed, its problems collected as they are found."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import TypeVar

from issuer.db.months import month_index
from issuer.importer.report import RejectedRow
from issuer.importer.values import parse_percent, parse_yuan

__all__ = ["MAX_RATE_BP", "RowCells"]

MAX_RATE_BP = 1200  # national rule: at most 12% each for employee and employer
_MAX_TEXT = 64
_ACCOUNT_RE = re.compile(r"[0-9A-Za-z-]{1,32}")
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_T = TypeVar("_T")


class RowCells:
    """Collects one row's problems while its columns are parsed."""

    def __init__(self, line: int, raw: dict[str, str]) -> None:
        self.line = line
        self.raw = raw
        self.problems: list[RejectedRow] = []

    def reject(self, column: str | None, en: str, zh: str) -> None:
        self.problems.append(RejectedRow(row=self.line, column=column, reason=en, reason_zh=zh))

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.raw.get(column) or ""
        value = value.strip()
        if required and not value:
            self.reject(column, f"{column} is empty.", f"{column} 为空。")
        return value

    def choice(self, column: str, choices: Mapping[str, _T], en: str, zh: str) -> _T | None:
        """What the cell names in `choices` (case-insensitive); None, rejected, if it names none."""
        value = self.text(column)
        if not value:
            return None
        chosen = choices.get(value.lower())
        if chosen is None:
            self.reject(column, en, zh)
        return chosen

    def label(self, column: str) -> str | None:
        value = self.text(column)
        if not value:
            return None
        if len(value) > _MAX_TEXT:
            self.reject(
                column,
                f"{column} is longer than {_MAX_TEXT} characters.",
                f"{column} 超过{_MAX_TEXT}个字符。",
            )
            return None
        if any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in value):
            self.reject(column, f"{column} contains control characters.", f"{column} 含有控制字符。")
            return None
        return value

    def account_number(self, column: str) -> str | None:
        value = self.text(column)
        if value and not _ACCOUNT_RE.fullmatch(value):
            self.reject(
                column,
                f"{column} may have only 1 to 32 letters, digits and '-'.",
                f"{column} 只能由1至32位字母、数字和“-”组成。",
            )
            return None
        return value or None

    def yuan(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return parse_yuan(value)
        except ValueError:
            self.reject(
                column,
                f"{column} must be an amount in yuan with at most 2 decimals, like 8000.00.",
                f"{column} 应为以元为单位、最多两位小数的金额，如 8000.00。",
            )
            return None

    def rate(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            bp = parse_percent(value)
        except ValueError:
            bp = None
        if bp is None or bp > MAX_RATE_BP:
            self.reject(
                column,
                f"{column} must be a percentage from 0 to 12 with at most 2 decimals, like 12 or 7.5.",
                f"{column} 应为0至12之间、最多两位小数的百分比，如 12 或 7.5。",
            )
            return None
        return bp

    def month(self, column: str, value: str) -> int | None:
        try:
            return month_index(value)
        except ValueError:
            self.reject(
                column,
                f"{column} must be a month YYYY-MM, not {value!r}.",
                f"{column} 应为 YYYY-MM 格式的月份，而不是“{value}”。",
            )
            return None
