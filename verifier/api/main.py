"""Builds the verifier's FastAPI app: API, health, OpenAPI docs and the loan officers' page."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from node.errors import HpfNodeError
from node.log import get_logger
from node.settings import Settings
from verifier.api.docs import install_docs
from verifier.api.models import HealthPublic
from verifier.api.routes import officer, verify
from verifier.api.state import ServiceState, demo_api_keys, open_quotas
from verifier.apikeys import ApiKeyStore, key_store_path
from verifier.errors import HpfVerifierError
from verifier.http_guard import BodyLimit, SecurityHeaders, header
from verifier.sandbox import Sandbox
from verifier.service_setup import chain_reader
from verifier.trace import WrongInstitution, open_queue

log = get_logger("hpf.verifier")
WEB_DIR = Path(__file__).resolve().parents[1] / "web"


def build_state(settings: Settings, *, trace: bool = True) -> ServiceState:
    try:
        reader = chain_reader(settings)
    except HpfNodeError as exc:
        log.warning("no deployment: every chain check will be INDETERMINATE", error=str(exc))
        reader = None
    keys = dict(settings.verifier_api_keys) or (demo_api_keys() if settings.local else {})
    store = ApiKeyStore(key_store_path(settings.home))
    state = ServiceState(settings=settings, reader=reader, api_keys=keys, quotas=open_quotas(settings),
                         key_store=store)
    if trace and reader is not None:
        for institution in sorted(set(keys.values()) | store.institutions()):
            try:
                q = open_queue(settings, institution)
            except WrongInstitution as exc:
                # Recording its checks under another institution's account would misname who checked.
                log.warning("requests of institution refused", institution=institution, error=str(exc))
                state.refused.add(institution)
                continue
            except HpfNodeError as exc:
                log.warning("access trace disabled for institution", institution=institution, error=str(exc))
                continue
            q.start()
            state.queues[institution] = q
    return state


def create_app(settings: Settings, *, state: ServiceState | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        st = app.state.hpf = state or build_state(settings)
        own_sandbox = st.sandbox is None
        if own_sandbox:
            st.sandbox = Sandbox()
        try:
            yield
        finally:
            for q in st.queues.values():
                q.stop()
            if own_sandbox:
                st.sandbox.close()
                st.sandbox = None

    app = FastAPI(
        title="hpf-trust verifier",
        description="Verify provident-fund deposit certificates (缴存证明) against the consortium chain.",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.include_router(verify.router)
    app.include_router(officer.router)
    app.add_middleware(BodyLimit, policy=_body_policy, error=_error_body,
                       unauthorized=("missing or unknown API key (header X-API-Key)", "缺少或无效的 API 密钥"))
    app.add_middleware(SecurityHeaders)
    install_docs(app)

    @app.exception_handler(HpfVerifierError)
    async def _verifier_error(request: Request, exc: HpfVerifierError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"error": str(exc), "error_zh": getattr(exc, "message_zh", None)})

    @app.get("/healthz", tags=["health"], response_model=HealthPublic)
    def healthz(request: Request) -> dict[str, Any]:
        st: ServiceState = request.app.state.hpf
        chain: dict[str, Any] = {"configured": st.reader is not None}
        if st.reader is not None:
            try:
                chain["block"] = int(st.reader.rpc.call("eth_blockNumber", []), 16)
                chain["reachable"] = True
            except Exception as exc:  # noqa: BLE001 — health reports any failure to reach the node
                chain.update(reachable=False, error=str(exc))
        return {"status": "ok", "chain": chain, "trace_pending": {i: q.pending() for i, q in st.queues.items()}}

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html")

    return app


_SMALL_BODY = 64 * 1024
_MULTIPART_OVERHEAD = 64 * 1024


def _error_body(status: int, en: str, zh: str) -> dict[str, Any]:
    return {"detail": {"error": en, "error_zh": zh}}


def _body_policy(scope: dict[str, Any]) -> tuple[int, bool]:
    """Body limit and authentication of one request, from its headers (before its body is read)."""
    st: ServiceState | None = getattr(scope["app"].state, "hpf", None)
    path = scope.get("path", "")
    if path == "/v1/verify/batch":
        limit = verify.MAX_BATCH_BYTES
    elif path == "/v1/verify":
        limit = (st.settings.verifier_max_upload if st else 0) + _MULTIPART_OVERHEAD
    else:
        limit = _SMALL_BODY
    if path.startswith("/v1/"):
        return limit, st is not None and st.institution_of(header(scope, "x-api-key")) is not None
    return limit, True
