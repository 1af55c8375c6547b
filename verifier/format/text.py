"""The text form: COSE_Sign1 bytes → zlib → base45 → "HPF1:" + text, what goes into the QR code.

`decode` treats its input as hostile: every failure is a `MalformedCertificate` or an
`UnsupportedVersion`, with bounded work and memory.
"""

from __future__ import annotations

import re
import zlib

from verifier.b45 import b45decode, b45encode
from verifier.errors import UnsupportedVersion
from verifier.format.content import _malformed
from verifier.format.cose import MAX_DECOMPRESSED_BYTES, SignedCertificate, from_cose, to_cose

PREFIX = "HPF1:"

# Limits: a QR code holds at most 4,296 alphanumeric characters, so anything longer is not ours.
MAX_TEXT_LENGTH = 8000
_OTHER_PREFIX_RE = re.compile(r"(HPF[0-9]{1,4}):")


def encode(signed: SignedCertificate) -> str:
    """The certificate as the "HPF1:" text that goes into the QR code and the PDF."""
    cose = to_cose(signed)
    if len(cose) > MAX_DECOMPRESSED_BYTES:
        raise ValueError(f"the certificate is {len(cose)} bytes, over the limit of {MAX_DECOMPRESSED_BYTES}")
    text = PREFIX + b45encode(zlib.compress(cose, 9))
    if len(text) > MAX_TEXT_LENGTH:
        raise ValueError(f"the certificate is {len(text)} characters, over the limit of {MAX_TEXT_LENGTH}")
    return text


def decode(text: str) -> SignedCertificate:
    """Parses "HPF1:" text into a `SignedCertificate`. Checks structure and content, not the
    signature or the proof (those need the chain). Raises only `MalformedCertificate` and
    `UnsupportedVersion`."""
    # 1. Text: bounded, trimmed, with our prefix. Trimming never eats base45 data: a valid
    #    base45 string never ends in its one whitespace character, the space.
    if not isinstance(text, str):
        _malformed("A certificate is text starting with 'HPF1:'.")
    too_long = f"The text is longer than any certificate ({MAX_TEXT_LENGTH} characters)."
    if len(text) > 2 * MAX_TEXT_LENGTH:  # some whitespace around is fine, megabytes of it are not
        _malformed(too_long)
    text = text.strip()
    if len(text) > MAX_TEXT_LENGTH:
        _malformed(too_long)
    if not text.startswith(PREFIX):
        other = _OTHER_PREFIX_RE.match(text)
        if other:
            raise UnsupportedVersion(f"The format {other[1]} is not supported; this verifier reads HPF1.")
        _malformed("The text is not a certificate: it does not start with 'HPF1:'.")
    # 2. base45.
    try:
        compressed = b45decode(text[len(PREFIX) :])
    except ValueError:
        _malformed("The text after 'HPF1:' is not valid base45.")
    # 3. zlib, bounded: a small input must not expand into a large allocation.
    inflater = zlib.decompressobj()
    try:
        cose = inflater.decompress(compressed, MAX_DECOMPRESSED_BYTES)
    except zlib.error:
        _malformed("The certificate data is not a valid zlib stream.")
    if inflater.unconsumed_tail and inflater.decompress(inflater.unconsumed_tail, 1):
        _malformed(f"The certificate data expands to more than {MAX_DECOMPRESSED_BYTES} bytes.")
    if not inflater.eof:
        _malformed("The certificate data is a truncated zlib stream.")
    if inflater.unused_data:
        _malformed("The certificate data has bytes after its zlib stream.")
    return from_cose(cose)
