"""The fonts a page used, as PDF objects: a Type0 font over a CIDFontType0 with the subset CFF
(issuer/fonts.py), its widths, and a ToUnicode CMap so that the text can be copied and searched."""

from __future__ import annotations

from typing import Any

from issuer.documents.canvas import FontUse
from issuer.documents.pdf_objects import Name, PdfFile, Ref, Stream

__all__ = ["add_font"]


def _to_unicode(used: dict[int, str]) -> bytes:
    entries = sorted(used.items())
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for start in range(0, len(entries), 100):
        chunk = entries[start : start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines.extend(f"<{cid:04X}> <{char.encode('utf-16-be').hex().upper()}>" for cid, char in chunk)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


def add_font(pdf: PdfFile, use: FontUse) -> Ref:
    font = use.font
    cids = sorted(use.used)
    tag = font.subset_tag(cids)
    base_name = f"{tag}+{font.ps_name}"
    cff = font.subset_cff(cids, base_name)
    font_file = pdf.add(Stream({"Subtype": Name("CIDFontType0C")}, cff))
    descriptor = pdf.add(
        {
            "Type": Name("FontDescriptor"),
            "FontName": Name(base_name),
            "Flags": 4,
            "FontBBox": list(font.bbox),
            "ItalicAngle": 0,
            "Ascent": font.ascent,
            "Descent": font.descent,
            "CapHeight": font.cap_height,
            "StemV": 80,
            "FontFile3": font_file,
        }
    )
    widths: list[Any] = []
    for cid in cids:
        glyph = font.glyph(use.used[cid])
        advance = glyph.advance if glyph else font.notdef.advance
        widths += [cid, [advance]]
    cid_font = pdf.add(
        {
            "Type": Name("Font"),
            "Subtype": Name("CIDFontType0"),
            "BaseFont": Name(base_name),
            "CIDSystemInfo": {
                "Registry": font.registry,
                "Ordering": font.ordering,
                "Supplement": font.supplement,
            },
            "FontDescriptor": descriptor,
            "DW": 1000,
            "W": widths,
        }
    )
    to_unicode = pdf.add(Stream({}, _to_unicode(use.used)))
    return pdf.add(
        {
            "Type": Name("Font"),
            "Subtype": Name("Type0"),
            "BaseFont": Name(base_name),
            "Encoding": Name("Identity-H"),
            "DescendantFonts": [cid_font],
            "ToUnicode": to_unicode,
        }
    )
