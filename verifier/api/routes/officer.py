"""The loan officer's session and the camera-less check: GET /v1/institution (who is signed in)
and POST /v1/verify/code (a certificate number and its 核验码)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from verifier import code as codes
from verifier.api.deps import Institution, State, VerifyingInstitution
from verifier.api.errors import CODE_RESPONSES
from verifier.api.models import InstitutionPublic, VerificationPublic
from verifier.api.services import institution_name, verify_all

router = APIRouter(prefix="/v1", tags=["verify"], responses=CODE_RESPONSES)
#: Wrong number/code pairs an institution may try per window before it is refused (429).
FAILURES_PER_INSTITUTION = 10
FAILURE_WINDOW = 15 * 60.0
_failures = codes.FailureLimiter(limit=FAILURES_PER_INSTITUTION, window=FAILURE_WINDOW)


class CodeRequest(BaseModel):
    number: str = Field(max_length=40, description="the certificate number, e.g. 460100-2026-00000123")
    code: str = Field(max_length=20, description="the 核验码 printed under the QR code, e.g. ABCD-EFGH")


@router.get("/institution", summary="The institution the API key belongs to (the page shows who is signed in)",
            response_model=InstitutionPublic)
def whoami(state: State, institution: Institution) -> dict[str, Any]:
    return {"institution": institution, "name": institution_name(state, institution)}


def _refuse(status_code: int, message: str, message_zh: str, headers: dict[str, str] | None = None) -> HTTPException:
    return HTTPException(status_code, {"error": message, "error_zh": message_zh}, headers=headers)


@router.post("/verify/code", summary="Verify by certificate number and 核验码 (fetched from the issuing centre)",
             response_model=VerificationPublic, response_model_exclude_unset=True)
async def verify_by_code(req: CodeRequest, state: State, institution: VerifyingInstitution) -> dict[str, Any]:
    """Fetches the certificate's HPF1 text from the issuing centre's public endpoint and verifies
    it against the chain like a scan: the same JSON as POST /v1/verify. A wrong number or code
    answers 404 with nothing about the certificate; too many wrong ones answer 429."""
    key = str(institution)
    wait = _failures.wait(key)
    if wait > 0:
        raise _refuse(429, "Too many wrong numbers or codes; try again later.",
                      f"编号或核验码错误次数过多，请 {max(1, int(wait) // 60)} 分钟后再试。",
                      {"Retry-After": str(int(wait) + 1)})
    number = req.number.strip()
    code = codes.normalise_code(req.code)
    centre = codes.centre_of_number(number)
    if centre is None or code is None:
        _failures.failed(key)
        raise _refuse(422, "Give the certificate number (e.g. 460100-2026-00000123) and the 8-character code.",
                      "请输入证明编号（例如 460100-2026-00000123）和 8 位核验码。")
    urls = state.settings.verifier_centre_urls or (codes.DEMO_CENTRE_URLS if state.settings.local else {})
    base = urls.get(centre)
    if base is None:
        raise _refuse(422, f"No address is configured for centre {centre}.",
                      "未配置该公积金中心的查询地址，请扫码或上传证明核验。")
    try:
        text = await run_in_threadpool(codes.fetch_text, base, number, code)
    except codes.CodeError as exc:
        if exc.status == 404:
            _failures.failed(key)
        raise _refuse(exc.status, str(exc), exc.message_zh) from exc
    if not codes.matches(text, number, code):
        _failures.failed(key)
        raise _refuse(404, *codes.NOT_FOUND)
    (result,) = await run_in_threadpool(verify_all, state, institution, [text])
    return result.to_json()
