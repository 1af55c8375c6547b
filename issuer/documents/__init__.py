"""The documents a fund centre hands out for one certificate: a PDF and a PNG of the QR code.

Both are rendered on demand from the stored HPF1 text (docs/design.md §3: the PDF carries the
same text), so a re-download is byte-identical:

* :func:`render_pdf` (pdf.py) -- an A4 page in Chinese (page.py; the table's rows in rows.py, a
  minimal certificate's rows in minimal.py): title, issuing centre,
  certificate number, every field of the certificate in a table, the QR code of the whole HPF1 text
  (qr.py: error level Q, drawn as vector rectangles, 46 mm wide), how to verify, and a drawn red
  round seal. The Noto CJK font is embedded as a subset (pdf_fonts.py, issuer/fonts.py). The HPF1
  text is also embedded, so a verifier finds it without rendering the page (verifier/inputs/pdf.py): in
  the document information dictionary under the key ``/HPF1`` and as the attached file
  ``certificate.hpf1``. With a signer ``(certificate, private key, chain)`` (issuer/pki.py) the
  PDF is signed, PAdES B-B (signing.py, pyHanko, no timestamp: offline), so a PDF reader shows
  which centre signed it.
* :func:`render_qr_png` (png.py) -- the QR code as a PNG, pixel-exact, with the certificate number
  under it.

Values are written as verifier/labels.py writes them (money, rates, statuses, Beijing times).

Determinism: nothing depends on the clock or on randomness. Dates in the file (creation date,
signing time ``/M``) are the certificate's issued-at; the PDF ``/ID`` is a hash of the text; the
signature is RSA PKCS#1 v1.5 (or deterministic ECDSA, RFC 6979), both deterministic. The same
text, centre name and signer give the same bytes, signed or not.
"""

from __future__ import annotations

from issuer.documents.page import QR_WIDTH_MM
from issuer.documents.pdf import ATTACHMENT_NAME, METADATA_KEY, preload, render_pdf
from issuer.documents.png import render_qr_png
from issuer.documents.qr import QrSymbol, qr_matrix
from issuer.documents.signing import Signer
from verifier.labels import BEIJING, format_fen, format_rate, format_time

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
