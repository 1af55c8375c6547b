"""Finding QR codes in a picture: decoding it to greyscale within the limits, a fast pass with
zxing-cpp, then slower passes (other binariser, sharpening, upscaling, contrast) on what it missed."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from struct import error as struct_error  # raised by some truncated headers in Pillow's plugins
from typing import Final, cast

import zxingcpp
from PIL import Image, ImageFilter, ImageOps

from verifier.inputs.limits import (
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    MAX_RETRY_REGIONS,
    SLOW_PASS_MAX_PIXELS,
    UPSCALE_MAX_PIXELS,
)
from verifier.inputs.messages import UnreadableInput, _error
from verifier.inputs.results import InputScan, Source, _finish, _Found
from verifier.inputs.sniffing import _PIL_FORMATS

_QR: Final = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_Box = tuple[int, int, int, int]  # left, top, right, bottom


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
        high = cast(float, im.getextrema()[1])  # one band: (low, high)
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
            if bc.error is not None and bc.error.type == zxingcpp.ErrorType.Checksum:
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
