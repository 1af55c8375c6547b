"""The certificate as an A4 PDF: the page (page.py) with its fonts, the HPF1 text embedded twice --
in the document information dictionary under ``/HPF1`` and as the attached file
``certificate.hpf1`` -- so that a verifier finds it without rendering the page (verifier/inputs/pdf.py),
and, with a signer, the centre's PAdES signature (signing.py)."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime
from typing import Final

from issuer import document_text as words
from issuer.documents.canvas import PAGE_H, PAGE_W, Canvas
from issuer.documents.page import draw_page
from issuer.documents.pdf_fonts import add_font
from issuer.documents.pdf_objects import Name, PdfFile, Raw, Stream
from issuer.documents.qr import qr_matrix
from issuer.documents.signing import Signer, pyhanko_classes, sign_pdf
from issuer.fonts import sans, serif_bold
from verifier import format as fmt
from verifier.disclosure import MinimalCertificate
from verifier.labels import BEIJING

__all__ = ["ATTACHMENT_NAME", "METADATA_KEY", "preload", "render_pdf"]

METADATA_KEY: Final = "HPF1"
"""Key of the document information dictionary holding the HPF1 text (read by verifier/inputs/pdf.py)."""
ATTACHMENT_NAME: Final = "certificate.hpf1"
_PRODUCER: Final = "hpf-trust issuer"


_RENDER_LOCK: Final = threading.Lock()  # the fonts' glyph caches are filled under it


def _pdf_date(unix: int) -> str:
    t = datetime.fromtimestamp(unix, BEIJING)
    return f"D:{t:%Y%m%d%H%M%S}+08'00'"


def _unsigned_pdf(
    text: str, certificate: fmt.Certificate | MinimalCertificate, centre_name: str, extras: words.Extras
) -> bytes:
    symbol = qr_matrix(text)
    with _RENDER_LOCK:
        canvas = Canvas()
        draw_page(canvas, certificate, centre_name, symbol, extras)
        pdf = PdfFile()
        fonts = {use.resource: add_font(pdf, use) for use in (canvas.regular, canvas.bold) if use.used}
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


def render_pdf(
    hpf1_text: str,
    *,
    centre_name: str,
    signer: Signer | None = None,
    verify_url: str | None = None,
    audience_name: str | None = None,
) -> bytes:
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
    return sign_pdf(pdf, signer, certificate, centre_name)


def preload() -> None:
    """Loads the fonts and pyHanko, so that the first request does not wait for them (~1.5 s)."""
    sans()
    serif_bold()
    pyhanko_classes()
