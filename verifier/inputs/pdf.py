"""Reading HPF1 certificates out of a PDF (the PDF part of :mod:`verifier.inputs`).

Pages are rendered with PDFium and scanned like images; attachments and the information dictionary
are searched for an embedded ``HPF1:`` string (see :mod:`verifier.inputs` for what is read).

A PDF is untrusted input and cheap to make expensive (nested form XObjects, a decompression bomb as
attachment or image). This module refuses what it can see in advance, before anything is decoded:

* an image placed on a page whose declared size is above :data:`MAX_PDF_IMAGE_PIXELS` (PDFium would
  decode all of it to draw it, however small it is drawn) makes the file ``TOO_COMPLEX``;
* an attachment is read from its raw (still compressed) stream with pikepdf and inflated with a
  bound (:data:`verifier.inputs.MAX_ATTACHMENT_BYTES`): a bigger one is skipped (it cannot be a
  certificate file), never decoded in full; filters other than Flate are not decoded at all.

What cannot be seen in advance (e.g. forms drawing forms, exponentially) is bounded by running this
in a worker process with memory, CPU and wall-clock limits (:mod:`verifier.sandbox`).

PDFium is not thread-safe: within one process the PDFium calls are serialised on a module lock. In
the services every PDF is read in its own worker process, so no lock is shared between uploads.
"""

from __future__ import annotations

import io
import re
import threading
import zlib
from typing import Any, Final

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image

from verifier.inputs.images import _scan_gray, _to_gray
from verifier.inputs.limits import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_IMAGE_OBJECTS_CHECKED,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    MAX_PDF_IMAGE_PIXELS,
    MAX_PDF_PAGES,
    METADATA_KEYS,
    PDF_MAX_PAGE_PIXELS,
    PDF_RENDER_DPI,
    PDF_SMALL_PAGE_MAX_DPI,
)
from verifier.inputs.messages import _error
from verifier.inputs.results import InputScan, _finish, _Found
from verifier.inputs.sniffing import _as_text

__all__ = ["scan_pdf"]

# Base45 alphabet (RFC 9285). Used to cut an HPF1 string out of surrounding text (attachments,
# metadata). A valid base45 string never ends in a space, so trailing spaces are dropped.
_HPF1_IN_TEXT: Final = re.compile(r"HPF1:[0-9A-Z $%*+\-./:]+")


_PDFIUM_LOCK: Final = threading.Lock()


def scan_pdf(data: bytes, filename: str | None) -> InputScan:
    found = _Found()
    with _PDFIUM_LOCK:
        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
                raise _error("ENCRYPTED", filename) from exc
            raise _error("CORRUPT", filename, what="pdf") from exc
    try:
        with _PDFIUM_LOCK:
            pages_total = len(pdf)
            embedded = _metadata_strings(pdf)
        embedded = _attachment_strings(data) + embedded
        pages_scanned = min(pages_total, MAX_PDF_PAGES)
        rendered_any = False
        for index in range(pages_scanned):
            page_no = index + 1
            with _PDFIUM_LOCK:
                if _has_oversized_image(pdf, index):
                    raise _error("TOO_COMPLEX", filename, what="pdf")
                bitmap = _render_page(pdf, index)
            if bitmap is None:
                continue
            rendered_any = True
            try:
                decoded = _scan_gray(bitmap.to_pil(), found, "pdf-page", page_no, whole_image_retry=False)
            finally:
                with _PDFIUM_LOCK:
                    bitmap.close()
            if not decoded:
                for image in _page_images(pdf, index):
                    _scan_gray(image, found, "pdf-page", page_no)
        for text in embedded:
            found.add(text, "pdf-embedded", None)
        if pages_scanned and not rendered_any and not found.codes:
            raise _error("CORRUPT", filename, what="pdf")
        return _finish(found, "pdf", filename, pages_total=pages_total, pages_scanned=pages_scanned)
    finally:
        with _PDFIUM_LOCK:
            pdf.close()


def _has_oversized_image(pdf: pypdfium2.PdfDocument, index: int) -> bool:
    """True if the page places an image whose declared size is above the cap (read from the image
    dictionary, nothing decoded). Caller holds the lock."""
    try:
        page = pdf[index]
    except (pypdfium2.PdfiumError, IndexError):
        return False
    try:
        for n, obj in enumerate(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3)):
            if n >= MAX_IMAGE_OBJECTS_CHECKED:
                return True
            try:
                w, h = obj.get_px_size()
            except (pypdfium2.PdfiumError, ValueError):
                continue
            if w * h > MAX_PDF_IMAGE_PIXELS or max(w, h) > MAX_IMAGE_SIDE:
                return True
        return False
    finally:
        page.close()


def _render_page(pdf: pypdfium2.PdfDocument, index: int) -> pypdfium2.PdfBitmap | None:
    """Render one page in greyscale, or None if PDFium cannot. Caller holds the lock."""
    try:
        page = pdf[index]
    except (pypdfium2.PdfiumError, IndexError):
        return None
    try:
        width_pt, height_pt = page.get_size()
        if not (width_pt > 0 and height_pt > 0):
            return None
        dpi: float = PDF_RENDER_DPI
        a4_area_pt = 595.0 * 842.0
        if width_pt * height_pt < a4_area_pt / 2:  # small page: render finer, up to the cap below
            dpi = min(PDF_SMALL_PAGE_MAX_DPI, PDF_RENDER_DPI * (a4_area_pt / (width_pt * height_pt)) ** 0.5)
        scale = dpi / 72.0
        pixels = width_pt * height_pt * scale * scale
        if pixels > PDF_MAX_PAGE_PIXELS:
            scale *= (PDF_MAX_PAGE_PIXELS / pixels) ** 0.5
        scale = min(scale, MAX_IMAGE_SIDE / max(width_pt, height_pt))
        if min(width_pt, height_pt) * scale < 21:  # a sliver: nothing a QR could fit in
            return None
        return page.render(scale=scale, grayscale=True, may_draw_forms=False)
    except (pypdfium2.PdfiumError, ValueError, OverflowError, MemoryError):
        return None
    finally:
        page.close()


def _page_images(pdf: pypdfium2.PdfDocument, index: int) -> list[Image.Image]:
    """The raster images placed on a page, at their own resolution, as greyscale copies."""
    images: list[Image.Image] = []
    with _PDFIUM_LOCK:
        try:
            page = pdf[index]
        except (pypdfium2.PdfiumError, IndexError):
            return images
        try:
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
                if len(images) >= 8:
                    break
                try:
                    w, h = obj.get_px_size()
                    if min(w, h) < 21 or w * h > MAX_IMAGE_PIXELS or max(w, h) > MAX_IMAGE_SIDE:
                        continue
                    bitmap = obj.get_bitmap(render=False)  # PDFium-owned buffer: copy, then free
                    try:
                        images.append(_to_gray(bitmap.to_pil()).copy())
                    finally:
                        bitmap.warn_on_close = False
                        bitmap.close()
                except (pypdfium2.PdfiumError, ValueError, OSError):
                    continue
        finally:
            page.close()
    return images


def _metadata_strings(pdf: pypdfium2.PdfDocument) -> list[str]:
    """HPF1 strings in the information dictionary. Caller holds the lock."""
    out: list[str] = []
    for key in METADATA_KEYS:
        try:
            value = pdf.get_metadata_value(key)
        except (pypdfium2.PdfiumError, UnicodeDecodeError, ValueError):
            continue
        if value:
            out.extend(_hpf1_in(value))
    return out


def _attachment_strings(data: bytes) -> list[str]:
    """HPF1 strings in the PDF's attached files, each read with a bound (see the module doc)."""
    import pikepdf  # noqa: PLC0415 -- only PDFs need it

    out: list[str] = []
    try:
        with pikepdf.open(io.BytesIO(data)) as doc:
            for n, spec in enumerate(doc.attachments.values()):
                if n >= MAX_ATTACHMENTS:
                    break
                raw = _bounded_attachment(spec.obj)
                text = _as_text(raw) if raw else None
                if text:
                    out.extend(_hpf1_in(text))
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, TypeError, KeyError, AttributeError,
            RuntimeError, zlib.error):
        return out
    return out


def _bounded_attachment(filespec: Any) -> bytes | None:
    """The content of one embedded file if it decodes to at most MAX_ATTACHMENT_BYTES, else None.

    Only unfiltered and Flate streams (without predictors) are decoded, layer by layer, each layer
    inflated to at most the cap: a bomb costs at most a few MB of work."""
    import pikepdf  # noqa: PLC0415 — pikepdf (QPDF) loads only when a PDF carries an attachment

    ef = filespec.get("/EF")
    if not isinstance(ef, pikepdf.Dictionary):
        return None
    stream = ef.get("/UF") or ef.get("/F")
    if not isinstance(stream, pikepdf.Stream):
        return None
    filters = stream.get("/Filter")
    if filters is None:
        names: list[str] = []
    elif isinstance(filters, pikepdf.Name):
        names = [str(filters)]
    elif isinstance(filters, pikepdf.Array):
        names = [str(f) for f in filters]
    else:
        return None
    if any(n not in ("/FlateDecode", "/Fl") for n in names) or stream.get("/DecodeParms") is not None:
        return None
    raw = stream.read_raw_bytes()
    if not names and len(raw) > MAX_ATTACHMENT_BYTES:
        return None
    for _ in names:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(raw, MAX_ATTACHMENT_BYTES + 1)
        if len(raw) > MAX_ATTACHMENT_BYTES:
            return None
    return raw or None


def _hpf1_in(text: str) -> list[str]:
    return [m.group(0).rstrip(" ") for m in _HPF1_IN_TEXT.finditer(text)]
