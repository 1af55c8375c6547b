"""The limits on one input: bytes, pixels, pages, attachments and the time spent on retries."""

from __future__ import annotations

from typing import Final

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

MAX_PDF_IMAGE_PIXELS: Final = MAX_IMAGE_PIXELS
"""Largest image (declared width x height) a page may place; a bigger one makes the PDF TOO_COMPLEX."""
MAX_IMAGE_OBJECTS_CHECKED: Final = 2000
"""The pre-render check looks at this many image objects per page (nested forms included)."""
