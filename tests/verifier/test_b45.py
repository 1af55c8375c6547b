"""Our table-driven base45 agrees with the reference `base45` package, on valid and invalid input."""

from __future__ import annotations

import base45
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.b45 import b45decode, b45encode

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@settings(max_examples=500)
@given(st.binary(max_size=700))
def test_encode_and_decode_agree_with_the_reference(data: bytes) -> None:
    text = base45.b45encode(data).decode("ascii")
    assert b45encode(data) == text
    assert b45decode(text) == data


def _reference(text: str) -> bytes | None:
    try:
        return bytes(base45.b45decode(text))
    except ValueError:
        return None


def _ours(text: str) -> bytes | None:
    try:
        return b45decode(text)
    except ValueError:
        return None


@settings(max_examples=1000)
@given(st.text(alphabet=_ALPHABET + "abcxyz=#\u00e9", max_size=30))
def test_any_text_decodes_or_is_refused_as_the_reference_does(text: str) -> None:
    assert _ours(text) == _reference(text)


def test_known_vectors() -> None:  # RFC 9285 §4.3
    assert b45encode(b"AB") == "BB8"
    assert b45encode(b"Hello!!") == "%69 VD92EX0"
    assert b45encode(b"base-45") == "UJCLQE7W581"
    assert b45decode("QED8WEX0") == b"ietf!"
    for bad in ("GGW", "A", ":::"):
        assert _ours(bad) is None
