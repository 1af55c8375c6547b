"""Answers that must not blur "no" with "could not tell" (issue 12, item 8): a payload of a schema
version this verifier does not know is INDETERMINATE (UNSUPPORTED_VERSION, "update the verifier"),
never INVALID; a blacklist that was not read is `checked: false, listed: null`, never `false`."""

from __future__ import annotations

from verifier.pipeline import Verifier
from verifier.result import Status, Verdict

from .test_format import _sign, _with_payload


def test_a_newer_payload_version_is_indeterminate_not_invalid() -> None:
    text = _with_payload(_sign(), {0: 3})  # 1 full, 2 minimal: 3 is from the future
    result = Verifier(None).verify(text)
    assert result.verdict is Verdict.INDETERMINATE
    assert result.reasons == ["UNSUPPORTED_VERSION"]
    decode = result.checks[0]
    assert decode.status is Status.UNKNOWN and "update the verifier" in decode.message_en
    assert "更新" in decode.message_zh


def test_an_unread_blacklist_is_listed_null() -> None:
    result = Verifier(None).verify(_with_payload(_sign(), {}))
    assert result.blacklist["checked"] is False and result.blacklist["listed"] is None
    assert Verifier(None).verify("HPF1:???").blacklist["listed"] is None
