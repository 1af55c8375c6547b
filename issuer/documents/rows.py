"""A row of the certificate's field table: a section title, a pair of label/value cells, or one
wide cell. The page (page.py) draws them; page.py and minimal.py build them."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Row"]


@dataclass(frozen=True)
class Row:
    kind: str  # "section", "pair", "wide"
    cells: tuple[tuple[str, str], ...] = ()
    title: str = ""
