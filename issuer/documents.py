"""The documents a fund centre hands out for one certificate: a PDF and a PNG of the QR code.

Both are rendered on demand from the stored HPF1 text (docs/design.md §3: the PDF carries the
same text), so a re-download is byte-identical:

* :func:`render_pdf` -- an A4 page in Chinese: title, issuing centre, certificate number, every
  field of the certificate in a table, the QR code of the whole HPF1 text (error level Q, drawn as
  vector rectangles, 46 mm wide), how to verify, and a drawn red round seal. The Noto CJK font
  is embedded as a subset (issuer/fonts.py). The HPF1 text is also embedded, so a verifier finds
  it without rendering the page (verifier/inputs.py): in the document information dictionary
  under the key ``/HPF1`` and as the attached file ``certificate.hpf1``. With a signer
  ``(certificate, private key, chain)`` (issuer/pki.py) the PDF is signed, PAdES B-B (pyHanko,
  no timestamp: offline), so a PDF reader shows which centre signed it.
* :func:`render_qr_png` -- the QR code as a PNG, pixel-exact, with the certificate number under it.

Determinism: nothing depends on the clock or on randomness. Dates in the file (creation date,
signing time ``/M``) are the certificate's issued-at; the PDF ``/ID`` is a hash of the text; the
signature is RSA PKCS#1 v1.5 (or deterministic ECDSA, RFC 6979), both deterministic. The same
text, centre name and signer give the same bytes, signed or not.

The QR code is segno's, level Q without error boost, and its mask is the one segno itself would
choose; segno's own mask evaluation is pure Python and costs 40-80 ms for a version-22 symbol, so
:func:`qr_matrix` encodes once with mask 0 and scores the eight masks itself (same rules, same
result, a few milliseconds).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import math
import re
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, TypeAlias

import segno
from segno import consts as segno_consts
from segno import encoder as _segno_encoder

from issuer import document_text as words
from issuer.fonts import CidFont, sans, serif_bold
from verifier import format as fmt
from verifier.labels import (
    ACCOUNT_STATUS_ZH,
    BEIJING,
    format_date,
    format_fen,
    format_month,
    format_rate,
    format_time,
)

__all__ = [
    "ATTACHMENT_NAME",
    "BEIJING",
    "METADATA_KEY",
    "QR_WIDTH_MM",
    "QrSymbol",
    "Signer",
    "format_fen",
    "format_rate",
    "format_time",
    "preload",
    "qr_matrix",
    "render_pdf",
    "render_qr_png",
]

Signer: TypeAlias = tuple[Any, Any, Sequence[Any]]
"""(X.509 certificate, private key, CA chain) as `cryptography` objects, from issuer/pki.py."""

METADATA_KEY: Final = "HPF1"
"""Key of the document information dictionary holding the HPF1 text (read by verifier/inputs.py)."""
ATTACHMENT_NAME: Final = "certificate.hpf1"
QR_WIDTH_MM: Final = 46.0
"""Printed width of the QR symbol (without its quiet zone); docs/design.md §3 asks for at least 40 mm."""

_PRODUCER: Final = "hpf-trust issuer"

# ---------------------------------------------------------------------------------------------
# QR code
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QrSymbol:
    """A QR symbol: `rows` of '0'/'1' strings ('1' dark), no quiet zone."""

    version: int
    mask: int
    rows: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.rows)

    def runs(self) -> Iterable[tuple[int, int, int]]:
        """Horizontal runs of dark modules: (row, first column, length)."""
        for i, row in enumerate(self.rows):
            for m in _DARK_RUN.finditer(row):
                yield i, m.start(), m.end() - m.start()


_DARK_RUN: Final = re.compile("1+")
segno_encoder: Any = _segno_encoder  # segno's internals (matrix layout, format info) are untyped
_N1_RUN: Final = re.compile("0{5,}|1{5,}")
_N3_PATTERN: Final = "1011101"


@lru_cache(maxsize=64)
def _qr_layout(version: int) -> tuple[tuple[int, ...], tuple[int, ...], tuple[tuple[int, ...], ...]]:
    """Per row, as integers (leftmost module = most significant bit): the function patterns with
    the format/version areas reserved light (exactly what segno evaluates masks on), the
    encoding region, and the eight data masks."""
    width = segno_encoder.calc_matrix_size(version)
    matrix = segno_encoder.make_matrix(width, width)
    segno_encoder.add_finder_patterns(matrix, width, width)
    segno_encoder.add_alignment_patterns(matrix, width, width)
    base, region = [], []
    for row in matrix:
        base.append(int("".join("1" if v == 1 else "0" for v in row), 2))
        region.append(int("".join("1" if v > 1 else "0" for v in row), 2))
    functions = segno_encoder.get_data_mask_functions(False)
    masks = tuple(
        tuple(int("".join("1" if fn(i, j) else "0" for j in range(width)), 2) for i in range(width))
        for fn in functions
    )
    return tuple(base), tuple(region), masks


def _penalty(rows: list[str]) -> int:
    """segno.encoder.mask_scores (ISO/IEC 18004 7.8.3.1), computed on strings and integers."""
    size = len(rows)
    columns = ["".join(col) for col in zip(*rows, strict=True)]
    n1 = 0
    for seq in rows:
        for m in _N1_RUN.finditer(seq):
            n1 += m.end() - m.start() - 2
    for seq in columns:
        for m in _N1_RUN.finditer(seq):
            n1 += m.end() - m.start() - 2
    ints = [int(r, 2) for r in rows]
    pairs = (1 << (size - 1)) - 1
    full = (1 << size) - 1
    n2 = 0
    previous = ints[0]
    prev_h = ~(previous ^ (previous >> 1)) & pairs
    for value in ints[1:]:
        h = ~(value ^ (value >> 1)) & pairs
        v = ~(value ^ previous) & full
        n2 += (h & prev_h & v).bit_count()
        previous, prev_h = value, h
    n2 *= 3
    n3 = 0
    for seq in rows:
        n3 += _n3(seq, size)
    for seq in columns:
        n3 += _n3(seq, size)
    dark = sum(v.bit_count() for v in ints)
    percent = float(dark) / (size**2)
    n4 = 10 * int(abs(percent * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


def _n3(seq: str, size: int) -> int:
    count = 0
    idx = seq.find(_N3_PATTERN)
    while idx != -1:
        offset = idx + 7
        if (
            idx in (0, size - 7)
            or "1" not in seq[max(idx - 4, 0) : min(idx, size)]
            or "1" not in seq[max(offset, 0) : min(offset + 4, size)]
        ):
            count += 40
        else:
            offset = idx + 4
        idx = seq.find(_N3_PATTERN, offset)
    return count


@lru_cache(maxsize=256)
def qr_matrix(text: str) -> QrSymbol:
    """The QR code of `text` at error level Q (no boost), with the mask segno would choose:
    identical to ``segno.make_qr(text, error="q", boost_error=False).matrix``, about 5x faster."""
    first = segno.make_qr(text, error="q", boost_error=False, mask=0)
    version = int(first.version)
    width = len(first.matrix)
    base, region, masks = _qr_layout(version)
    fmt_str = f"0{width}b"
    data = [
        (int("".join("1" if v else "0" for v in row), 2) ^ masks[0][i]) & region[i]
        for i, row in enumerate(first.matrix)
    ]
    best, best_score = 0, None
    for k, mask in enumerate(masks):
        rows = [format(base[i] | ((data[i] ^ mask[i]) & region[i]), fmt_str) for i in range(width)]
        score = _penalty(rows)
        if best_score is None or score < best_score:
            best, best_score = k, score
    matrix = tuple(
        bytearray(int(c) for c in format(base[i] | ((data[i] ^ masks[best][i]) & region[i]), fmt_str))
        for i in range(width)
    )
    segno_encoder.add_format_info(matrix, version, segno_consts.ERROR_LEVEL_Q, best)
    segno_encoder.add_version_info(matrix, version)
    return QrSymbol(version, best, tuple("".join("1" if v else "0" for v in row) for row in matrix))


# ---------------------------------------------------------------------------------------------
# PDF objects
# ---------------------------------------------------------------------------------------------


class Name(str):
    """A PDF name."""


@dataclass(frozen=True)
class Ref:
    number: int


@dataclass
class Stream:
    dictionary: dict[str, Any]
    data: bytes
    compress: bool = True


@dataclass(frozen=True)
class Raw:
    """Already-serialized PDF syntax."""

    text: str


def _real(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _literal(data: bytes) -> bytes:
    out = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    out = out.replace(b"\r", b"\\r").replace(b"\n", b"\\n")
    return b"(" + out + b")"


def _text_string(text: str) -> bytes:
    """A PDF text string: literal if ASCII, else UTF-16BE with BOM in hex."""
    if text.isascii():
        return _literal(text.encode("ascii"))
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _name_bytes(name: str) -> bytes:
    """A name's characters, with delimiters, '#' and non-regular bytes as #xx (ISO 32000 7.3.5)."""
    out = bytearray()
    for byte in name.encode("utf-8"):
        if 0x21 <= byte <= 0x7E and byte not in b"#/()<>[]{}%":
            out.append(byte)
        else:
            out += f"#{byte:02X}".encode()
    return bytes(out)


def _serialize(value: Any) -> bytes:
    if isinstance(value, Name):
        return b"/" + _name_bytes(value)
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, (int, float)):
        return _real(value).encode()
    if isinstance(value, Ref):
        return f"{value.number} 0 R".encode()
    if isinstance(value, Raw):
        return value.text.encode("ascii")
    if isinstance(value, str):
        return _text_string(value)
    if isinstance(value, bytes):
        return b"<" + value.hex().upper().encode() + b">"
    if isinstance(value, (list, tuple)):
        return b"[" + b" ".join(_serialize(v) for v in value) + b"]"
    if isinstance(value, dict):
        parts = [b"/" + _name_bytes(k) + b" " + _serialize(v) for k, v in value.items()]
        return b"<<" + b" ".join(parts) + b">>"
    if value is None:
        return b"null"
    raise TypeError(f"cannot write {type(value).__name__} to a PDF")


class _PdfFile:
    def __init__(self) -> None:
        self.objects: list[Any] = []

    def reserve(self) -> Ref:
        self.objects.append(None)
        return Ref(len(self.objects))

    def add(self, value: Any) -> Ref:
        self.objects.append(value)
        return Ref(len(self.objects))

    def set(self, ref: Ref, value: Any) -> None:
        self.objects[ref.number - 1] = value

    def write(self, *, root: Ref, info: Ref, file_id: bytes) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, value in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode()
            if isinstance(value, Stream):
                data = zlib.compress(value.data, 6) if value.compress else value.data
                dictionary = dict(value.dictionary)
                if value.compress:
                    dictionary["Filter"] = Name("FlateDecode")
                dictionary["Length"] = len(data)
                out += _serialize(dictionary) + b"\nstream\n" + data + b"\nendstream"
            else:
                out += _serialize(value)
            out += b"\nendobj\n"
        xref_at = len(out)
        out += f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode()
        for offset in offsets:
            out += f"{offset:010d} 00000 n \n".encode()
        trailer = {"Size": len(self.objects) + 1, "Root": root, "Info": info, "ID": [file_id, file_id]}
        out += b"trailer\n" + _serialize(trailer) + f"\nstartxref\n{xref_at}\n%%EOF\n".encode()
        return bytes(out)


# ---------------------------------------------------------------------------------------------
# Page content
# ---------------------------------------------------------------------------------------------

MM: Final = 72 / 25.4
PAGE_W: Final = 595.276  # A4 in points
PAGE_H: Final = 841.89
_MARGIN: Final = 18.0  # mm

_BLACK: Final = (0.0, 0.0, 0.0)
_GREY: Final = (0.35, 0.35, 0.35)
_LINE: Final = (0.45, 0.45, 0.45)
_LABEL_FILL: Final = (0.94, 0.95, 0.97)
_SECTION_FILL: Final = (0.86, 0.89, 0.93)
_RED: Final = (0.85, 0.1, 0.1)


def _x(mm: float) -> float:
    return mm * MM


def _y(mm_from_top: float) -> float:
    return PAGE_H - mm_from_top * MM


@dataclass
class _FontUse:
    font: CidFont
    resource: str
    used: dict[int, str] = field(default_factory=dict)


class _Canvas:
    def __init__(self) -> None:
        self.ops: list[str] = []
        self.regular = _FontUse(sans(), "F1")
        self.bold = _FontUse(serif_bold(), "F2")

    # -- text --------------------------------------------------------------------------------

    def _encode(self, use: _FontUse, text: str) -> str:
        codes = []
        for char in text:
            glyph = use.font.glyph(char)
            if glyph is None:
                codes.append("0000")
                continue
            use.used.setdefault(glyph.cid, char)
            codes.append(f"{glyph.cid:04X}")
        return "".join(codes)

    def width(self, text: str, size: float, use: _FontUse | None = None, spacing: float = 0.0) -> float:
        use = use or self.regular
        return use.font.width(text, size) + spacing * len(text)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        size: float,
        use: _FontUse | None = None,
        color: tuple[float, float, float] = _BLACK,
        spacing: float = 0.0,
        bold: bool = False,
        matrix: tuple[float, float, float, float] | None = None,
    ) -> None:
        """Text with its baseline starting at (x, y) points."""
        use = use or self.regular
        a, b, c, d = matrix or (1, 0, 0, 1)
        # Text state (Tc, Tr) outlives BT/ET: every text object sets all of it.
        ops = [f"BT /{use.resource} {_real(size)} Tf {_color(color)} rg {_real(spacing)} Tc"]
        if bold:
            ops.append(f"{_color(color)} RG 2 Tr {_real(size * 0.018)} w")
        else:
            ops.append("0 Tr")
        ops.append(
            f"{_real(a)} {_real(b)} {_real(c)} {_real(d)} {_real(x)} {_real(y)} Tm <{self._encode(use, text)}> Tj ET"
        )
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
            parts.append(f"{_color(fill)} rg")
        if stroke:
            parts.append(f"{_color(stroke)} RG {_real(width)} w")
        parts.append(f"{_real(x)} {_real(y)} {_real(w)} {_real(h)} re")
        parts.append("B" if fill and stroke else "f" if fill else "S")
        self.ops.append(" ".join(parts))

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        color: tuple[float, float, float] = _LINE,
        width: float = 0.5,
    ) -> None:
        self.ops.append(
            f"{_color(color)} RG {_real(width)} w {_real(x1)} {_real(y1)} m {_real(x2)} {_real(y2)} l S"
        )

    def circle(
        self, cx: float, cy: float, r: float, *, color: tuple[float, float, float], width: float
    ) -> None:
        k = 0.5523 * r
        self.ops.append(
            f"{_color(color)} RG {_real(width)} w {_real(cx + r)} {_real(cy)} m "
            f"{_real(cx + r)} {_real(cy + k)} {_real(cx + k)} {_real(cy + r)} {_real(cx)} {_real(cy + r)} c "
            f"{_real(cx - k)} {_real(cy + r)} {_real(cx - r)} {_real(cy + k)} {_real(cx - r)} {_real(cy)} c "
            f"{_real(cx - r)} {_real(cy - k)} {_real(cx - k)} {_real(cy - r)} {_real(cx)} {_real(cy - r)} c "
            f"{_real(cx + k)} {_real(cy - r)} {_real(cx + r)} {_real(cy - k)} {_real(cx + r)} {_real(cy)} c S"
        )

    def star(self, cx: float, cy: float, r: float, *, color: tuple[float, float, float]) -> None:
        points = []
        for i in range(10):
            radius = r if i % 2 == 0 else r * 0.382
            angle = math.pi / 2 + i * math.pi / 5
            points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
        path = " ".join(
            f"{_real(px)} {_real(py)} {'m' if i == 0 else 'l'}" for i, (px, py) in enumerate(points)
        )
        self.ops.append(f"{_color(color)} rg {path} h f")

    def qr(self, symbol: QrSymbol, x: float, y_top: float, width: float) -> None:
        """The QR symbol as one filled path of module rectangles, top-left corner at (x, y_top)."""
        scale = width / symbol.size
        parts = [f"q 0 g {_real(scale)} 0 0 {_real(-scale)} {_real(x)} {_real(y_top)} cm"]
        parts.extend(f"{j} {i} {n} 1 re" for i, j, n in symbol.runs())
        parts.append("f Q")
        self.ops.append("\n".join(parts))

    def raw(self, op: str) -> None:
        self.ops.append(op)


def _color(c: tuple[float, float, float]) -> str:
    return " ".join(_real(v) for v in c)


_NO_LINE_START: Final = frozenset("，。、；：！？）》」』”’%,.;:!?)")


def _wrap(
    canvas: _Canvas, text: str, size: float, max_width: float, use: _FontUse | None = None
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


# ---------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------

_CJK_MIDDLE: Final = 0.38  # the ideographic em box's centre above the baseline, in em


@dataclass(frozen=True)
class _Row:
    kind: str  # "section", "pair", "wide"
    cells: tuple[tuple[str, str], ...] = ()
    title: str = ""


def _rows(c: fmt.Certificate, extras: words.Extras) -> list[_Row]:
    if not isinstance(c, fmt.Certificate):  # a minimal certificate (verifier/disclosure.py)
        from issuer.minimal_rows import minimal_rows  # noqa: PLC0415

        return minimal_rows(c, _Row, format_time)
    audience = words.audience_text(c.audience, extras.audience_name)
    rows = [
        _Row("section", title="职工及账户信息"),
        _Row("pair", (("姓名", c.name), ("证件号码", c.id_masked))),
        _Row("wide", (("单位名称", c.employer_name),)),
        _Row("pair", (("单位账号", c.employer_account), ("个人账号", c.account_masked))),
        _Row(
            "pair", (("账户状态", ACCOUNT_STATUS_ZH[c.account_status]), ("开户日期", format_date(c.account_opened)))
        ),
        _Row("section", title="缴存信息"),
        _Row("pair", (("缴存基数", format_fen(c.deposit_base)), ("月缴存额", format_fen(c.monthly_amount)))),
        _Row(
            "pair",
            (
                ("个人缴存比例", format_rate(c.employee_rate_bp)),
                ("单位缴存比例", format_rate(c.employer_rate_bp)),
            ),
        ),
        _Row(
            "pair",
            (("首次缴存年月", format_month(c.first_month)), ("最近缴存年月", format_month(c.last_month))),
        ),
        _Row("pair", (("连续缴存月数", f"{c.months_continuous} 个月"), ("账户余额", format_fen(c.balance)))),
        _Row(
            "pair",
            (
                ("公积金贷款", "有未结清贷款" if c.loan_outstanding else "无未结清贷款"),
                ("证明用途", fmt.PURPOSES[c.purpose][1]),
            ),
        ),
        _Row("section", title="证明信息"),
        _Row("wide", (("使用机构", audience),)),
        _Row("pair", (("出具时间", format_time(c.issued_at)), ("有效期至", format_time(c.valid_until)))),
    ]
    if c.supersedes is not None:
        rows.append(_Row("wide", (("替代证明", words.supersedes_text(c.supersedes)),)))
    return rows


def _draw_table(canvas: _Canvas, rows: list[_Row], top_mm: float) -> float:
    """Draws the field table from `top_mm`; returns its bottom (mm from the top)."""
    size = 10.0
    label_w, value_w = 29.0, 58.0  # mm; two label/value pairs make 174 mm
    pad = 2.2
    line_h = 4.8  # mm per wrapped line
    y = top_mm
    left = _MARGIN
    for row in rows:
        if row.kind == "section":
            h = 7.0
            canvas.rect(
                _x(left),
                _y(y + h),
                _x(2 * (label_w + value_w)),
                h * MM,
                fill=_SECTION_FILL,
                stroke=_LINE,
                width=0.5,
            )
            base = _y(y + h / 2) - _CJK_MIDDLE * size
            canvas.text(_x(left + pad), base, row.title, size=size, bold=True)
            y += h
            continue
        if row.kind == "pair":
            spans = [(label_w, value_w), (label_w, value_w)]
        else:
            spans = [(label_w, label_w + 2 * value_w)]
        wrapped = []
        for (label, value), (_, vw) in zip(row.cells, spans, strict=True):
            value_size = size
            max_w = _x(vw - 2 * pad)
            while canvas.width(value, value_size) > max_w and value_size > 8.5:
                value_size -= 0.5
            lines = _wrap(canvas, value, value_size, max_w)
            wrapped.append((label, lines, value_size))
        h = max(8.0, max(len(lines) for _, lines, _ in wrapped) * line_h + 3.2)
        x = left
        for (label, lines, value_size), (lw, vw) in zip(wrapped, spans, strict=True):
            canvas.rect(_x(x), _y(y + h), _x(lw), h * MM, fill=_LABEL_FILL, stroke=_LINE, width=0.5)
            canvas.rect(_x(x + lw), _y(y + h), _x(vw), h * MM, stroke=_LINE, width=0.5)
            canvas.text(_x(x + pad), _y(y + h / 2) - _CJK_MIDDLE * size, label, size=size, color=_GREY)
            first = y + h / 2 - (len(lines) - 1) * line_h / 2
            for k, line in enumerate(lines):
                base = _y(first + k * line_h) - _CJK_MIDDLE * value_size
                canvas.text(_x(x + lw + pad), base, line, size=value_size)
            x += lw + vw
        y += h
    return y


def _draw_seal(canvas: _Canvas, cx_mm: float, cy_mm: float, centre_name: str) -> None:
    """A red round seal: a ring, the centre's name along the upper arc, a star."""
    red = _RED
    cx, cy = _x(cx_mm), _y(cy_mm)
    radius = 21.0 * MM
    ring = 1.1 * MM
    canvas.raw("q /Seal gs")
    canvas.circle(cx, cy, radius - ring / 2, color=red, width=ring)
    canvas.circle(cx, cy, radius - ring - 0.9 * MM, color=red, width=0.25 * MM)
    canvas.star(cx, cy + 0.5 * MM, 5.8 * MM, color=red)
    # The name along the arc, upright, clockwise from lower left to lower right.
    name = centre_name
    n = len(name)
    span = math.radians(min(240.0, 34.0 + 18.0 * n))
    text_r = radius - ring - 2.0 * MM
    font_size = min(4.9 * MM, (text_r * span / max(n, 1)) * 0.9)
    base_r = text_r - font_size * 0.9  # the glyphs' tops touch text_r
    step = span / max(n - 1, 1) if n > 1 else 0.0
    start = math.pi / 2 + span / 2 if n > 1 else math.pi / 2
    use = canvas.bold
    for k, char in enumerate(name):
        theta = start - k * step
        up = (math.cos(theta), math.sin(theta))
        along = (math.sin(theta), -math.cos(theta))
        w = canvas.width(char, font_size, use)
        ox = cx + base_r * up[0] - along[0] * w / 2
        oy = cy + base_r * up[1] - along[1] * w / 2
        canvas.text(
            ox, oy, char, size=font_size, use=use, color=red, matrix=(along[0], along[1], up[0], up[1])
        )
    canvas.raw("Q")


def _draw_page(canvas: _Canvas, c: fmt.Certificate, centre_name: str, symbol: QrSymbol, extras: words.Extras) -> None:
    right = 210.0 - _MARGIN
    width = _x(right - _MARGIN)
    # Title and header.
    canvas.text_centred(PAGE_W / 2, _y(27.0), "住房公积金缴存证明", size=24, use=canvas.bold, spacing=4.0)
    canvas.line(_x(_MARGIN), _y(33.0), _x(right), _y(33.0), color=_RED, width=1.2)
    y = 40.5
    header = [f"出具单位：{centre_name}（行政区划代码 {c.centre_code}）", f"证明编号：{c.number}"]
    for line in (line for text in header for line in _wrap(canvas, text, 10.5, width)):
        canvas.text(_x(_MARGIN), _y(y), line, size=10.5)
        y += 6.0
    y += 2.0
    canvas.text(_x(_MARGIN), _y(y), "兹证明下列职工在本中心缴存住房公积金，缴存情况如下：", size=10.5)
    bottom = _draw_table(canvas, _rows(c, extras), y + 3.5)
    canvas.text(
        _x(_MARGIN),
        _y(bottom + 5.0),
        "注：金额单位为人民币元；比例为占缴存基数的百分比；时间为北京时间。",
        size=8.5,
        color=_GREY,
    )
    canvas.text(_x(_MARGIN + 7.4), _y(bottom + 11.5), "特此证明。", size=10.5)
    # A band under the table: the QR code (with its quiet zone and the number under it), how to
    # verify, and the issuer with the seal.
    band = bottom + 17.0
    quiet = QR_WIDTH_MM / symbol.size * 4
    canvas.rect(
        _x(_MARGIN - quiet),
        _y(band + QR_WIDTH_MM + quiet),
        _x(QR_WIDTH_MM + 2 * quiet),
        (QR_WIDTH_MM + 2 * quiet) * MM,
        fill=(1, 1, 1),
    )
    canvas.qr(symbol, _x(_MARGIN), _y(band), _x(QR_WIDTH_MM))
    canvas.text_centred(_x(_MARGIN + QR_WIDTH_MM / 2), _y(band + QR_WIDTH_MM + 5.5), c.number, size=8)
    if extras.code:
        canvas.text_centred(_x(_MARGIN + QR_WIDTH_MM / 2), _y(band + QR_WIDTH_MM + 9.5), f"核验码 {extras.code}",
                            size=8, bold=True)
    seal_cx = right - 22.0
    notes_x = _MARGIN + QR_WIDTH_MM + 7.0
    notes_w = _x(seal_cx - 24.0 - notes_x)
    canvas.text(_x(notes_x), _y(band + 3.5), "核验方式", size=10.5, bold=True)
    notes = words.verify_notes(extras, c.number)
    y = band + 10.0
    for note in notes:
        for line in _wrap(canvas, note, 9.0, notes_w):
            canvas.text(_x(notes_x), _y(y), line, size=9.0)
            y += 4.6
        y += 1.2
    # Issuer and date, the seal over them.
    issued = datetime.fromtimestamp(c.issued_at, BEIJING)
    seal_cy = band + 21.0
    issuer_lines = _wrap(canvas, centre_name, 11, _x(50.0))
    issuer_lines.append(f"{issued.year}年{issued.month:02d}月{issued.day:02d}日")
    line_y = seal_cy + 8.5  # under the star, over the lower half of the seal
    for line in issuer_lines:
        w_mm = canvas.width(line, 11) / MM
        cx = min(seal_cx, right - w_mm / 2)
        canvas.text_centred(_x(cx), _y(line_y), line, size=11)
        line_y += 6.5
    _draw_seal(canvas, seal_cx, seal_cy, centre_name)
    # Footer.
    footer_y = max(281.0, band + QR_WIDTH_MM + 16.0)
    canvas.line(_x(_MARGIN), _y(footer_y), _x(right), _y(footer_y), width=0.4)
    canvas.text(
        _x(_MARGIN),
        _y(footer_y + 5.0),
        words.footer_text(format_time(c.valid_until)),
        size=8,
        color=_GREY,
    )


# ---------------------------------------------------------------------------------------------
# Fonts in the PDF
# ---------------------------------------------------------------------------------------------


def _to_unicode(used: dict[int, str]) -> bytes:
    entries = sorted(used.items())
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{cid:04X}> <{char.encode('utf-16-be').hex().upper()}>" for cid, char in chunk)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def _add_font(pdf: _PdfFile, use: _FontUse) -> Ref:
    font = use.font
    cids = sorted(use.used)
    tag = font.subset_tag(cids)
    base_name = f"{tag}+{font.ps_name}"
    cff = font.subset_cff(cids, base_name)
    font_file = pdf.add(Stream({"Subtype": Name("CIDFontType0C")}, cff))
    descriptor = pdf.add(
        {
            "Type": Name("FontDescriptor"),
            "FontName": Name(base_name),
            "Flags": 4,
            "FontBBox": list(font.bbox),
            "ItalicAngle": 0,
            "Ascent": font.ascent,
            "Descent": font.descent,
            "CapHeight": font.cap_height,
            "StemV": 80,
            "FontFile3": font_file,
        }
    )
    widths: list[Any] = []
    for cid in cids:
        glyph = font.glyph(use.used[cid])
        advance = glyph.advance if glyph else font.notdef.advance
        widths += [cid, [advance]]
    cid_font = pdf.add(
        {
            "Type": Name("Font"),
            "Subtype": Name("CIDFontType0"),
            "BaseFont": Name(base_name),
            "CIDSystemInfo": {
                "Registry": font.registry,
                "Ordering": font.ordering,
                "Supplement": font.supplement,
            },
            "FontDescriptor": descriptor,
            "DW": 1000,
            "W": widths,
        }
    )
    to_unicode = pdf.add(Stream({}, _to_unicode(use.used)))
    return pdf.add(
        {
            "Type": Name("Font"),
            "Subtype": Name("Type0"),
            "BaseFont": Name(base_name),
            "Encoding": Name("Identity-H"),
            "DescendantFonts": [cid_font],
            "ToUnicode": to_unicode,
        }
    )


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------

_RENDER_LOCK: Final = threading.Lock()  # the fonts' glyph caches are filled under it


def _pdf_date(unix: int) -> str:
    t = datetime.fromtimestamp(unix, BEIJING)
    return f"D:{t:%Y%m%d%H%M%S}+08'00'"


def _unsigned_pdf(text: str, certificate: fmt.Certificate, centre_name: str, extras: words.Extras) -> bytes:
    symbol = qr_matrix(text)
    with _RENDER_LOCK:
        canvas = _Canvas()
        _draw_page(canvas, certificate, centre_name, symbol, extras)
        pdf = _PdfFile()
        fonts = {use.resource: _add_font(pdf, use) for use in (canvas.regular, canvas.bold) if use.used}
    content = pdf.add(Stream({}, "\n".join(canvas.ops).encode("ascii")))
    pages = pdf.reserve()
    page = pdf.add(
        {
            "Type": Name("Page"),
            "Parent": pages,
            "MediaBox": [0, 0, PAGE_W, PAGE_H],
            "Resources": {
                "Font": fonts,
                "ExtGState": {
                    "Seal": {"Type": Name("ExtGState"), "BM": Name("Multiply"), "ca": 0.9, "CA": 0.9}
                },
            },
            "Contents": content,
        }
    )
    pdf.set(pages, {"Type": Name("Pages"), "Kids": [page], "Count": 1})
    date = _pdf_date(certificate.issued_at)
    embedded = pdf.add(
        Stream(
            {
                "Type": Name("EmbeddedFile"),
                "Subtype": Name("text/plain"),
                "Params": {"Size": len(text) + 1, "ModDate": date},
            },
            (text + "\n").encode("ascii"),
        )
    )
    filespec = pdf.add(
        {
            "Type": Name("Filespec"),
            "F": ATTACHMENT_NAME,
            "UF": ATTACHMENT_NAME,
            "Desc": "HPF1 certificate text (the content of the QR code)",
            "AFRelationship": Name("Source"),
            "EF": {"F": embedded, "UF": embedded},
        }
    )
    catalog = pdf.add(
        {
            "Type": Name("Catalog"),
            "Pages": pages,
            "Names": {"EmbeddedFiles": {"Names": [ATTACHMENT_NAME, filespec]}},
            "AF": [filespec],
            "Lang": "zh-CN",
            "ViewerPreferences": {"DisplayDocTitle": True},
        }
    )
    info = pdf.add(
        {
            "Title": f"住房公积金缴存证明 {certificate.number}",
            "Author": centre_name,
            "Subject": f"住房公积金缴存证明（{centre_name}）",
            "Creator": _PRODUCER,
            "Producer": _PRODUCER,
            "CreationDate": Raw(f"({date})"),
            "ModDate": Raw(f"({date})"),
            METADATA_KEY: text,
        }
    )
    file_id = hashlib.sha256(b"hpf-trust pdf\x00" + text.encode() + b"\x00" + centre_name.encode()).digest()[
        :16
    ]
    return pdf.write(root=catalog, info=info, file_id=file_id)


def render_pdf(hpf1_text: str, *, centre_name: str, signer: Signer | None = None, verify_url: str | None = None,
               audience_name: str | None = None) -> bytes:
    """The certificate as an A4 PDF in Chinese, signed (PAdES B-B) when `signer` is given.

    `hpf1_text` is the stored "HPF1:" text; it is decoded (not verified) to lay out its fields and
    raises `MalformedCertificate` if it is not a certificate. `centre_name` is the issuing centre's
    name (not part of the payload); `verify_url` the verifier page printed with the number and the
    核验码; `audience_name` the institution's name. Deterministic: same arguments, same bytes."""
    text = hpf1_text.strip()
    signed = fmt.decode(text)
    certificate = signed.certificate
    extras = words.extras_for(signed, verify_url=verify_url, audience_name=audience_name)
    if not centre_name or centre_name != centre_name.strip():
        raise ValueError("centre_name must be a non-empty name without surrounding spaces")
    pdf = _unsigned_pdf(text, certificate, centre_name, extras)
    if signer is None:
        return pdf
    return _sign(pdf, signer, certificate, centre_name)


# ---------------------------------------------------------------------------------------------
# PAdES signature (pyHanko)
# ---------------------------------------------------------------------------------------------

_SIGNATURE_FIELD: Final = "CentreSignature"
_SIGNATURE_BYTES: Final = 16384  # hex characters reserved for the CMS container
_signers: dict[bytes, tuple[Any, Any]] = {}
_signers_lock = threading.Lock()


def _pyhanko_signer(signer: Signer) -> Any:
    """A pyHanko signer for (certificate, key, chain), cached per certificate and key object."""
    cert, key, chain = signer
    from cryptography.hazmat.primitives import serialization

    cert_der = cert.public_bytes(serialization.Encoding.DER)
    cache_key = hashlib.sha256(
        cert_der + b"".join(c.public_bytes(serialization.Encoding.DER) for c in chain)
    ).digest()
    with _signers_lock:
        cached = _signers.get(cache_key)
        if cached is not None and cached[0] is key:
            return cached[1]
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    class _DeterministicSigner(signers.SimpleSigner):
        """Signs with the in-memory key: RSA PKCS#1 v1.5 or deterministic ECDSA (RFC 6979)."""

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from pyhanko_certvalidator.util import get_pyca_cryptography_hash

            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if isinstance(key, rsa.RSAPrivateKey):
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
                if mechanism.signature_algo == "rsassa_pkcs1v15":
                    return key.sign(data, padding.PKCS1v15(), hash_algo)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(hash_algo, deterministic_signing=True))
            return super().sign_raw(data, digest_algorithm)

    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pyhanko_signer = _DeterministicSigner(
        signing_cert=asn1_x509.Certificate.load(cert_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]
            [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]
        ),
    )
    with _signers_lock:
        if len(_signers) > 32:
            _signers.clear()
        _signers[cache_key] = (key, pyhanko_signer)
    return pyhanko_signer


def _run(coro: Any) -> Any:
    """Runs a pyHanko coroutine to completion, also when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@lru_cache(maxsize=1)
def _pyhanko_classes() -> tuple[type, type]:
    """pyHanko's writer and signer without clock or randomness (imported on first use: slow)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.metadata.info import update_info_dict
    from pyhanko.sign import signers

    class Writer(IncrementalPdfFileWriter):
        """The second /ID half derives from the first (pyHanko draws it at random), and /ModDate
        is the signing time (pyHanko writes the clock's)."""

        signing_time: datetime

        @classmethod
        def _handle_id(cls, prev: Any) -> Any:
            first = prev.trailer["/ID"][0]
            second = hashlib.sha256(b"hpf-trust signed\x00" + bytes(first.original_bytes)).digest()[:16]
            return generic.ArrayObject([first, generic.ByteStringObject(second)])

        def _update_meta(self) -> None:
            self._meta.last_modified = self.signing_time
            info: Any = self._info
            if info is not None and update_info_dict(self._meta, info.get_object()):
                self.mark_update(info)

    class Signer(signers.PdfSigner):
        """Signs at a given time (the signature dictionary's /M) instead of the clock's."""

        signing_time: datetime

        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            session.system_time = self.signing_time
            return session

    return Writer, Signer


def preload() -> None:
    """Loads the fonts and pyHanko, so that the first request does not wait for them (~1.5 s)."""
    sans()
    serif_bold()
    _pyhanko_classes()


def _sign(pdf: bytes, signer: Signer, certificate: fmt.Certificate, centre_name: str) -> bytes:
    """PAdES B-B (ETSI.CAdES.detached), invisible signature field, signed at the certificate's
    issued-at; B-T (a signature timestamp) when the signer names an RFC 3161 authority."""
    from pyhanko.sign import fields, signers

    writer_cls, signer_cls = _pyhanko_classes()
    when = datetime.fromtimestamp(certificate.issued_at, BEIJING)
    meta = signers.PdfSignatureMetadata(
        field_name=_SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"住房公积金缴存证明 {certificate.number}",
        location=centre_name,
        name=centre_name,
    )
    writer = writer_cls(io.BytesIO(pdf))
    writer.signing_time = when
    tsa_url = getattr(signer, "tsa_url", None)  # issuer.pdf_signer.CentreSigner: RFC 3161, PAdES B-T
    timestamper = None
    if tsa_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        timestamper = HTTPTimeStamper(tsa_url)
    pdf_signer = signer_cls(meta, signer=_pyhanko_signer(signer), timestamper=timestamper)
    pdf_signer.signing_time = when
    out = io.BytesIO()
    _run(pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=_SIGNATURE_BYTES))
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# PNG of the QR code
# ---------------------------------------------------------------------------------------------

_PNG_SCALE: Final = 10  # pixels per module: a version-22 symbol is 1,130 px wide with its quiet zone
_PNG_QUIET: Final = 4
_MODULE_BYTES: Final = bytes.maketrans(b"01", b"\xff\x00")  # '1' (dark) -> black


@lru_cache(maxsize=16)
def _png_font(size: int) -> Any:
    from PIL import ImageFont

    font = sans()
    return ImageFont.truetype(str(font.path), size, index=font.index)


def render_qr_png(hpf1_text: str, number: str, *, holder: str | None = None, centre_name: str | None = None,
                  verify_url: str | None = None) -> bytes:
    """The QR code of the whole text (level Q) as a greyscale PNG, `_PNG_SCALE` pixels per module,
    pixel-exact, with "证明编号 <number>", the 核验码, the masked holder and the centre under it."""
    from PIL import Image, ImageDraw

    text = hpf1_text.strip()
    if not text.startswith(fmt.PREFIX):
        raise ValueError("not an HPF1 certificate text")
    symbol = qr_matrix(text)
    modules = symbol.size + 2 * _PNG_QUIET
    side = modules * _PNG_SCALE
    light_rows = b"\xff" * (modules * _PNG_QUIET)
    pad = b"\xff" * _PNG_QUIET
    raw = light_rows + b"".join(
        pad + row.encode("ascii").translate(_MODULE_BYTES) + pad for row in symbol.rows
    )
    raw += light_rows
    qr = Image.frombytes("L", (modules, modules), raw).resize((side, side), Image.Resampling.NEAREST)
    code = words.code_of(text)
    lines = words.png_caption(number, code=code, holder=holder, centre_name=centre_name, verify_url=verify_url)
    caption_size = max(28, side // 28)
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    longest = max(lines, key=lambda line: draw.textlength(line, font=_png_font(caption_size)))
    while caption_size > 20 and draw.textlength(longest, font=_png_font(caption_size)) > side * 0.94:
        caption_size -= 2
    font = _png_font(caption_size)
    widths = [draw.textlength(line, font=font) for line in lines]
    # A tiny code with a long number: widen the image rather than shrink the number further.
    image_w = max(side, math.ceil(max(widths) + 2 * caption_size))
    step = round(caption_size * 1.5)
    image = Image.new("L", (image_w, side + step * len(lines) + caption_size // 2), 255)
    image.paste(qr, ((image_w - side) // 2, 0))
    pen = ImageDraw.Draw(image)
    for i, (line, width) in enumerate(zip(lines, widths, strict=True)):
        pen.text(((image_w - width) / 2, side + i * step), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
