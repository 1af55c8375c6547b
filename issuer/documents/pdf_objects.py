"""PDF syntax (ISO 32000): the object types the certificate's page is built from, their
serialization, and a file of numbered objects with its cross-reference table and trailer."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

__all__ = ["Name", "PdfFile", "Raw", "Ref", "Stream", "real", "serialize"]


class Name(str):
    """A PDF name."""


@dataclass(frozen=True)
class Ref:
    number: int


@dataclass
class Stream:
    dictionary: dict[str, Any]
    data: bytes
    compress: bool = True


@dataclass(frozen=True)
class Raw:
    """Already-serialized PDF syntax."""

    text: str


def real(value: float) -> str:
    if isinstance(value, int):
        return str(value)
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _literal(data: bytes) -> bytes:
    out = data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    out = out.replace(b"\r", b"\\r").replace(b"\n", b"\\n")
    return b"(" + out + b")"


def _text_string(text: str) -> bytes:
    """A PDF text string: literal if ASCII, else UTF-16BE with BOM in hex."""
    if text.isascii():
        return _literal(text.encode("ascii"))
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _name_bytes(name: str) -> bytes:
    """A name's characters, with delimiters, '#' and non-regular bytes as #xx (ISO 32000 7.3.5)."""
    out = bytearray()
    for byte in name.encode("utf-8"):
        if 0x21 <= byte <= 0x7E and byte not in b"#/()<>[]{}%":
            out.append(byte)
        else:
            out += f"#{byte:02X}".encode()
    return bytes(out)


def serialize(value: Any) -> bytes:
    if isinstance(value, Name):
        return b"/" + _name_bytes(value)
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, (int, float)):
        return real(value).encode()
    if isinstance(value, Ref):
        return f"{value.number} 0 R".encode()
    if isinstance(value, Raw):
        return value.text.encode("ascii")
    if isinstance(value, str):
        return _text_string(value)
    if isinstance(value, bytes):
        return b"<" + value.hex().upper().encode() + b">"
    if isinstance(value, (list, tuple)):
        return b"[" + b" ".join(serialize(v) for v in value) + b"]"
    if isinstance(value, dict):
        parts = [b"/" + _name_bytes(k) + b" " + serialize(v) for k, v in value.items()]
        return b"<<" + b" ".join(parts) + b">>"
    if value is None:
        return b"null"
    raise TypeError(f"cannot write {type(value).__name__} to a PDF")


class PdfFile:
    def __init__(self) -> None:
        self.objects: list[Any] = []

    def reserve(self) -> Ref:
        self.objects.append(None)
        return Ref(len(self.objects))

    def add(self, value: Any) -> Ref:
        self.objects.append(value)
        return Ref(len(self.objects))

    def set(self, ref: Ref, value: Any) -> None:
        self.objects[ref.number - 1] = value

    def write(self, *, root: Ref, info: Ref, file_id: bytes) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, value in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode()
            if isinstance(value, Stream):
                data = zlib.compress(value.data, 6) if value.compress else value.data
                dictionary = dict(value.dictionary)
                if value.compress:
                    dictionary["Filter"] = Name("FlateDecode")
                dictionary["Length"] = len(data)
                out += serialize(dictionary) + b"\nstream\n" + data + b"\nendstream"
            else:
                out += serialize(value)
            out += b"\nendobj\n"
        xref_at = len(out)
        out += f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode()
        for offset in offsets:
            out += f"{offset:010d} 00000 n \n".encode()
        trailer = {"Size": len(self.objects) + 1, "Root": root, "Info": info, "ID": [file_id, file_id]}
        out += b"trailer\n" + serialize(trailer) + f"\nstartxref\n{xref_at}\n%%EOF\n".encode()
        return bytes(out)
