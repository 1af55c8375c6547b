"""Fabricate realistic test inputs for verifier.inputs: certificate-like HPF1 strings, their QR codes
printed on an A4 page, scans of that page and "phone photos" of it, plus PDFs.

Everything is deterministic (seeded) and uses only segno and Pillow, so the tests exercise the real
decoder (zxing-cpp) on real pixels rather than on mocks.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence

import segno
from PIL import Image, ImageChops, ImageDraw, ImageFilter

BASE45_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

MM_PER_INCH = 25.4
A4_MM = (210.0, 297.0)


def hpf1_like(length: int = 900, *, seed: int = 1) -> str:
    """A random string shaped like a certificate: "HPF1:" + `length` base45 characters.

    Leading/trailing characters are never spaces (a valid base45 string cannot end in a space, and a
    leading space right after the prefix would be unusual), so stripping does not change it."""
    rng = random.Random(seed)
    body = [rng.choice(BASE45_ALPHABET) for _ in range(length)]
    body[0] = rng.choice(BASE45_ALPHABET[:36])
    body[-1] = rng.choice(BASE45_ALPHABET[:36])
    return "HPF1:" + "".join(body)


def make_qr(text: str, *, error: str = "q") -> segno.QRCode:
    """A (non-micro) QR at exactly the given error level (no boosting)."""
    return segno.make(text, error=error, micro=False, boost_error=False)


def qr_image(text: str, *, scale: int = 4, border: int = 4, error: str = "q") -> Image.Image:
    """A clean, pixel-exact QR image in mode 'L' (what a screen shot or an issuer's PNG looks like)."""
    buf = io.BytesIO()
    make_qr(text, error=error).save(buf, kind="png", scale=scale, border=border)
    buf.seek(0)
    with Image.open(buf) as im:
        return im.convert("L")


def qr_png(text: str, *, scale: int = 4, border: int = 4) -> bytes:
    buf = io.BytesIO()
    make_qr(text).save(buf, kind="png", scale=scale, border=border)
    return buf.getvalue()


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    """Serialise an image the way a phone/scanner/e-mail client would hand it to us."""
    buf = io.BytesIO()
    if fmt.upper() in ("JPEG", "JPG") and im.mode not in ("L", "RGB"):
        im = im.convert("RGB")
    im.save(buf, format=fmt, **params)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------------
# The printed page


def _mm_to_px(mm: float, dpi: float) -> int:
    return round(mm / MM_PER_INCH * dpi)


def printed_page(
    texts: Sequence[str],
    *,
    dpi: float = 150,
    qr_mm: float = 40.0,
    seed: int = 7,
) -> Image.Image:
    """An A4 certificate page (mode 'L') as a scanner sees it at `dpi`: header, body "text" lines, and
    one QR per text, each printed `qr_mm` wide (the symbol itself, without its quiet zone).

    The QR is rendered one pixel per module and then resampled to its physical size with a box
    filter, which is what the scanner's optics/integration do: module edges come out grey and the
    module pitch is not an integer number of pixels (at 150 dpi a version-24 QR gets ~1.95 px/module).
    """
    rng = random.Random(seed)

    def px(mm: float) -> int:
        return _mm_to_px(mm, dpi)

    w, h = px(A4_MM[0]), px(A4_MM[1])
    page = Image.new("L", (w, h), 250)
    draw = ImageDraw.Draw(page)
    # Header band.
    draw.rectangle((px(15), px(15), w - px(15), px(30)), fill=60)
    # Body text: rows of word-like dark blobs (gives the detector plenty of false finder candidates).
    y = px(40)
    while y < px(150):
        x = px(20)
        while x < w - px(25):
            word = px(rng.uniform(4, 18))
            draw.rectangle((x, y, min(x + word, w - px(20)), y + px(3)), fill=rng.randint(20, 70))
            x += word + px(2.5)
        y += px(6)
    # A table frame.
    draw.rectangle((px(20), px(155), w - px(20), px(190)), outline=40, width=2)
    # The QR codes, side by side near the bottom.
    side = px(qr_mm)
    gap = px(15)
    x = px(25)
    y = px(205)
    for text in texts:
        symbol = qr_image(text, scale=1, border=0)
        printed = symbol.resize((side, side), Image.Resampling.BOX)
        # Toner is not pure black and paper not pure white.
        printed = printed.point(lambda v: 25 + v * (248 - 25) // 255)
        page.paste(printed, (x, y))
        x += side + gap
    return page


def crop_around_qrs(page: Image.Image, *, dpi: float = 150, margin_mm: float = 25.0) -> Image.Image:
    """What a phone photo of the lower half of the page frames (QR region plus surroundings)."""
    w, h = page.size
    top = _mm_to_px(205 - margin_mm, dpi)
    bottom = min(h, _mm_to_px(245 + margin_mm, dpi))
    return page.crop((0, top, w, bottom))


# --------------------------------------------------------------------------------------------------
# Photo-like distortions. Each takes and returns a mode-'L' image.


def rotate(im: Image.Image, degrees: float, *, background: int = 120) -> Image.Image:
    """Rotate counter-clockwise by `degrees`; the uncovered corners show a darker desk."""
    return im.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=background)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (no numpy in the venv)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    return [m[i][n] / m[i][i] for i in range(n)]


def perspective_coeffs(
    dst: Sequence[tuple[float, float]], src: Sequence[tuple[float, float]]
) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output points `dst` to input points `src`."""
    a: list[list[float]] = []
    b: list[float] = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    return _solve(a, b)


def perspective(im: Image.Image, *, strength: float = 0.15, background: int = 120) -> Image.Image:
    """A camera held at an angle: the top edge is shorter than the bottom one and one side recedes.

    `strength` is the fraction of the width by which the top corners are pulled in."""
    w, h = im.size
    dx = strength * w
    dy = strength * 0.5 * h
    # Where the original corners land in the output (a keystone, slightly asymmetric).
    dst = [(dx, dy * 0.4), (w - dx * 0.6, 0.0), (w, h - dy * 0.3), (0.0, h)]
    src = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)]
    coeffs = perspective_coeffs(dst, src)
    return im.transform(
        (w, h), Image.Transform.PERSPECTIVE, coeffs, resample=Image.Resampling.BICUBIC, fillcolor=background
    )


def blur(im: Image.Image, radius: float = 1.0) -> Image.Image:
    return im.filter(ImageFilter.GaussianBlur(radius))


def low_contrast(im: Image.Image, *, black: int = 140, white: int = 200) -> Image.Image:
    """Grey print on light-grey paper: the full 0..255 range squeezed into black..white."""
    return im.point(lambda v: black + v * (white - black) // 255)


def lighting_gradient(im: Image.Image, *, darkest: float = 0.35, angle: float = 30.0) -> Image.Image:
    """Uneven lighting: brightness falls off linearly across the image down to `darkest`."""
    w, h = im.size
    grad = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BILINEAR, expand=False)
    grad = grad.resize((w, h), Image.Resampling.BILINEAR)
    lo = round(darkest * 255)
    grad = grad.point(lambda v: lo + v * (255 - lo) // 255)
    return ImageChops.multiply(im, grad)


def shadow(im: Image.Image, *, strength: float = 0.5) -> Image.Image:
    """A soft shadow (e.g. of the phone) falling over part of the page."""
    w, h = im.size
    mask = Image.new("L", (w, h), 255)
    ImageDraw.Draw(mask).ellipse((-w // 3, h // 3, w // 2, h + h // 2), fill=round(255 * (1 - strength)))
    mask = mask.filter(ImageFilter.GaussianBlur(max(w, h) / 20))
    return ImageChops.multiply(im, mask)


def noise(im: Image.Image, *, sigma: float = 12.0, seed: int = 3) -> Image.Image:
    """Additive gaussian sensor noise. Image.effect_noise is not seedable, so build it from `random`."""
    rng = random.Random(seed)
    w, h = im.size
    # Generate noise at half resolution (speed) and upsample; sensor noise after demosaicing is
    # spatially correlated over ~2 px anyway.
    nw, nh = (w + 1) // 2, (h + 1) // 2
    values = bytes(max(0, min(255, round(128 + rng.gauss(0.0, sigma)))) for _ in range(nw * nh))
    field = Image.frombytes("L", (nw, nh), values).resize((w, h), Image.Resampling.NEAREST)
    return ImageChops.add(im, field, scale=1.0, offset=-128)


def jpeg(im: Image.Image, quality: int = 60) -> Image.Image:
    """Round-trip through JPEG at `quality` (block artefacts, ringing)."""
    data = encode(im, "JPEG", quality=quality)
    with Image.open(io.BytesIO(data)) as out:
        return out.convert("L")


def colourise(im: Image.Image, tint: tuple[float, float, float] = (1.0, 0.93, 0.8)) -> Image.Image:
    """An RGB photo with warm (incandescent) colour cast, as phones produce."""
    r, g, b = (im.point(lambda v, f=f: round(v * f)) for f in tint)
    return Image.merge("RGB", (r, g, b))


def resample(im: Image.Image, factor: float) -> Image.Image:
    w, h = im.size
    return im.resize((max(1, round(w * factor)), max(1, round(h * factor))), Image.Resampling.BILINEAR)


def phone_photo(page: Image.Image, *, dpi: float = 150, seed: int = 5) -> Image.Image:
    """Everything at once: framed crop, keystone, small tilt, uneven light, blur, noise, JPEG."""
    im = crop_around_qrs(page, dpi=dpi)
    im = perspective(im, strength=0.12)
    im = rotate(im, 7)
    im = lighting_gradient(im, darkest=0.5)
    im = blur(im, 0.8)
    im = noise(im, sigma=8, seed=seed)
    return jpeg(colourise(im).convert("L"), 60)


def random_image(size: tuple[int, int] = (400, 300), *, seed: int = 11) -> Image.Image:
    """A busy picture with no QR code in it (shapes and text-like blobs)."""
    rng = random.Random(seed)
    im = Image.new("L", size, 230)
    d = ImageDraw.Draw(im)
    for _ in range(60):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        x1, y1 = x0 + rng.randrange(5, 60), y0 + rng.randrange(5, 40)
        if rng.random() < 0.5:
            d.rectangle((x0, y0, x1, y1), fill=rng.randrange(0, 200))
        else:
            d.ellipse((x0, y0, x1, y1), outline=rng.randrange(0, 120), width=2)
    return im


def pdf_with_image(im: Image.Image, *, dpi: float = 150, **info: str) -> bytes:
    """A PDF (one page per image) as Pillow writes it; `info` may set title/subject/keywords/author."""
    buf = io.BytesIO()
    im.save(buf, format="PDF", resolution=dpi, **info)
    return buf.getvalue()



def _pdf_string(value: str) -> bytes:
    """A PDF literal string (ASCII only here; base45 has no parentheses or backslashes)."""
    escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("latin-1") + b")"


def minimal_pdf(info: dict[str, str], *, page_mm: tuple[float, float] = A4_MM) -> bytes:
    """A hand-written one-page (blank) PDF whose information dictionary holds `info`, custom keys
    included -- neither Pillow nor pypdfium2 can write a custom Info key."""
    w_pt, h_pt = (round(v / MM_PER_INCH * 72, 2) for v in page_mm)
    info_entries = b" ".join(b"/" + k.encode("ascii") + b" " + _pdf_string(v) for k, v in info.items())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] >>" % (str(w_pt).encode(), str(h_pt).encode()),
        b"<< " + info_entries + b" >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def with_attachment(pdf: bytes, name: str, payload: bytes) -> bytes:
    """`pdf` with an embedded file attachment added (written by PDFium through pypdfium2)."""
    import pypdfium2  # local: only the PDF tests need it

    doc = pypdfium2.PdfDocument(pdf)
    try:
        attachment = doc.new_attachment(name)
        attachment.set_data(payload)
        buf = io.BytesIO()
        doc.save(buf)
        return buf.getvalue()
    finally:
        doc.close()


def password_protected_pdf() -> bytes:
    """A PDF that needs a user password: `minimal_pdf` plus an incremental update adding a standard
    security handler (RC4, revision 2) whose /U entry does not match the empty password."""
    base = minimal_pdf({"Title": "locked"})
    prev = int(base.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -4 >>"
    offset = len(base)
    out = bytearray(base)
    out += b"5 0 obj\n" + encrypt + b"\nendobj\n"
    xref = len(out)
    file_id = b"<00112233445566778899aabbccddeeff>"
    out += b"xref\n5 1\n%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size 6 /Root 1 0 R /Info 4 0 R /Encrypt 5 0 R /ID [%s %s] /Prev %d >>\n" % (
        file_id, file_id, prev
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
