"""The certificate's QR code: segno's, level Q without error boost, with the mask segno itself would
choose. segno's own mask evaluation is pure Python and costs 40-80 ms for a version-22 symbol, so
:func:`qr_matrix` encodes once with mask 0 and scores the eight masks itself (same rules, same
result, a few milliseconds)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

import segno
from segno import consts as segno_consts
from segno import encoder as _segno_encoder

__all__ = ["QrSymbol", "qr_matrix"]


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
