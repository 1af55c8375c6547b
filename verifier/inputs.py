"""Turn what a loan officer hands us into HPF1 certificate strings.

A certificate lives entirely in a QR code holding ``HPF1:`` followed by base45 characters
(docs/design.md §3). People bring it in many shapes; :func:`read_input` accepts all of the
following, detected from the content (magic bytes), never from the file name:

* **Text** -- a ``str``, or ``bytes`` that decode as UTF-8 / UTF-16 with BOM, which after stripping
  surrounding whitespace starts with ``HPF1:``. It is returned as is (stripped; stripping is safe
  because a valid base45 string can never end in a space).
* **Images** -- PNG, JPEG, WebP, GIF (first frame) and BMP. Every QR code in the picture is decoded with
  zxing-cpp (any orientation, inverted, downscaled). The picture is turned into 8-bit greyscale once
  (JPEG: luminance decoded directly; transparency flattened onto white; 16-bit greyscale reduced).
  A fast pass runs first (a clean PNG of one QR: 1-2 ms); only when it finds nothing, or locates a
  QR it cannot decode, slower passes try harder: global-histogram binariser, unsharp mask, 2x
  upscale + unsharp mask, contrast stretch -- first on the regions where a QR was located but not
  decoded, then on the whole image, within :data:`SLOW_PASS_BUDGET_S` per input.
* **PDF** -- the first :data:`MAX_PDF_PAGES` pages are rendered in greyscale at :data:`PDF_RENDER_DPI`
  (small pages at up to :data:`PDF_SMALL_PAGE_MAX_DPI`, huge pages scaled down to at most
  :data:`PDF_MAX_PAGE_PIXELS`) and scanned like images (slow passes only where a QR was located);
  when a page yields no QR, the raster images placed on it are extracted at their native resolution
  and scanned with every pass. In addition an *embedded payload* is read: any ``HPF1:...`` string in
  a file attachment (embedded file of at most :data:`MAX_ATTACHMENT_BYTES`, UTF-8 text such as
  ``certificate.hpf1``, or e.g. a JSON document containing the string) and in the document
  information dictionary under the keys ``HPF1`` (custom key), ``Subject``, ``Keywords`` or
  ``Title``. XMP metadata, form fields and annotations are not read. Password-protected PDFs are
  refused.
* **Limits** -- :data:`MAX_INPUT_BYTES` per input; images up to :data:`MAX_IMAGE_PIXELS` and
  :data:`MAX_IMAGE_SIDE` pixels a side, checked from the header before any pixel is decoded (larger
  JPEGs, e.g. from 50 MP phone cameras, are decoded at 1/2 or 1/4 scale instead).

Results are :class:`FoundCode` values in discovery order (PDF: pages in order, then attachments, then
metadata), with identical strings reported once (the first occurrence wins). QR codes whose text is
not an HPF1 certificate (a payment code, a web link) are ignored but counted
(:attr:`InputScan.ignored`). This module does not verify anything: a string that starts with ``HPF1:``
may still be malformed, and that is for the verification pipeline to say.

Failures raise :class:`UnreadableInput` with a stable :attr:`UnreadableInput.kind`, a one-sentence
English message and its Chinese version :attr:`UnreadableInput.message_zh`.

The PDF part lives in :mod:`verifier.pdf`. Services and the CLI never call this module directly on an
upload: :mod:`verifier.sandbox` runs it in a worker process with memory, CPU and wall-clock limits, so
one hostile file (PDF or image) costs at most a fixed budget (``TOO_COMPLEX`` beyond it).
"""

from __future__ import annotations

import codecs
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from struct import error as struct_error  # raised by some truncated headers in Pillow's plugins
from typing import ClassVar, Final, Literal

import zxingcpp
from PIL import Image, ImageFilter, ImageOps

from verifier.errors import HpfVerifierError

__all__ = [
    "FoundCode",
    "InputScan",
    "UnreadableInput",
    "read_input",
    "scan_input",
    "MAX_INPUT_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_PDF_PAGES",
    "UNREADABLE_KINDS",
]

PREFIX: Final = "HPF1:"

MAX_INPUT_BYTES: Final = 20 * 1024 * 1024
"""Largest input accepted (bytes, or characters for text)."""
MAX_IMAGE_PIXELS: Final = 40_000_000
"""Largest image decoded (width x height), checked from the header before decoding pixels. Larger
JPEGs (48/50 MP phone cameras) are decoded at 1/2 or 1/4 scale when that brings them under it."""
MAX_IMAGE_SIDE: Final = 30_000
"""Longest side accepted (the decoder's own hard limit is 65535)."""
MAX_PDF_PAGES: Final = 20
"""Only the first pages of a PDF are scanned; a certificate is one or two pages."""
PDF_RENDER_DPI: Final = 200
"""A 40 mm version-24 QR gets ~2.6 px per module: comfortably above what the decoder needs."""
PDF_SMALL_PAGE_MAX_DPI: Final = 400
"""Pages smaller than A4 (e.g. a PDF holding just the QR) are rendered finer, up to this."""
PDF_MAX_PAGE_PIXELS: Final = 16_000_000
"""Upper bound on the pixels of one rendered page (huge page boxes are rendered coarser)."""
MAX_ATTACHMENT_BYTES: Final = 1024 * 1024
MAX_ATTACHMENTS: Final = 32
METADATA_KEYS: Final = ("HPF1", "Subject", "Keywords", "Title")

SLOW_PASS_BUDGET_S: Final = 2.0
"""Wall-clock budget for all slow (retry) passes on one input; fast passes always run."""
UPSCALE_MAX_PIXELS: Final = 3_000_000
"""Regions up to this size are also tried upscaled 2x (a blurred or coarse 150 dpi scan needs it)."""
SLOW_PASS_MAX_PIXELS: Final = 12_000_000
"""Larger images are reduced to about this size for the whole-image slow passes."""
MAX_RETRY_REGIONS: Final = 4

Source = Literal["text", "image", "pdf-page", "pdf-embedded"]

# Base45 alphabet (RFC 9285). Used to cut an HPF1 string out of surrounding text (attachments,
# metadata). A valid base45 string never ends in a space, so trailing spaces are dropped.
_HPF1_IN_TEXT: Final = re.compile(r"HPF1:[0-9A-Z $%*+\-./:]+")

_QR: Final = zxingcpp.BarcodeFormat.QRCode
_Box = tuple[int, int, int, int]  # left, top, right, bottom


# --------------------------------------------------------------------------------------------------
# Public types


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


class UnreadableInput(HpfVerifierError):
    """The input holds no readable HPF1 certificate.

    ``kind`` is one of :data:`UNREADABLE_KINDS`; ``message`` is one English sentence and
    ``message_zh`` the same in Chinese."""

    kind: str
    message: str
    message_zh: str
    filename: str | None
    ignored: int

    def __init__(
        self, kind: str, message: str, message_zh: str, *, filename: str | None = None, ignored: int = 0
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.message_zh = message_zh
        self.filename = filename
        self.ignored = ignored

    def __str__(self) -> str:
        return self.message


UNREADABLE_KINDS: Final = (
    "EMPTY",  # nothing was given
    "TOO_LARGE",  # over MAX_INPUT_BYTES or MAX_IMAGE_PIXELS
    "UNKNOWN_TYPE",  # neither HPF1 text, nor a supported image, nor a PDF
    "CORRUPT",  # looks like an image/PDF but cannot be decoded
    "ENCRYPTED",  # password-protected PDF
    "NO_QR_CODE",  # decoded fine, but no QR code in it
    "QR_UNREADABLE",  # a QR code was located but could not be decoded
    "NOT_CERTIFICATE",  # QR codes / text found, none is an HPF1 certificate
    "TOO_COMPLEX",  # reading it would cost more than one file's budget (time, memory, decompressed size)
)


# --------------------------------------------------------------------------------------------------
# Entry points


def read_input(data: bytes | bytearray | memoryview | str, *, filename: str | None = None) -> list[FoundCode]:
    """The HPF1 strings in `data` (text, image or PDF), deduplicated, in discovery order.

    Raises :class:`UnreadableInput` when there is none. `filename` is used in messages only."""
    return list(scan_input(data, filename=filename).codes)


def scan_input(data: bytes | bytearray | memoryview | str, *, filename: str | None = None) -> InputScan:
    """Like :func:`read_input`, with counts of ignored and undecodable QR codes and pages scanned."""
    if isinstance(data, str):
        return _scan_text(data, filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"read_input() takes bytes or str, not {type(data).__name__}")
    data = bytes(data) if not isinstance(data, bytes) else data
    if not data:
        raise _error("EMPTY", filename)
    if len(data) > MAX_INPUT_BYTES:
        raise _error("TOO_LARGE", filename, size=len(data))
    kind = _sniff(data)
    if kind == "pdf":
        from verifier.pdf import scan_pdf  # noqa: PLC0415 -- pdf.py builds on this module

        return scan_pdf(data, filename)
    if kind in _PIL_FORMATS:
        return _scan_image_bytes(data, kind, filename)
    text = _as_text(data)
    if text is not None:
        return _scan_text(text, filename)
    raise _error("UNKNOWN_TYPE", filename, known=_UNSUPPORTED_NAMES.get(kind or ""))


# --------------------------------------------------------------------------------------------------
# Type detection


_PIL_FORMATS: Final = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP"}
_UNSUPPORTED_NAMES: Final = {
    "tiff": "a TIFF image",
    "heic": "a HEIC/HEIF photo",
    "avif": "an AVIF image",
    "zip": "a ZIP archive or Office document",
    "ole": "an old Office document",
}
_UNSUPPORTED_ZH: Final = {
    "a TIFF image": "TIFF 图片",
    "a HEIC/HEIF photo": "HEIC/HEIF 照片",
    "an AVIF image": "AVIF 图片",
    "a ZIP archive or Office document": "ZIP 压缩包或 Office 文档",
    "an old Office document": "旧版 Office 文档",
}
_BMP_HEADER_SIZES: Final = frozenset({12, 16, 40, 52, 56, 64, 108, 124})


def _sniff(data: bytes) -> str | None:
    """File type from magic bytes."""
    head = data[:32]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if (
        head.startswith(b"BM")
        and len(head) >= 18
        and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES
    ):
        return "bmp"
    # PDF readers accept the header anywhere in the first 1024 bytes (some generators prepend junk).
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand == b"avif":
            return "avif"
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "heic"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return None


def _as_text(data: bytes) -> str | None:
    """`data` as text if it is UTF-8 (optionally with BOM) or UTF-16 with BOM, else None."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    # Control characters other than whitespace mean binary data that happens to be valid UTF-8.
    if any(ord(c) < 32 and c not in "\t\n\r\f\v" for c in text[:4096]):
        return None
    return text


# --------------------------------------------------------------------------------------------------
# Text


def _scan_text(text: str, filename: str | None) -> InputScan:
    if len(text) > MAX_INPUT_BYTES:
        raise _error("TOO_LARGE", filename, size=len(text))
    stripped = text.strip()
    if not stripped:
        raise _error("EMPTY", filename)
    if stripped.startswith(PREFIX):
        return InputScan(codes=(FoundCode(stripped, "text", None),), kind="text")
    raise _error("NOT_CERTIFICATE", filename, what="text")


# --------------------------------------------------------------------------------------------------
# Collecting results


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
            **extra,  # type: ignore[arg-type]
        )
    what = "PDF" if kind == "pdf" else "image"
    if found.ignored:
        raise _error("NOT_CERTIFICATE", filename, what=what, ignored=len(found.ignored))
    if found.undecodable:
        raise _error("QR_UNREADABLE", filename, what=what)
    raise _error(
        "NO_QR_CODE", filename, what=what, pages=extra.get("pages_scanned"), pages_total=extra.get("pages_total")
    )


# --------------------------------------------------------------------------------------------------
# Images


def _scan_image_bytes(data: bytes, kind: str, filename: str | None) -> InputScan:
    gray = _open_gray(data, _PIL_FORMATS[kind], filename)
    found = _Found()
    _scan_gray(gray, found, "image", None)
    return _finish(found, "image", filename)


def _open_gray(data: bytes, pil_format: str, filename: str | None) -> Image.Image:
    """Decode an image into one 8-bit greyscale ('L') image, refusing oversized ones before decoding."""
    try:
        with Image.open(io.BytesIO(data), formats=[pil_format]) as im:
            width, height = im.size
            if pil_format == "JPEG":
                # Decode luminance only (no colour conversion). Photos from 48/50 MP phone cameras are
                # decoded at 1/2 or 1/4 scale by the JPEG decoder itself (DCT scaling: cheap, and the
                # full-size pixels never exist in memory).
                reduce = 1
                while width * height > MAX_IMAGE_PIXELS * reduce * reduce and reduce < 4:
                    reduce *= 2
                im.draft("L", (-(-width // reduce), -(-height // reduce)))
                width, height = im.size
            if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
                raise _error("TOO_LARGE", filename, pixels=width * height)
            if width < 21 or height < 21:  # smaller than the smallest QR code, even at 1 px/module
                raise _error("NO_QR_CODE", filename, what="image")
            im.load()
            return _to_gray(im)
    except UnreadableInput:
        raise
    except Image.DecompressionBombError:
        raise _error("TOO_LARGE", filename, pixels=None) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, struct_error) as exc:
        raise _error("CORRUPT", filename, what=pil_format.lower()) from exc


def _to_gray(im: Image.Image) -> Image.Image:
    """`im` as mode 'L' with one conversion; transparency is flattened onto white paper."""
    mode = im.mode
    if mode == "L":
        return im
    if mode == "PA" or (mode == "P" and "transparency" in im.info):
        im, mode = im.convert("RGBA"), "RGBA"
    if mode in ("RGBA", "LA"):
        alpha = im.getchannel("A")
        lum = im.convert("L")
        if alpha.getextrema() == (255, 255):
            return lum
        paper = Image.new("L", im.size, 255)
        paper.paste(lum, mask=alpha)
        return paper
    if mode.startswith("I;16") or mode in ("I", "F"):
        if mode.startswith("I;16"):
            im = im.convert("I")
        _, high = im.getextrema()
        scale = 255.0 / high if high and high > 255 else 1.0  # 16-bit data, or 8-bit data in 'I'
        return im.point(lambda v: v * scale).convert("L")
    try:
        return im.convert("L")
    except ValueError:  # modes without a direct path to 'L' (e.g. CMYK in some builds)
        return im.convert("RGB").convert("L")


def _zx(im: Image.Image, binarizer: zxingcpp.Binarizer | None = None) -> list[zxingcpp.Barcode]:
    if binarizer is None:
        return zxingcpp.read_barcodes(im, formats=_QR, text_mode=zxingcpp.TextMode.Plain, return_errors=True)
    return zxingcpp.read_barcodes(
        im, formats=_QR, text_mode=zxingcpp.TextMode.Plain, return_errors=True, binarizer=binarizer
    )


def _scan_gray(
    gray: Image.Image, found: _Found, source: Source, page: int | None, *, whole_image_retry: bool = True
) -> bool:
    """Find every QR code in a greyscale image, recording its text in `found`.

    True if at least one QR code (of any content) was decoded. `whole_image_retry=False` limits the
    slow passes to regions where a QR was located (used for rendered PDF pages, whose raster images
    get the full treatment separately)."""
    if min(gray.size) < 21 or max(gray.size) > MAX_IMAGE_SIDE:
        return False
    barcodes = _zx(gray)
    decoded = False
    failed: list[_Box] = []
    strong: list[_Box] = []  # format and version read, only the data failed
    for bc in barcodes:
        if bc.valid:
            found.add(bc.text, source, page)
            decoded = True
        else:
            box = _bbox(bc.position)
            failed.append(box)
            if bc.error.type == zxingcpp.ErrorType.Checksum:
                strong.append(box)
    if decoded and not strong:
        return True  # the fast path: one call into zxing

    # Slow passes. First the regions where a QR was located but not decoded (small crops: cheap),
    # then, if nothing at all was decoded, the whole image. Once something decoded, only regions
    # with a real QR (checksum failure) are retried, not every finder-pattern look-alike.
    deadline = found.deadline()
    decoded_by_fast_pass = decoded
    unrecovered = 0
    suspects = strong if decoded else strong + [box for box in failed if box not in strong]
    for box in _merge_boxes(suspects, gray.size)[:MAX_RETRY_REGIONS]:
        if _retry(gray.crop(box), found, source, page, deadline):
            decoded = True
        elif any(_inside(s, box) for s in strong):
            unrecovered += 1
    if not decoded and whole_image_retry:
        whole = gray
        if whole.width * whole.height > SLOW_PASS_MAX_PIXELS:
            factor = (SLOW_PASS_MAX_PIXELS / (whole.width * whole.height)) ** 0.5
            whole = whole.resize(
                (max(1, int(whole.width * factor)), max(1, int(whole.height * factor))), Image.Resampling.BOX
            )
        decoded = _retry(whole, found, source, page, deadline)
    if decoded_by_fast_pass or not decoded:
        # A located QR stayed unreadable (beside others that were read, or on its own).
        found.undecodable += unrecovered
    return decoded


def _inside(inner: _Box, outer: _Box) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def _retry(im: Image.Image, found: _Found, source: Source, page: int | None, deadline: float) -> bool:
    """Try harder variants of `im` until one decodes a QR code or the time budget is spent."""
    if time.perf_counter() > deadline:
        return False
    for variant, binarizer in _variants(im):
        ok = False
        for bc in _zx(variant, binarizer):
            if bc.valid:
                found.add(bc.text, source, page)
                ok = True
        if ok:
            return True
        if time.perf_counter() > deadline:
            return False
    return False


def _variants(im: Image.Image) -> Iterator[tuple[Image.Image, zxingcpp.Binarizer | None]]:
    """Progressively more expensive rescues, ordered by how often they help per millisecond.

    Measured on fabricated scans/photos of a 40 mm version-22..24 QR: sharpening rescues mild blur
    and JPEG smear; 2x upscaling + sharpening rescues 150 dpi scans whose modules are ~2 px and
    blurred (the decoder's sampling grid needs more than 2 px per module once edges are soft); the
    global-histogram binariser rescues strong perspective; contrast stretching, dark/low-contrast
    pictures."""
    yield im, zxingcpp.Binarizer.GlobalHistogram
    sharp = im.filter(ImageFilter.UnsharpMask(radius=2, percent=200, threshold=0))
    yield sharp, None
    if im.width * im.height <= UPSCALE_MAX_PIXELS:
        big = im.resize((im.width * 2, im.height * 2), Image.Resampling.BICUBIC)
        big = big.filter(ImageFilter.UnsharpMask(radius=2, percent=250, threshold=0))
        yield big, None
        yield big, zxingcpp.Binarizer.GlobalHistogram
    yield ImageOps.autocontrast(sharp, cutoff=1), None
    yield im.filter(ImageFilter.UnsharpMask(radius=1, percent=300, threshold=0)), None


def _bbox(pos: zxingcpp.Position) -> _Box:
    xs = (pos.top_left.x, pos.top_right.x, pos.bottom_left.x, pos.bottom_right.x)
    ys = (pos.top_left.y, pos.top_right.y, pos.bottom_left.y, pos.bottom_right.y)
    return min(xs), min(ys), max(xs), max(ys)


def _merge_boxes(boxes: list[_Box], size: tuple[int, int]) -> list[_Box]:
    """Pad each box by 25% of its size (the quiet zone and some context), clip, merge overlaps."""
    padded: list[list[int]] = []
    width, height = size
    for x0, y0, x1, y1 in boxes:
        pad = max(16, (max(x1 - x0, y1 - y0) * 25) // 100)
        box = [max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)]
        if box[2] - box[0] < 21 or box[3] - box[1] < 21:
            continue
        for other in padded:
            if box[0] < other[2] and other[0] < box[2] and box[1] < other[3] and other[1] < box[3]:
                other[:] = [min(box[0], other[0]), min(box[1], other[1]),
                            max(box[2], other[2]), max(box[3], other[3])]
                break
        else:
            padded.append(box)
    return [(b[0], b[1], b[2], b[3]) for b in padded]


# --------------------------------------------------------------------------------------------------
# Messages


_WHAT_EN: Final = {"image": "image", "pdf": "PDF", "text": "text", "png": "PNG image", "jpeg": "JPEG image",
                   "webp": "WebP image", "gif": "GIF image", "bmp": "BMP image"}
_WHAT_ZH: Final = {"image": "图片", "pdf": "PDF 文件", "text": "文本", "png": "PNG 图片", "jpeg": "JPEG 图片",
                   "webp": "WebP 图片", "gif": "GIF 图片", "bmp": "BMP 图片"}
_SUPPORTED_EN: Final = 'a PNG, JPEG, WebP, GIF or BMP image, a PDF, or the text starting with "HPF1:"'
_SUPPORTED_ZH: Final = "PNG、JPEG、WebP、GIF 或 BMP 图片、PDF 文件，或以“HPF1:”开头的文本"


def _error(
    kind: str,
    filename: str | None,
    *,
    what: str = "file",
    size: int | None = None,
    pixels: int | None = None,
    ignored: int = 0,
    known: str | None = None,
    pages: int | None = None,
    pages_total: int | None = None,
) -> UnreadableInput:
    """The UnreadableInput for `kind`, with its English and Chinese sentence."""
    name = f' "{filename}"' if filename else ""
    name_zh = f"“{filename}”" if filename else ""
    what_en = _WHAT_EN.get(what.lower(), "file")
    what_zh = _WHAT_ZH.get(what.lower(), "文件")
    if kind == "EMPTY":
        en, zh = f"The input{name} is empty.", f"输入内容{name_zh}为空。"
    elif kind == "TOO_LARGE" and size is not None and pixels is None:
        mb, limit = size / 1048576, MAX_INPUT_BYTES // 1048576
        en = f"The input{name} is too large ({mb:.1f} MB; the limit is {limit} MB)."
        zh = f"输入内容{name_zh}过大（{mb:.1f} MB，上限 {limit} MB）。"
    elif kind == "TOO_LARGE":
        mp, side = MAX_IMAGE_PIXELS // 1_000_000, MAX_IMAGE_SIDE
        en = (
            f"The image{name} is too large (the limit is {mp} megapixels and {side} pixels a side); "
            "please provide a smaller picture."
        )
        zh = f"图片{name_zh}过大（上限为 {mp} 百万像素、单边 {side} 像素），请提供较小的图片。"
    elif kind == "UNKNOWN_TYPE" and known:
        en = f"The file{name} is {known}, which is not supported; please provide {_SUPPORTED_EN}."
        zh = f"不支持该文件{name_zh}的格式（{_UNSUPPORTED_ZH.get(known, known)}），请提供{_SUPPORTED_ZH}。"
    elif kind == "UNKNOWN_TYPE":
        en = f"The type of the file{name} is not supported; please provide {_SUPPORTED_EN}."
        zh = f"不支持该文件{name_zh}的格式，请提供{_SUPPORTED_ZH}。"
    elif kind == "CORRUPT":
        en = f"The {what_en}{name} is damaged or incomplete and cannot be opened."
        zh = f"{what_zh}{name_zh}已损坏或不完整，无法打开。"
    elif kind == "ENCRYPTED":
        en = f"The PDF{name} is password-protected; please provide an unprotected copy."
        zh = f"PDF 文件{name_zh}受密码保护，请提供未加密的文件。"
    elif kind == "NO_QR_CODE" and pages and pages_total and pages_total > pages:
        en = f"No QR code was found in the first {pages} of the {pages_total} pages of the {what_en}{name}."
        zh = f"{what_zh}{name_zh}共 {pages_total} 页，前 {pages} 页中未找到二维码。"
    elif kind == "NO_QR_CODE" and pages:
        plural = "s" if pages != 1 else ""
        en = f"No QR code was found in the {what_en}{name} ({pages} page{plural} scanned)."
        zh = f"{what_zh}{name_zh}中未找到二维码（已检查 {pages} 页）。"
    elif kind == "NO_QR_CODE":
        en = f"No QR code was found in the {what_en}{name}."
        zh = f"{what_zh}{name_zh}中未找到二维码。"
    elif kind == "QR_UNREADABLE":
        en = (
            f"A QR code was found in the {what_en}{name} but could not be decoded; "
            "please provide a sharper, closer scan or photo."
        )
        zh = f"{what_zh}{name_zh}中发现二维码但无法识别，请提供更清晰、更近距离的扫描件或照片。"
    elif kind == "NOT_CERTIFICATE" and what == "text":
        en = f'The text{name} is not a provident-fund certificate (it must start with "HPF1:").'
        zh = f"文本{name_zh}不是公积金缴存证明（应以“HPF1:”开头）。"
    elif kind == "NOT_CERTIFICATE" and ignored == 1:
        en = f"The QR code in the {what_en}{name} is not a provident-fund certificate."
        zh = f"{what_zh}{name_zh}中的二维码不是公积金缴存证明。"
    elif kind == "NOT_CERTIFICATE":
        en = f"The {what_en}{name} holds {ignored} QR codes, but none is a provident-fund certificate."
        zh = f"{what_zh}{name_zh}中有 {ignored} 个二维码，但都不是公积金缴存证明。"
    elif kind == "TOO_COMPLEX":
        en = (f"The {what_en}{name} is too complex to read safely (it exceeds the time or memory allowed "
              "for one file); please provide a simpler scan or the certificate text.")
        zh = f"{what_zh}{name_zh}过于复杂，超出单个文件允许的时间或内存，请提供更简单的扫描件或证明文本。"
    else:  # pragma: no cover - programming error
        raise AssertionError(kind)
    return UnreadableInput(kind, en, zh, filename=filename, ignored=ignored)
