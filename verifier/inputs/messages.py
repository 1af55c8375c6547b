"""Why an input could not be read: :class:`UnreadableInput`, its stable kinds, and one English and one
Chinese sentence for each."""

from __future__ import annotations

from typing import Final

from verifier.errors import HpfVerifierError
from verifier.inputs.limits import MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE, MAX_INPUT_BYTES


class UnreadableInput(HpfVerifierError):
    """The input holds no readable HPF1 certificate.

    ``kind`` is one of :data:`UNREADABLE_KINDS`; ``message`` is one English sentence and
    ``message_zh`` the same in Chinese."""

    kind: str
    message: str
    message_zh: str
    filename: str | None
    ignored: int

    def __init__(
        self, kind: str, message: str, message_zh: str, *, filename: str | None = None, ignored: int = 0
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.message_zh = message_zh
        self.filename = filename
        self.ignored = ignored

    def __str__(self) -> str:
        return self.message


UNREADABLE_KINDS: Final = (
    "EMPTY",  # nothing was given
    "TOO_LARGE",  # over MAX_INPUT_BYTES or MAX_IMAGE_PIXELS
    "UNKNOWN_TYPE",  # neither HPF1 text, nor a supported image, nor a PDF
    "CORRUPT",  # looks like an image/PDF but cannot be decoded
    "ENCRYPTED",  # password-protected PDF
    "NO_QR_CODE",  # decoded fine, but no QR code in it
    "QR_UNREADABLE",  # a QR code was located but could not be decoded
    "NOT_CERTIFICATE",  # QR codes / text found, none is an HPF1 certificate
    "TOO_COMPLEX",  # reading it would cost more than one file's budget (time, memory, decompressed size)
)


_UNSUPPORTED_ZH: Final = {
    "a TIFF image": "TIFF 图片",
    "a HEIC/HEIF photo": "HEIC/HEIF 照片",
    "an AVIF image": "AVIF 图片",
    "a ZIP archive or Office document": "ZIP 压缩包或 Office 文档",
    "an old Office document": "旧版 Office 文档",
}
_WHAT_EN: Final = {"image": "image", "pdf": "PDF", "text": "text", "png": "PNG image", "jpeg": "JPEG image",
                   "webp": "WebP image", "gif": "GIF image", "bmp": "BMP image"}
_WHAT_ZH: Final = {"image": "图片", "pdf": "PDF 文件", "text": "文本", "png": "PNG 图片", "jpeg": "JPEG 图片",
                   "webp": "WebP 图片", "gif": "GIF 图片", "bmp": "BMP 图片"}
_SUPPORTED_EN: Final = 'a PNG, JPEG, WebP, GIF or BMP image, a PDF, or the text starting with "HPF1:"'
_SUPPORTED_ZH: Final = "PNG、JPEG、WebP、GIF 或 BMP 图片、PDF 文件，或以“HPF1:”开头的文本"


def _error(
    kind: str,
    filename: str | None,
    *,
    what: str = "file",
    size: int | None = None,
    pixels: int | None = None,
    ignored: int = 0,
    known: str | None = None,
    pages: int | None = None,
    pages_total: int | None = None,
) -> UnreadableInput:
    """The UnreadableInput for `kind`, with its English and Chinese sentence."""
    name = f' "{filename}"' if filename else ""
    name_zh = f"“{filename}”" if filename else ""
    what_en = _WHAT_EN.get(what.lower(), "file")
    what_zh = _WHAT_ZH.get(what.lower(), "文件")
    if kind == "EMPTY":
        en, zh = f"The input{name} is empty.", f"输入内容{name_zh}为空。"
    elif kind == "TOO_LARGE" and size is not None and pixels is None:
        mb, limit = size / 1048576, MAX_INPUT_BYTES // 1048576
        en = f"The input{name} is too large ({mb:.1f} MB; the limit is {limit} MB)."
        zh = f"输入内容{name_zh}过大（{mb:.1f} MB，上限 {limit} MB）。"
    elif kind == "TOO_LARGE":
        mp, side = MAX_IMAGE_PIXELS // 1_000_000, MAX_IMAGE_SIDE
        en = (
            f"The image{name} is too large (the limit is {mp} megapixels and {side} pixels a side); "
            "please provide a smaller picture."
        )
        zh = f"图片{name_zh}过大（上限为 {mp} 百万像素、单边 {side} 像素），请提供较小的图片。"
    elif kind == "UNKNOWN_TYPE" and known:
        en = f"The file{name} is {known}, which is not supported; please provide {_SUPPORTED_EN}."
        zh = f"不支持该文件{name_zh}的格式（{_UNSUPPORTED_ZH.get(known, known)}），请提供{_SUPPORTED_ZH}。"
    elif kind == "UNKNOWN_TYPE":
        en = f"The type of the file{name} is not supported; please provide {_SUPPORTED_EN}."
        zh = f"不支持该文件{name_zh}的格式，请提供{_SUPPORTED_ZH}。"
    elif kind == "CORRUPT":
        en = f"The {what_en}{name} is damaged or incomplete and cannot be opened."
        zh = f"{what_zh}{name_zh}已损坏或不完整，无法打开。"
    elif kind == "ENCRYPTED":
        en = f"The PDF{name} is password-protected; please provide an unprotected copy."
        zh = f"PDF 文件{name_zh}受密码保护，请提供未加密的文件。"
    elif kind == "NO_QR_CODE" and pages and pages_total and pages_total > pages:
        en = f"No QR code was found in the first {pages} of the {pages_total} pages of the {what_en}{name}."
        zh = f"{what_zh}{name_zh}共 {pages_total} 页，前 {pages} 页中未找到二维码。"
    elif kind == "NO_QR_CODE" and pages:
        plural = "s" if pages != 1 else ""
        en = f"No QR code was found in the {what_en}{name} ({pages} page{plural} scanned)."
        zh = f"{what_zh}{name_zh}中未找到二维码（已检查 {pages} 页）。"
    elif kind == "NO_QR_CODE":
        en = f"No QR code was found in the {what_en}{name}."
        zh = f"{what_zh}{name_zh}中未找到二维码。"
    elif kind == "QR_UNREADABLE":
        en = (
            f"A QR code was found in the {what_en}{name} but could not be decoded; "
            "please provide a sharper, closer scan or photo."
        )
        zh = f"{what_zh}{name_zh}中发现二维码但无法识别，请提供更清晰、更近距离的扫描件或照片。"
    elif kind == "NOT_CERTIFICATE" and what == "text":
        en = f'The text{name} is not a provident-fund certificate (it must start with "HPF1:").'
        zh = f"文本{name_zh}不是公积金缴存证明（应以“HPF1:”开头）。"
    elif kind == "NOT_CERTIFICATE" and ignored == 1:
        en = f"The QR code in the {what_en}{name} is not a provident-fund certificate."
        zh = f"{what_zh}{name_zh}中的二维码不是公积金缴存证明。"
    elif kind == "NOT_CERTIFICATE":
        en = f"The {what_en}{name} holds {ignored} QR codes, but none is a provident-fund certificate."
        zh = f"{what_zh}{name_zh}中有 {ignored} 个二维码，但都不是公积金缴存证明。"
    elif kind == "TOO_COMPLEX":
        en = (f"The {what_en}{name} is too complex to read safely (it exceeds the time or memory allowed "
              "for one file); please provide a simpler scan or the certificate text.")
        zh = f"{what_zh}{name_zh}过于复杂，超出单个文件允许的时间或内存，请提供更简单的扫描件或证明文本。"
    else:  # pragma: no cover - programming error
        raise AssertionError(kind)
    return UnreadableInput(kind, en, zh, filename=filename, ignored=ignored)
