"""What an import did: the rows it created, updated or left unchanged, or every problem found."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["ImportReport", "RejectedRow"]


@dataclass(frozen=True, kw_only=True)
class RejectedRow:
    row: int  # line in the file; the header is line 1
    column: str | None  # None: the row as a whole
    reason: str
    reason_zh: str


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    file: str
    centre: int
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    months_written: int = 0
    rejected: tuple[RejectedRow, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when every row was valid and the file was imported."""
        return not self.rejected

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "centre": self.centre,
            "imported": self.ok,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "months_written": self.months_written,
            "rejected_rows": self.rejected_rows,
            "rejected": [asdict(r) for r in self.rejected],
        }
