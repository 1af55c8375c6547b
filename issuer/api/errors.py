"""Every error the portal API answers is JSON `{"error": English sentence, "error_zh": Chinese
sentence}` with a fitting status: a domain error carries its own (`http_status`), validation errors are
reshaped here."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from requests.exceptions import RequestException
from starlette.exceptions import HTTPException as StarletteHTTPException

from issuer.api.state import ChainServiceDown, log
from issuer.errors import HpfIssuerError
from node.errors import ContractError, HpfNodeError
from verifier.chain import ChainUnavailable

CHAIN_DOWN = ("The consortium chain cannot be reached right now; please try again shortly.",
              "暂时无法连接联盟区块链，请稍后再试。")

_GENERIC_ZH = {
    400: "请求有误。", 401: "请先登录。", 403: "无权访问。", 404: "未找到。", 405: "不支持该请求方法。",
    409: "当前状态下无法完成该操作。", 413: "请求内容过大。", 422: "请求格式错误。", 429: "请求过于频繁，请稍后再试。",
    500: "服务器内部错误。", 503: "服务暂时不可用，请稍后再试。",
}


class ErrorBody(BaseModel):
    """Every error the portal answers: one English sentence and its Chinese version (some errors
    add fields, e.g. `fields` for a request that is not valid)."""

    model_config = ConfigDict(extra="allow")
    error: str
    error_zh: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text}
    for code, text in ((400, "Bad input (one sentence naming the field)"), (401, "Not logged in / no staff key"),
                       (404, "Not found"), (409, "Not possible in the current state"),
                       (413, "Request body too large"), (422, "The request is not valid"),
                       (429, "Too many attempts; see Retry-After"), (503, "The chain is unreachable"))
}
"""Documented on every route (status_code_conformance of the schema-driven fuzzer)."""


class ApiError(HTTPException):
    """An HTTP error with its English and Chinese sentences."""

    def __init__(self, status_code: int, error: str, error_zh: str, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(status_code=status_code, detail={"error": error, "error_zh": error_zh, **extra},
                         headers=headers)


def chain_down(detail: str | None = None) -> ApiError:
    extra: dict[str, Any] = {"detail": detail} if detail else {}
    return ApiError(503, CHAIN_DOWN[0], CHAIN_DOWN[1], **extra)


def status_of(exc: HpfIssuerError) -> int:
    """The status a domain error answers with: its class says (`http_status`, issuer/errors.py)."""
    return exc.http_status


def _body(error: str, error_zh: str | None, status: int, **extra: Any) -> dict[str, Any]:
    return {"error": error, "error_zh": error_zh or _GENERIC_ZH.get(status, "请求失败。"), **extra}


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.detail, dict) and "error" in exc.detail:
            content = exc.detail
        else:
            content = _body(str(exc.detail), None, exc.status_code)
        return JSONResponse(content, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e.get("loc", ()) if p != "body")
            fields.append({"field": where, "message": e.get("msg", "")})
        text = "; ".join(f"{f['field']}: {f['message']}" if f["field"] else f["message"] for f in fields)
        names = "、".join(f["field"] for f in fields if f["field"])
        return JSONResponse(
            _body(f"The request is not valid: {text}.", f"请求格式错误{('：' + names + ' 无效或缺失') if names else ''}。",
                  422, fields=fields),
            status_code=422,
        )

    @app.exception_handler(HpfIssuerError)
    async def _issuer(request: Request, exc: HpfIssuerError) -> JSONResponse:
        status = status_of(exc)
        retry_after = getattr(exc, "retry_after", None)  # a quota that knows when its window ends
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return JSONResponse(_body(exc.message, exc.message_zh, status), status_code=status, headers=headers)

    @app.exception_handler(ContractError)
    async def _contract(request: Request, exc: ContractError) -> JSONResponse:
        return JSONResponse(_body(f"The chain refused the operation: {exc}.", "区块链拒绝了该操作。", 409),
                            status_code=409)

    async def _down(request: Request, exc: Exception) -> JSONResponse:
        log.warning("chain unavailable", path=request.url.path, error=str(exc))
        return JSONResponse(_body(*CHAIN_DOWN, 503), status_code=503)

    for cls in (ChainServiceDown, ChainUnavailable, HpfNodeError, ConnectionError, TimeoutError, RequestException):
        app.add_exception_handler(cls, _down)
