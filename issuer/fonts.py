"""CJK fonts for the issuer's documents: Noto Sans/Serif CJK SC (Debian fonts-noto-cjk), embedded
in PDFs as small CID-keyed CFF subsets.

Noto CJK ships as OpenType collections (.ttc) with CFF outlines and about 65,000 glyphs. A
general-purpose subsetter (fontTools, as fpdf2 uses it) needs 0.3-0.6 s per document for such a
font, far over the 100 ms budget of a PDF. This module subsets in about a millisecond instead:

* the face is opened once per process (cmap, advance widths, the CFF charset), lazily;
* each glyph a document uses is desubroutinized once (fontTools' desubroutinizer) and cached as a
  stand-alone Type 2 charstring;
* a subset is then just a new CFF file written here: the used glyphs' charstrings under their
  original CIDs, no subroutines, the Private dicts of the font dicts they belong to.

Text is shown with 2-byte CIDs (Identity-H); `CidFont.subset_cff` and the PDF writer in
`issuer/documents/pdf_fonts.py` turn the CIDs a document used into the FontFile3 (CIDFontType0C), the
widths array and a ToUnicode CMap, so the text is searchable and copyable.
"""

from __future__ import annotations

import hashlib
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

from fontTools import ttLib
from fontTools.cffLib.transforms import desubroutinizeCharString
from fontTools.misc.psCharStrings import encodeFloat, encodeIntCFF

__all__ = [
    "FONT_DIRS",
    "CidFont",
    "FontNotFound",
    "find_font_file",
    "sans",
    "sans_ttc_path",
    "serif_bold",
]

#: Where Debian's fonts-noto-cjk puts the collections (and a few other usual places).
FONT_DIRS: Final = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/google-noto-cjk"),
    Path("/usr/local/share/fonts"),
)
_SANS_FILE: Final = "NotoSansCJK-Regular.ttc"
_SERIF_BOLD_FILE: Final = "NotoSerifCJK-Bold.ttc"
_FAMILY_SC: Final = "SC"  # the Simplified Chinese member of the collection


class FontNotFound(RuntimeError):
    """The Noto CJK fonts are not installed (Debian package fonts-noto-cjk)."""


def find_font_file(name: str) -> Path:
    for folder in FONT_DIRS:
        path = folder / name
        if path.is_file():
            return path
    raise FontNotFound(
        f"font {name} not found in {', '.join(str(d) for d in FONT_DIRS)}: install the Debian package fonts-noto-cjk"
    )


def sans_ttc_path() -> Path:
    return find_font_file(_SANS_FILE)


def _sc_index(path: Path) -> int:
    """The index of the Simplified Chinese (proportional) face in a Noto CJK collection."""
    collection = ttLib.TTCollection(str(path), lazy=True)
    try:
        for index, face in enumerate(collection.fonts):
            family = face["name"].getDebugName(1) or ""
            if family.endswith(f" CJK {_FAMILY_SC}") and "Mono" not in family:
                return index
    finally:
        collection.close()
    raise FontNotFound(f"{path} has no Simplified Chinese face")


@cache
def sans() -> CidFont:
    """Noto Sans CJK SC Regular: the body text."""
    path = sans_ttc_path()
    return CidFont(path, _sc_index(path))


@cache
def serif_bold() -> CidFont:
    """Noto Serif CJK SC Bold: the title and the seal."""
    path = find_font_file(_SERIF_BOLD_FILE)
    return CidFont(path, _sc_index(path))


# ---------------------------------------------------------------------------------------------
# CFF writing (Adobe Technical Note #5176)
# ---------------------------------------------------------------------------------------------

# Private DICT operators we carry over: name -> (operator bytes, kind). "delta" arrays are stored
# as absolute values by fontTools and written as differences.
_PRIVATE_OPS: Final[dict[str, tuple[bytes, str]]] = {
    "BlueValues": (b"\x06", "delta"),
    "OtherBlues": (b"\x07", "delta"),
    "FamilyBlues": (b"\x08", "delta"),
    "FamilyOtherBlues": (b"\x09", "delta"),
    "StdHW": (b"\x0a", "number"),
    "StdVW": (b"\x0b", "number"),
    "BlueScale": (b"\x0c\x09", "number"),
    "BlueShift": (b"\x0c\x0a", "number"),
    "BlueFuzz": (b"\x0c\x0b", "number"),
    "StemSnapH": (b"\x0c\x0c", "delta"),
    "StemSnapV": (b"\x0c\x0d", "delta"),
    "ForceBold": (b"\x0c\x0e", "number"),
    "LanguageGroup": (b"\x0c\x11", "number"),
    "ExpansionFactor": (b"\x0c\x12", "number"),
    "defaultWidthX": (b"\x14", "number"),
    "nominalWidthX": (b"\x15", "number"),
}


def _num(value: float | bool) -> bytes:
    if isinstance(value, int) or float(value).is_integer():  # bool is an int
        return bytes(encodeIntCFF(int(value)))
    return bytes(encodeFloat(float(value)))


def _offset(value: int) -> bytes:
    """An offset as a fixed 5-byte integer, so DICT sizes do not depend on the offsets."""
    return b"\x1d" + struct.pack(">i", value)


def _index(items: list[bytes]) -> bytes:
    if not items:
        return b"\x00\x00"
    offsets = [1]
    for item in items:
        offsets.append(offsets[-1] + len(item))
    size = 1 if offsets[-1] < 1 << 8 else 2 if offsets[-1] < 1 << 16 else 3 if offsets[-1] < 1 << 24 else 4
    out = bytearray(struct.pack(">HB", len(items), size))
    for off in offsets:
        out += off.to_bytes(size, "big")
    for item in items:
        out += item
    return bytes(out)


def _private_dict(raw: dict[str, Any]) -> bytes:
    out = bytearray()
    for name, (op, kind) in _PRIVATE_OPS.items():
        if name not in raw:
            continue
        value = raw[name]
        if kind == "delta":
            previous = 0
            for v in value:
                out += _num(v - previous)
                previous = v
        else:
            out += _num(value)
        out += op
    return bytes(out)


# ---------------------------------------------------------------------------------------------
# The font
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Glyph:
    cid: int
    advance: int  # in 1/1000 em


class CidFont:
    """One face of a CID-keyed CFF OpenType font (collection member `index` of `path`)."""

    def __init__(self, path: Path, index: int) -> None:
        self.path = path
        self.index = index
        self._lock = threading.Lock()
        font = ttLib.TTFont(str(path), fontNumber=index, lazy=True, recalcBBoxes=False, recalcTimestamp=False)
        self._font = font
        self.ps_name: str = font["name"].getDebugName(6) or "NotoCJK"
        units = font["head"].unitsPerEm
        self._scale = 1000 / units
        os2 = font["OS/2"]
        self.ascent = round(os2.sTypoAscender * self._scale)
        self.descent = round(os2.sTypoDescender * self._scale)
        self.cap_height = round(getattr(os2, "sCapHeight", os2.sTypoAscender) * self._scale)
        cff = font["CFF "].cff
        top = cff.topDictIndex[0]
        if not hasattr(top, "ROS"):
            raise FontNotFound(f"{path} is not a CID-keyed CFF font")
        self.registry, self.ordering, self.supplement = top.ROS
        self.bbox = tuple(round(v * self._scale) for v in top.FontBBox)
        self._cid_count = int(getattr(top, "CIDCount", 65535))
        self._top = top
        self._cmap: dict[int, str] = font.getBestCmap()
        self._metrics = font["hmtx"].metrics
        self._order = font.getGlyphOrder()
        self._gid = {name: i for i, name in enumerate(self._order)}
        self._fd_select = top.FDSelect
        self._fd_array = top.FDArray
        self._glyphs: dict[str, Glyph | None] = {}
        self._charstrings: dict[int, tuple[bytes, int]] = {0: self._charstring(".notdef")}
        self.notdef = Glyph(0, round(self._metrics[".notdef"][0] * self._scale))

    # -- lookup ------------------------------------------------------------------------------

    def glyph(self, char: str) -> Glyph | None:
        """The glyph for one character, or None if the font lacks it."""
        if char in self._glyphs:  # looked up before (None: the font lacks it)
            return self._glyphs[char]
        name = self._cmap.get(ord(char))
        glyph = None
        if name is not None:
            glyph = Glyph(self._cid_of(name), round(self._metrics[name][0] * self._scale))
        self._glyphs[char] = glyph
        return glyph

    def has(self, char: str) -> bool:
        return self.glyph(char) is not None

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points (missing characters count as .notdef)."""
        total = 0
        for char in text:
            glyph = self.glyph(char)
            total += (glyph or self.notdef).advance
        return total * size / 1000

    @staticmethod
    def _cid_of(name: str) -> int:
        if name == ".notdef":
            return 0
        if name.startswith("cid"):
            return int(name[3:])
        raise ValueError(f"glyph {name!r} has no CID")

    # -- subsetting ----------------------------------------------------------------------------

    def _charstring(self, name: str) -> tuple[bytes, int]:
        """(stand-alone charstring bytes, font dict index) of a glyph, desubroutinized."""
        gid = self._gid[name]
        fd = self._fd_select[gid]
        charstring = self._top.CharStrings[name]
        desubroutinizeCharString(charstring)
        charstring.compile()
        data = bytes(charstring.bytecode)
        return data, fd

    def _ensure_charstrings(self, cids: Iterable[int]) -> None:
        missing = [cid for cid in cids if cid not in self._charstrings]
        if not missing:
            return
        with self._lock:
            for cid in missing:
                if cid not in self._charstrings:
                    self._charstrings[cid] = self._charstring(self._order_name(cid))

    def _order_name(self, cid: int) -> str:
        return ".notdef" if cid == 0 else f"cid{cid:05d}"

    def subset_tag(self, cids: Iterable[int]) -> str:
        """Six capital letters derived from the glyph set (PDF subset-font naming)."""
        digest = hashlib.sha256(",".join(str(c) for c in sorted(set(cids))).encode()).digest()
        return "".join(chr(ord("A") + b % 26) for b in digest[:6])

    def subset_cff(self, cids: Iterable[int], font_name: str) -> bytes:
        """A CID-keyed CFF font holding .notdef and the glyphs `cids` (under the same CIDs)."""
        wanted = sorted(set(cids) | {0})
        self._ensure_charstrings(wanted)
        glyphs = [self._charstrings[cid] for cid in wanted]
        used_fds = sorted({fd for _, fd in glyphs})
        fd_index = {fd: i for i, fd in enumerate(used_fds)}
        privates = [_private_dict(self._fd_array[fd].Private.rawDict) for fd in used_fds]

        strings = [self.registry.encode(), self.ordering.encode()]
        sid_registry, sid_ordering = 391, 392  # the first non-standard SIDs

        name_index = _index([font_name.encode("ascii")])
        string_index = _index(strings)
        global_subrs = _index([])
        charset = b"\x00" + b"".join(struct.pack(">H", cid) for cid in wanted[1:])
        fd_select = b"\x00" + bytes(fd_index[fd] for _, fd in glyphs)
        charstrings = _index([data for data, _ in glyphs])

        def top_dict(charset_at: int, fdselect_at: int, charstrings_at: int, fdarray_at: int) -> bytes:
            return b"".join(
                [
                    _num(sid_registry),
                    _num(sid_ordering),
                    _num(self.supplement),
                    b"\x0c\x1e",  # ROS
                    b"".join(_num(v) for v in self._top.FontBBox),
                    b"\x05",  # FontBBox
                    _num(self._cid_count),
                    b"\x0c\x22",  # CIDCount
                    _offset(charset_at),
                    b"\x0f",  # charset
                    _offset(fdselect_at),
                    b"\x0c\x25",  # FDSelect
                    _offset(charstrings_at),
                    b"\x11",  # CharStrings
                    _offset(fdarray_at),
                    b"\x0c\x24",  # FDArray
                ]
            )

        header = b"\x01\x00\x04\x04"
        top_size = len(_index([top_dict(0, 0, 0, 0)]))
        charset_at = len(header) + len(name_index) + top_size + len(string_index) + len(global_subrs)
        fdselect_at = charset_at + len(charset)
        charstrings_at = fdselect_at + len(fd_select)
        fdarray_at = charstrings_at + len(charstrings)

        def font_dicts(private_at: int) -> tuple[bytes, list[int]]:
            dicts, positions, at = [], [], private_at
            for private in privates:
                dicts.append(_offset(len(private)) + _offset(at) + b"\x12")  # Private [size offset]
                positions.append(at)
                at += len(private)
            return _index(dicts), positions

        fdarray_size = len(font_dicts(0)[0])
        fdarray, _ = font_dicts(fdarray_at + fdarray_size)
        top_index = _index([top_dict(charset_at, fdselect_at, charstrings_at, fdarray_at)])
        return b"".join([header, name_index, top_index, string_index, global_subrs, charset, fd_select,
                         charstrings, fdarray, *privates])
