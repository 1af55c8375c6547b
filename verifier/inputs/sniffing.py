"""What an input is, from its content (magic bytes), never from its file name."""

from __future__ import annotations

import codecs
from typing import Final

_PIL_FORMATS: Final = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP", "gif": "GIF", "bmp": "BMP"}
_UNSUPPORTED_NAMES: Final = {
    "tiff": "a TIFF image",
    "heic": "a HEIC/HEIF photo",
    "avif": "an AVIF image",
    "zip": "a ZIP archive or Office document",
    "ole": "an old Office document",
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

