"""The entry points: what the input is decides how it is read (text, image or PDF)."""

from __future__ import annotations

from verifier.inputs.images import _scan_image_bytes
from verifier.inputs.limits import MAX_INPUT_BYTES
from verifier.inputs.messages import _error
from verifier.inputs.results import PREFIX, FoundCode, InputScan
from verifier.inputs.sniffing import _PIL_FORMATS, _UNSUPPORTED_NAMES, _as_text, _sniff


def read_input(data: bytes | bytearray | memoryview | str, *, filename: str | None = None) -> list[FoundCode]:
    """The HPF1 strings in `data` (text, image or PDF), deduplicated, in discovery order.

    Raises :class:`UnreadableInput` when there is none. `filename` is used in messages only."""
    return list(scan_input(data, filename=filename).codes)


def scan_input(data: bytes | bytearray | memoryview | str, *, filename: str | None = None) -> InputScan:
    """Like :func:`read_input`, with counts of ignored and undecodable QR codes and pages scanned."""
    if isinstance(data, str):
        return _scan_text(data, filename)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"read_input() takes bytes or str, not {type(data).__name__}")
    data = bytes(data) if not isinstance(data, bytes) else data
    if not data:
        raise _error("EMPTY", filename)
    if len(data) > MAX_INPUT_BYTES:
        raise _error("TOO_LARGE", filename, size=len(data))
    kind = _sniff(data)
    if kind == "pdf":
        from verifier.inputs.pdf import scan_pdf  # noqa: PLC0415 -- PDFium loads only when a PDF comes

        return scan_pdf(data, filename)
    if kind in _PIL_FORMATS:
        return _scan_image_bytes(data, kind, filename)
    text = _as_text(data)
    if text is not None:
        return _scan_text(text, filename)
    raise _error("UNKNOWN_TYPE", filename, known=_UNSUPPORTED_NAMES.get(kind or ""))


def _scan_text(text: str, filename: str | None) -> InputScan:
    if len(text) > MAX_INPUT_BYTES:
        raise _error("TOO_LARGE", filename, size=len(text))
    stripped = text.strip()
    if not stripped:
        raise _error("EMPTY", filename)
    if stripped.startswith(PREFIX):
        return InputScan(codes=(FoundCode(stripped, "text", None),), kind="text")
    raise _error("NOT_CERTIFICATE", filename, what="text")
