"""The verifier API's error bodies, documented on its routes: `{"detail": {error, error_zh[, code]}}`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """An error: `detail` is {error, error_zh[, code]} (a request that is not valid: FastAPI's list of
    problems)."""

    detail: dict[str, Any] | list[Any]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in ((401, "Missing or unknown API key (header X-API-Key)"), (413, "Upload or batch too large"),
                       (422, "Unreadable upload (detail.code: TOO_COMPLEX, NO_QR_CODE...) or invalid request"),
                       (429, "The institution's quota of verifications or blacklist checks is used up; see Retry-After"),
                       (503, "Busy, or the chain is unreachable; see Retry-After"))
}
CODE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    **{code: {"model": ErrorBody, "description": text}
       for code, text in ((404, "No certificate with this number and code"),
                          (429, "Too many wrong codes, or the quota is used up; see Retry-After"),
                          (502, "The issuing centre answered wrongly"), (504, "The issuing centre did not answer"))},
}
"""The camera-less check (routes/officer.py) also answers these."""
