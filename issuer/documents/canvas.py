"""A page's content stream in points: text in the embedded CID fonts, rectangles, lines, the seal's
circles and star, the QR symbol; and wrapping of Chinese text to a width."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Final

from issuer.documents.pdf_objects import real
from issuer.documents.qr import QrSymbol
from issuer.fonts import CidFont, sans, serif_bold

__all__ = [
    "BLACK",
    "GREY",
    "LABEL_FILL",
    "LINE",
    "MM",
    "PAGE_H",
    "PAGE_W",
    "RED",
    "SECTION_FILL",
    "Canvas",
    "FontUse",
    "rgb",
    "wrap",
    "x_pt",
    "y_pt",
]


MM: Final = 72 / 25.4
PAGE_W: Final = 595.276  # A4 in points
PAGE_H: Final = 841.89

BLACK: Final = (0.0, 0.0, 0.0)
GREY: Final = (0.35, 0.35, 0.35)
LINE: Final = (0.45, 0.45, 0.45)
LABEL_FILL: Final = (0.94, 0.95, 0.97)
SECTION_FILL: Final = (0.86, 0.89, 0.93)
RED: Final = (0.85, 0.1, 0.1)


def x_pt(mm: float) -> float:
    return mm * MM


def y_pt(mm_from_top: float) -> float:
    return PAGE_H - mm_from_top * MM


@dataclass
class FontUse:
    font: CidFont
    resource: str
    used: dict[int, str] = field(default_factory=dict)


class Canvas:
    def __init__(self) -> None:
        self.ops: list[str] = []
        self.regular = FontUse(sans(), "F1")
        self.bold = FontUse(serif_bold(), "F2")

    # -- text --------------------------------------------------------------------------------

    def _encode(self, use: FontUse, text: str) -> str:
        codes = []
        for char in text:
            glyph = use.font.glyph(char)
            if glyph is None:
                codes.append("0000")
                continue
            use.used.setdefault(glyph.cid, char)
            codes.append(f"{glyph.cid:04X}")
        return "".join(codes)

    def width(self, text: str, size: float, use: FontUse | None = None, spacing: float = 0.0) -> float:
        use = use or self.regular
        return use.font.width(text, size) + spacing * len(text)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float,
        use: FontUse | None = None,
        color: tuple[float, float, float] = BLACK,
        spacing: float = 0.0,
        bold: bool = False,
        matrix: tuple[float, float, float, float] | None = None,
    ) -> None:
        """Text with its baseline starting at (x, y) points."""
        use = use or self.regular
        a, b, c, d = matrix or (1, 0, 0, 1)
        # Text state (Tc, Tr) outlives BT/ET: every text object sets all of it.
        ops = [f"BT /{use.resource} {real(size)} Tf {rgb(color)} rg {real(spacing)} Tc"]
        if bold:
            ops.append(f"{rgb(color)} RG 2 Tr {real(size * 0.018)} w")
        else:
            ops.append("0 Tr")
        matrix_ops = f"{real(a)} {real(b)} {real(c)} {real(d)} {real(x)} {real(y)} Tm"
        ops.append(f"{matrix_ops} <{self._encode(use, text)}> Tj ET")
        self.ops.append(" ".join(ops))

    def text_centred(self, cx: float, y: float, text: str, *, size: float, **kw: Any) -> None:
        w = self.width(text, size, kw.get("use"), kw.get("spacing", 0.0)) - kw.get("spacing", 0.0)
        self.text(cx - w / 2, y, text, size=size, **kw)

    # -- graphics ------------------------------------------------------------------------------

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        *,
        fill: tuple[float, float, float] | None = None,
        stroke: tuple[float, float, float] | None = None,
        width: float = 0.5,
    ) -> None:
        parts = []
        if fill:
            parts.append(f"{rgb(fill)} rg")
        if stroke:
            parts.append(f"{rgb(stroke)} RG {real(width)} w")
        parts.append(f"{real(x)} {real(y)} {real(w)} {real(h)} re")
        parts.append("B" if fill and stroke else "f" if fill else "S")
        self.ops.append(" ".join(parts))

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        color: tuple[float, float, float] = LINE,
        width: float = 0.5,
    ) -> None:
        self.ops.append(
            f"{rgb(color)} RG {real(width)} w {real(x1)} {real(y1)} m {real(x2)} {real(y2)} l S"
        )

    def circle(
        self, cx: float, cy: float, r: float, *, color: tuple[float, float, float], width: float
    ) -> None:
        k = 0.5523 * r
        self.ops.append(
            f"{rgb(color)} RG {real(width)} w {real(cx + r)} {real(cy)} m "
            f"{real(cx + r)} {real(cy + k)} {real(cx + k)} {real(cy + r)} {real(cx)} {real(cy + r)} c "
            f"{real(cx - k)} {real(cy + r)} {real(cx - r)} {real(cy + k)} {real(cx - r)} {real(cy)} c "
            f"{real(cx - r)} {real(cy - k)} {real(cx - k)} {real(cy - r)} {real(cx)} {real(cy - r)} c "
            f"{real(cx + k)} {real(cy - r)} {real(cx + r)} {real(cy - k)} {real(cx + r)} {real(cy)} c S"
        )

    def star(self, cx: float, cy: float, r: float, *, color: tuple[float, float, float]) -> None:
        points = []
        for i in range(10):
            radius = r if i % 2 == 0 else r * 0.382
            angle = math.pi / 2 + i * math.pi / 5
            points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
        path = " ".join(
            f"{real(px)} {real(py)} {'m' if i == 0 else 'l'}" for i, (px, py) in enumerate(points)
        )
        self.ops.append(f"{rgb(color)} rg {path} h f")

    def qr(self, symbol: QrSymbol, x: float, y_top: float, width: float) -> None:
        """The QR symbol as one filled path of module rectangles, top-left corner at (x, y_top)."""
        scale = width / symbol.size
        parts = [f"q 0 g {real(scale)} 0 0 {real(-scale)} {real(x)} {real(y_top)} cm"]
        parts.extend(f"{j} {i} {n} 1 re" for i, j, n in symbol.runs())
        parts.append("f Q")
        self.ops.append("\n".join(parts))

    def raw(self, op: str) -> None:
        self.ops.append(op)


def rgb(c: tuple[float, float, float]) -> str:
    return " ".join(real(v) for v in c)


_NO_LINE_START: Final = frozenset("，。、；：！？）》」』”’%,.;:!?)")


def wrap(
    canvas: Canvas, text: str, size: float, max_width: float, use: FontUse | None = None
) -> list[str]:
    """Lines of at most `max_width` points; breaks anywhere in CJK, between ASCII words."""
    tokens = re.findall(r"[A-Za-z0-9.,:;%*/+\-_]+ ?|.", text)
    lines: list[str] = []
    current = ""
    for token in tokens:
        candidate = current + token
        hangs = token in _NO_LINE_START  # closing punctuation never starts a line: it hangs
        if current and not hangs and canvas.width(candidate.rstrip(), size, use) > max_width:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines or [""]
