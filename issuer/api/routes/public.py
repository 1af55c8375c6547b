"""What a centre's portal answers to anyone: its name (the login and staff pages name their
centre) and a certificate's HPF1 text for its number and 核验码 (the verifier page's camera-less
check). The text is what the holder hands out anyway; without the code nothing is revealed, and
wrong codes are counted per number and per client address in the centre's database (429 beyond
the limit; issuer/code_limits.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from issuer.api.deps import State
from issuer.api.errors import ERROR_RESPONSES, ApiError
from issuer.api.models import CentrePublic, CentresPublic, CertificateTextPublic
from issuer.code_limits import CodeLimiter
from issuer.issuance import IssuanceError
from node.accounts import DEMO_CENTRES
from node.log import get_logger
from verifier import code as codes

log = get_logger("hpf.issuer.api")
router = APIRouter(prefix="/v1", tags=["public"], responses=ERROR_RESPONSES)
#: Wrong codes for one number, and from one address, per window before 429.
WRONG_PER_NUMBER = 5
WRONG_PER_ADDRESS = 30
WINDOW = 15 * 60.0
NOT_FOUND = codes.NOT_FOUND


def _limiter(request: Request, state: Any) -> CodeLimiter:
    lim = getattr(request.app.state, "hpf_code_limiter", None)
    if lim is None:
        lim = request.app.state.hpf_code_limiter = CodeLimiter(
            state.engine, state.centre, window=WINDOW, per_number=WRONG_PER_NUMBER, per_address=WRONG_PER_ADDRESS)
    return lim


@router.get("/centre", summary="The centre this portal serves: code and name", response_model=CentrePublic)
def centre(state: State) -> dict[str, Any]:
    return {"centre": state.centre, "centre_name": state.centre_name()}


@router.get("/centres", summary="Every member centre's code and name (pages show names, not codes)",
            response_model=CentresPublic)
def centres(state: State) -> dict[str, Any]:
    names = {c.code: c.name for c in DEMO_CENTRES}
    try:
        names.update({int(c["code"]): str(c["name"]) for c in state.synced_indexer(max_age=30.0).centres()})
    except Exception as exc:  # noqa: BLE001 — names are a courtesy; the demo list and our own name remain
        log.info("centre names from the index unavailable", error=str(exc))
    names[state.centre] = state.centre_name()
    return {"centres": [{"code": k, "name": v} for k, v in sorted(names.items())]}


@router.get("/public/certificates/{number}", summary="A certificate's HPF1 text, for its number and 核验码",
            response_model=CertificateTextPublic)
def certificate_by_code(number: str, request: Request, state: State,
                        code: Annotated[str, Query(max_length=20, description="the 核验码 printed under the QR code")]
                        ) -> dict[str, Any]:
    # The client's address as the login limits see it (X-Forwarded-For only from HPF_TRUSTED_PROXIES).
    address = state.limiter.client_address(request.client.host if request.client else None,
                                           request.headers.get("x-forwarded-for"))
    limiter = _limiter(request, state)
    number = number.strip()[:40]
    wait = limiter.blocked_for(number, address)
    if wait > 0:
        raise ApiError(429, "Too many wrong codes; try again later.", "核验码错误次数过多，请稍后再试。",
                       headers={"Retry-After": str(int(wait) + 1)})
    wanted = codes.normalise_code(code)
    text = None
    if wanted is not None and codes.centre_of_number(number) == state.centre:
        try:
            cert = state.issuer.get().certificate(number)
            text = cert.text
        except IssuanceError:
            text = None
    if text is None or wanted is None or codes.code_of_text(text) != wanted:
        limiter.failed(number, address)
        raise ApiError(404, *NOT_FOUND)
    return {"number": number, "hpf1": text}
