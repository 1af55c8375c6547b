"""What a scan finds: the HPF1 strings (:class:`FoundCode`) and the summary of one input
(:class:`InputScan`), collected while scanning in a :class:`_Found`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import ClassVar, Final, Literal

from verifier.inputs.limits import SLOW_PASS_BUDGET_S
from verifier.inputs.messages import _error

PREFIX: Final = "HPF1:"

Source = Literal["text", "image", "pdf-page", "pdf-embedded"]


@dataclass(frozen=True, slots=True)
class FoundCode:
    """One HPF1 string found in the input."""

    text: str
    source: Source
    page: int | None = None
    """1-based PDF page number for ``pdf-page``; ``None`` otherwise."""


@dataclass(frozen=True, slots=True)
class InputScan:
    """Everything :func:`scan_input` learned about one input."""

    codes: tuple[FoundCode, ...]
    kind: Literal["text", "image", "pdf"]
    ignored: int = 0
    """Distinct QR codes found whose text is not an HPF1 certificate (payment codes, links...)."""
    undecodable: int = 0
    """QR codes that were located but could not be decoded (blurred, damaged, too small)."""
    pages_total: int | None = None
    pages_scanned: int | None = None


@dataclass
class _Found:
    codes: dict[str, FoundCode] = field(default_factory=dict)
    ignored: set[str] = field(default_factory=set)
    undecodable: int = 0
    slow_deadline: float | None = None
    """Set when the first slow pass starts: all slow passes on one input share one time budget."""
    slow_budget_s: ClassVar[float] = SLOW_PASS_BUDGET_S
    """The sandbox's workers set a smaller budget (verifier.sandbox.SLOW_PASS_BUDGET_S)."""

    def deadline(self) -> float:
        if self.slow_deadline is None:
            self.slow_deadline = time.perf_counter() + self.slow_budget_s
        return self.slow_deadline

    def add(self, text: str, source: Source, page: int | None) -> bool:
        """Record one decoded string; True if it is an HPF1 string."""
        stripped = text.strip()
        if stripped.startswith(PREFIX):
            if stripped not in self.codes:
                self.codes[stripped] = FoundCode(stripped, source, page)
            return True
        self.ignored.add(text)
        return False


def _finish(
    found: _Found, kind: Literal["image", "pdf"], filename: str | None, **extra: int | None
) -> InputScan:
    if found.codes:
        return InputScan(
            codes=tuple(found.codes.values()),
            kind=kind,
            ignored=len(found.ignored),
            undecodable=found.undecodable,
            **extra,
        )
    what = "PDF" if kind == "pdf" else "image"
    if found.ignored:
        raise _error("NOT_CERTIFICATE", filename, what=what, ignored=len(found.ignored))
    if found.undecodable:
        raise _error("QR_UNREADABLE", filename, what=what)
    raise _error(
        "NO_QR_CODE", filename, what=what, pages=extra.get("pages_scanned"), pages_total=extra.get("pages_total")
    )

