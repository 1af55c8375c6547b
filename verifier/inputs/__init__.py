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

One module a part: :mod:`~verifier.inputs.scan` (the entry points), :mod:`~verifier.inputs.sniffing`
(the type from magic bytes), :mod:`~verifier.inputs.images` (QR codes in pictures),
:mod:`~verifier.inputs.pdf`, :mod:`~verifier.inputs.results`, :mod:`~verifier.inputs.messages` (the
errors and their sentences) and :mod:`~verifier.inputs.limits`; this package re-exports their public
names. Services and the CLI never call this package directly on an upload: :mod:`verifier.sandbox`
runs it in a worker process with memory, CPU and wall-clock limits, so one hostile file (PDF or image)
costs at most a fixed budget (``TOO_COMPLEX`` beyond it).
"""

from verifier.inputs.limits import (
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    MAX_IMAGE_PIXELS,
    MAX_IMAGE_SIDE,
    MAX_INPUT_BYTES,
    MAX_PDF_PAGES,
    MAX_RETRY_REGIONS,
    METADATA_KEYS,
    PDF_MAX_PAGE_PIXELS,
    PDF_RENDER_DPI,
    PDF_SMALL_PAGE_MAX_DPI,
    SLOW_PASS_BUDGET_S,
    SLOW_PASS_MAX_PIXELS,
    UPSCALE_MAX_PIXELS,
)
from verifier.inputs.messages import UNREADABLE_KINDS, UnreadableInput
from verifier.inputs.results import PREFIX, FoundCode, InputScan, Source
from verifier.inputs.scan import read_input, scan_input

__all__ = [
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_IMAGE_SIDE",
    "MAX_INPUT_BYTES",
    "MAX_PDF_PAGES",
    "MAX_RETRY_REGIONS",
    "METADATA_KEYS",
    "PDF_MAX_PAGE_PIXELS",
    "PDF_RENDER_DPI",
    "PDF_SMALL_PAGE_MAX_DPI",
    "PREFIX",
    "SLOW_PASS_BUDGET_S",
    "SLOW_PASS_MAX_PIXELS",
    "UNREADABLE_KINDS",
    "UPSCALE_MAX_PIXELS",
    "FoundCode",
    "InputScan",
    "Source",
    "UnreadableInput",
    "read_input",
    "scan_input",
]
