"""The certificate's QR code as a PNG, pixel-exact, with the number, the 核验码, the masked holder
and the centre under it."""

from __future__ import annotations

import io
import math
from functools import lru_cache
from typing import Any, Final

from PIL import Image, ImageDraw, ImageFont

from issuer import document_text as words
from issuer.documents.qr import qr_matrix
from issuer.fonts import sans
from verifier import format as fmt

__all__ = ["render_qr_png"]


_PNG_SCALE: Final = 10  # pixels per module: a version-22 symbol is 1,130 px wide with its quiet zone
_PNG_QUIET: Final = 4
_MODULE_BYTES: Final = bytes.maketrans(b"01", b"\xff\x00")  # '1' (dark) -> black


@lru_cache(maxsize=16)
def _png_font(size: int) -> Any:
    font = sans()
    return ImageFont.truetype(str(font.path), size, index=font.index)


def render_qr_png(hpf1_text: str, number: str, *, holder: str | None = None, centre_name: str | None = None,
                  verify_url: str | None = None) -> bytes:
    """The QR code of the whole text (level Q) as a greyscale PNG, `_PNG_SCALE` pixels per module,
    pixel-exact, with "证明编号 <number>", the 核验码, the masked holder and the centre under it."""

    text = hpf1_text.strip()
    if not text.startswith(fmt.PREFIX):
        raise ValueError("not an HPF1 certificate text")
    symbol = qr_matrix(text)
    modules = symbol.size + 2 * _PNG_QUIET
    side = modules * _PNG_SCALE
    light_rows = b"\xff" * (modules * _PNG_QUIET)
    pad = b"\xff" * _PNG_QUIET
    raw = light_rows + b"".join(
        pad + row.encode("ascii").translate(_MODULE_BYTES) + pad for row in symbol.rows
    )
    raw += light_rows
    qr = Image.frombytes("L", (modules, modules), raw).resize((side, side), Image.Resampling.NEAREST)
    code = words.code_of(text)
    lines = words.png_caption(
        number, code=code, holder=holder, centre_name=centre_name, verify_url=verify_url
    )
    caption_size = max(28, side // 28)
    draw = ImageDraw.Draw(Image.new("L", (1, 1)))
    longest = max(lines, key=lambda line: draw.textlength(line, font=_png_font(caption_size)))
    while caption_size > 20 and draw.textlength(longest, font=_png_font(caption_size)) > side * 0.94:
        caption_size -= 2
    font = _png_font(caption_size)
    widths = [draw.textlength(line, font=font) for line in lines]
    # A tiny code with a long number: widen the image rather than shrink the number further.
    image_w = max(side, math.ceil(max(widths) + 2 * caption_size))
    step = round(caption_size * 1.5)
    image = Image.new("L", (image_w, side + step * len(lines) + caption_size // 2), 255)
    image.paste(qr, ((image_w - side) // 2, 0))
    pen = ImageDraw.Draw(image)
    for i, (line, width) in enumerate(zip(lines, widths, strict=True)):
        pen.text(((image_w - width) / 2, side + i * step), line, fill=0, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
