"""Reading the CSV files people bring (blacklist imports, ID lists): whatever office software wrote.

Files from Chinese office software are often GBK (GB 18030), older European ones Latin-1 / cp1252;
none of them should end in a traceback. :func:`read_csv_rows` decodes UTF-8 (with or without BOM)
first, then GB 18030 when the result reads as Chinese text, else cp1252 / Latin-1 (which decode
any bytes), and parses with the standard ``csv`` module. A field longer than
:data:`MAX_FIELD_CHARS` (or a file over :data:`MAX_FILE_BYTES`) is refused with one sentence naming
the row.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Final

from issuer.errors import EXIT_USAGE, HpfIssuerError

__all__ = ["MAX_FIELD_CHARS", "MAX_FILE_BYTES", "BadCsvFile", "decode_text", "read_csv_rows"]

MAX_FIELD_CHARS: Final = 128 * 1024
MAX_FILE_BYTES: Final = 64 * 1024 * 1024


class BadCsvFile(HpfIssuerError):
    """The file cannot be read as a CSV table (missing, too large, a field over the limit)."""

    exit_code = EXIT_USAGE
    http_status = 400


def _looks_chinese(text: str) -> bool:
    cjk = sum(1 for c in text if "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef")
    odd = sum(1 for c in text if "\ue000" <= c <= "\uf8ff" or c == "\ufffd")  # private use: mis-decoding
    return cjk > 0 and odd == 0


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file: UTF-8, else GB 18030 if it reads as Chinese, else cp1252/Latin-1."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if _looks_chinese(text):
            return text, "gb18030"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_csv_rows(path: Path) -> list[list[str]]:
    """Every row of the CSV file at `path` (see the module doc); BadCsvFile when it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise BadCsvFile(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.",
                             message_zh=f"文件 {path} 超过 {MAX_FILE_BYTES // (1024 * 1024)} MB。")
        data = path.read_bytes()
    except OSError as exc:
        raise BadCsvFile(f"Cannot read {path}: {exc.strerror or exc}.", message_zh=f"无法读取文件 {path}。") from exc
    text, _ = decode_text(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    previous = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        rows.extend(reader)
    except csv.Error as exc:
        line = reader.line_num
        if "field larger than field limit" in str(exc):
            raise BadCsvFile(f"Row {line} of {path.name} has a field longer than 128 KB.",
                             message_zh=f"{path.name} 第 {line} 行有字段超过 128 KB。") from exc
        raise BadCsvFile(f"Row {line} of {path.name} is not valid CSV ({exc}).",
                         message_zh=f"{path.name} 第 {line} 行不是有效的 CSV。") from exc
    finally:
        csv.field_size_limit(previous)
    return rows
