"""POST /v1/verify, POST /v1/verify/batch, GET /v1/blacklist/{subject}: HTTP in, service calls out."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from node.bindings import AccessPurpose
from verifier.api.deps import CheckingInstitution, State, VerifyingInstitution
from verifier.api.errors import ERROR_RESPONSES
from verifier.api.models import BatchPublic, BlacklistStatusPublic, UploadVerificationPublic
from verifier.api.services import verify_all
from verifier.chain import ChainUnavailable
from verifier.errors import HpfVerifierError
from verifier.sandbox import SandboxBusy

router = APIRouter(prefix="/v1", tags=["verify"], responses=ERROR_RESPONSES)


class VerifyRequest(BaseModel):
    hpf1: str = Field(description="the certificate string, starting with HPF1:", max_length=16_000)


MAX_BATCH_ITEMS = 100
MAX_HPF1_CHARS = 16_000
MAX_BATCH_BYTES = MAX_BATCH_ITEMS * (MAX_HPF1_CHARS + 8) + 1024
"""The largest batch body the server reads (enforced as it streams, verifier/http_guard.py)."""


class BatchRequest(BaseModel):
    items: list[Annotated[str, Field(max_length=MAX_HPF1_CHARS)]] = Field(
        description="HPF1 strings", min_length=1, max_length=MAX_BATCH_ITEMS)


def _unreadable(exc: HpfVerifierError) -> HTTPException:
    detail = {"error": str(exc), "error_zh": getattr(exc, "message_zh", "无法读取证明")}
    kind = getattr(exc, "kind", None)  # the reason code of a malformed HPF1 text, when it has one
    if kind:
        detail["code"] = kind
    return HTTPException(status_code=status.HTTP_422_UNPROCESSABLE_CONTENT, detail=detail)


async def _body_texts(request: Request, state: State) -> list[str]:
    limit = state.settings.verifier_max_upload
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, {"error": f"upload larger than {limit} bytes",
                                                                "error_zh": "上传文件过大"})
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        try:
            payload = VerifyRequest.model_validate_json(await request.body())
        except ValueError as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                {"error": "expected JSON {\"hpf1\": \"HPF1:…\"}", "error_zh": "请求格式错误"}) from exc
        data: bytes | str = payload.hpf1
        filename = None
    elif ctype.startswith("multipart/form-data"):
        form = await request.form(max_part_size=limit)
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                                {"error": "the form needs a 'file' field", "error_zh": "请选择文件"})
        data, filename = await upload.read(), upload.filename
    else:
        data, filename = await request.body(), None
    if len(data) > limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, {"error": f"upload larger than {limit} bytes",
                                                                "error_zh": "上传文件过大"})
    try:
        # Images and PDFs are decoded in the sandbox's worker processes, each within a fixed budget
        # (TOO_COMPLEX beyond it); this thread only waits for the answer, off the event loop.
        scan = await run_in_threadpool(state.scan, data, filename)
        return [c.text for c in scan.codes]
    except SandboxBusy as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, {"error": str(exc), "error_zh": exc.message_zh},
                            headers={"Retry-After": "2"}) from exc
    except HpfVerifierError as exc:
        raise _unreadable(exc) from exc


@router.post("/verify", summary="Verify one upload (image, PDF, text) or a JSON {hpf1}",
             response_model=UploadVerificationPublic, response_model_exclude_unset=True)
async def verify(request: Request, state: State, institution: VerifyingInstitution) -> dict[str, Any]:
    """The same JSON as `hpf verify --json`. When the upload holds several QR codes, the first
    is the top-level result and all are in `results`."""
    texts = await _body_texts(request, state)
    results = await run_in_threadpool(verify_all, state, institution, texts)
    body = results[0].to_json()
    if len(results) > 1:
        body["results"] = [r.to_json() for r in results]
    return body


@router.post("/verify/batch", summary="Verify up to 100 HPF1 strings", response_model=BatchPublic,
             response_model_exclude_unset=True)
def verify_batch(req: BatchRequest, state: State, institution: VerifyingInstitution) -> dict[str, Any]:
    return {"results": [r.to_json() for r in verify_all(state, institution, req.items)]}


@router.get("/blacklist/{subject}", summary="Blacklist status of a subject reference taken from a certificate",
            response_model=BlacklistStatusPublic)
def blacklist(subject: str, state: State, institution: CheckingInstitution) -> dict[str, Any]:
    raw = subject.removeprefix("0x")
    if len(raw) != 64 or any(c not in "0123456789abcdefABCDEF" for c in raw):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            {"error": "a subject reference is 32 bytes of hex", "error_zh": "主体标识格式错误"})
    if state.reader is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, {"error": "no chain configured"})

    ref = bytes.fromhex(raw)
    try:
        entries = state.reader.active_entries(ref)
    except ChainUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, {"error": str(exc), "error_zh": "无法连接区块链"}) from exc
    queue = state.queues.get(institution)
    if queue is not None:
        queue.add([(ref, AccessPurpose.BLACKLIST_CHECKED)])
    return {"subject": "0x" + raw.lower(), "listed": bool(entries), "entries": [e.to_json() for e in entries]}
