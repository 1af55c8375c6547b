"""Dependencies of the verifier API, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Header, HTTPException, Request, status

from verifier.api.state import ServiceState
from verifier.quotas import QuotaExceeded


def get_state(request: Request) -> ServiceState:
    """The service state `main.py` put on the app (Starlette's `app.state` is untyped)."""
    return cast(ServiceState, request.app.state.hpf)


State = Annotated[ServiceState, Depends(get_state)]


def get_institution(state: State, x_api_key: Annotated[str | None, Header()] = None) -> int:
    """The institution an API key belongs to; 401 without a known key."""
    institution = state.institution_of(x_api_key)
    if institution is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail={"error": "missing or unknown API key (header X-API-Key)", "error_zh": "缺少或无效的 API 密钥"},
        )
    if institution in state.refused:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail={"error": f"this verifier has no chain account of institution {institution} to record its checks "
                             "with; ask its operator to configure it",
                    "error_zh": "本验证服务未配置该机构的链上账户，无法记录查验。"},
        )
    return institution


Institution = Annotated[int, Depends(get_institution)]


def charge(state: ServiceState, institution: int, kind: str, n: int = 1) -> None:
    """Count `n` uses of `kind` ("verify", "blacklist") against the institution's quota; 429
    with Retry-After when that would go over it (verifier/quotas.py)."""
    if state.quotas is None:
        return
    try:
        state.quotas.charge(institution, kind, n)
    except QuotaExceeded as exc:
        raise HTTPException(status_code=status.HTTP_429_TOO_MANY_REQUESTS,
                            detail={"error": exc.message, "error_zh": exc.message_zh},
                            headers={"Retry-After": str(exc.retry_after)}) from exc


def get_verifying_institution(state: State, institution: Institution) -> int:
    """An institution with a verification left in its quota (one is counted now)."""
    charge(state, institution, "verify")
    return institution


def get_checking_institution(state: State, institution: Institution) -> int:
    """An institution with a blacklist check left in its quota (one is counted now)."""
    charge(state, institution, "blacklist")
    return institution


VerifyingInstitution = Annotated[int, Depends(get_verifying_institution)]
CheckingInstitution = Annotated[int, Depends(get_checking_institution)]
