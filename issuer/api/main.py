"""Builds a fund centre's portal service: the employees' and staff API, health, OpenAPI docs and
the portal pages (issuer/web/)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from issuer import documents
from issuer.api import errors
from issuer.api.models import HealthPublic
from issuer.api.routes import employee, governance, public, staff
from issuer.api.state import SESSION_COOKIE, ChainServiceDown, Lazy, PortalState, Sessions, log
from issuer.blacklist import open_service
from issuer.db import make_engine, upgrade
from issuer.ids import check_centre_code
from issuer.issuance import open_issuer as open_
from issuer.limits import LoginThrottle
from issuer.pki import check_key_files
from issuer.settings import IssuerSettings, get_issuer_settings
from node.chain import connect
from node.deploy import DeploymentRecord
from node.indexer import Indexer
from node.settings import Settings, get_settings
from verifier.api.docs import install_docs
from verifier.http_guard import BodyLimit, SecurityHeaders, header

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
_PAGES = {"/": "login.html", "/account": "account.html", "/staff": "staff.html"}
_LOGIN_BODY = 8 * 1024
"""Login is the one body read before anyone is known: ID number and password fit in far less."""
_API_BODY = 64 * 1024


def build_state(centre: int, node_settings: Settings, issuer_settings: IssuerSettings, issuer: Any = None) -> PortalState:
    """The service's state. The issuer, the blacklist service and the event index are opened on
    first use (the lifespan opens the issuer at start when it can)."""
    check_centre_code(centre)
    ns, iset = node_settings, issuer_settings
    if issuer is not None:
        engine = issuer.engine
    else:
        engine = make_engine(iset.database_url_for(centre))
        upgrade(engine)

    def open_issuer() -> Any:
        iss = open_(centre, node_settings=ns, issuer_settings=iset, batch_size=iset.batch_size,
                    batch_timeout=iset.batch_timeout, engine=engine)
        iss.start()
        log.info("issuer started", centre=centre, batch_size=iset.batch_size, batch_timeout=iset.batch_timeout)
        return iss

    def open_indexer() -> Any:
        record = DeploymentRecord.load(ns.deployment_file)
        return Indexer(connect(ns), record.addresses(), record.start_block, ns.index_file)

    indexer = Lazy("indexer", open_indexer)

    def open_blacklist() -> Any:
        svc = open_service(ns, centre, iset.consortium_key_bytes())
        svc.indexer = indexer.get()  # one index per process
        return svc

    secret = iset.session_secret.get_secret_value().encode() if iset.session_secret else secrets.token_bytes(32)
    state = PortalState(
        centre=centre, node_settings=ns, issuer_settings=iset, engine=engine,
        issuer=Lazy("issuer", open_issuer), blacklist=Lazy("blacklist", open_blacklist), indexer=indexer,
        sessions=Sessions(secret, centre), staff_keys=frozenset(iset.staff_keys_for(centre)),
        limiter=LoginThrottle(engine, centre, proxies=iset.proxy_networks()),
    )
    if issuer is not None:
        state.issuer.set(issuer)
    return state


def create_app(
    centre: int,
    *,
    node_settings: Settings | None = None,
    issuer_settings: IssuerSettings | None = None,
    issuer: Any = None,
) -> FastAPI:
    """The portal service of `centre`. With `issuer`, that Issuer is used (and its engine) and
    the caller starts and closes it; otherwise the service opens and starts its own."""
    ns = node_settings or get_settings()
    iset = issuer_settings or get_issuer_settings()
    own_issuer = issuer is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        check_key_files(iset.home / "pki")  # refuse to start on a world-readable key file
        state = await run_in_threadpool(build_state, centre, ns, iset, issuer)
        app.state.hpf = state

        def warm_up() -> None:
            documents.preload()
            try:
                state.issuer.get()
            except ChainServiceDown as exc:
                log.warning("starting without the chain: chain-dependent calls answer 503 until it is back",
                            error=str(exc))

        await run_in_threadpool(warm_up)
        try:
            yield
        finally:
            if own_issuer and state.issuer.value is not None:
                await run_in_threadpool(state.issuer.value.close)
            if state.indexer.value is not None:
                state.indexer.value.close()
            if own_issuer:
                state.engine.dispose()

    app = FastAPI(
        title=f"hpf-trust fund centre {centre}",
        description="A fund centre's portal (职工服务门户): employees log in, see their account, request and "
        "download deposit certificates (缴存证明) and see who checked them; staff (X-Staff-Key) issue, "
        "revoke and keep the shared blacklist. Errors are JSON {error, error_zh}.",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    errors.install(app)
    install_docs(app)
    app.include_router(employee.router)
    app.include_router(staff.router)
    app.include_router(public.router)
    app.include_router(governance.router)
    # Pure ASGI middlewares: authenticate from the headers, then bound the body as it streams; every
    # response (pages and API) carries the security headers (verifier/http_guard.py).
    app.add_middleware(BodyLimit, policy=_body_policy, error=lambda status, en, zh: {"error": en, "error_zh": zh},
                       unauthorized=("Please log in, or give a staff key (header X-Staff-Key).",
                                     "请先登录，或提供工作人员密钥（X-Staff-Key）。"))
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", tags=["health"], response_model=HealthPublic)
    def healthz(request: Request) -> dict[str, Any]:
        st: PortalState = request.app.state.hpf
        try:
            iss = st.issuer.get()
            issuer_info: dict[str, Any] = {"running": True, "last_error": iss.last_error}
        except ChainServiceDown as exc:
            issuer_info = {"running": False, "error": str(exc)}
        return {"status": "ok", "centre": st.centre, "issuer": issuer_info}

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")

    def page(name: str) -> Callable[[], FileResponse]:
        def serve_page() -> FileResponse:
            return FileResponse(WEB_DIR / name, headers={"Cache-Control": "no-cache"})

        return serve_page

    for path, name in _PAGES.items():
        app.add_api_route(path, page(name), methods=["GET"], include_in_schema=False)
    return app


def _cookie(scope: dict[str, Any], name: str) -> str | None:
    raw = header(scope, "cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


def _body_policy(scope: dict[str, Any]) -> tuple[int, bool]:
    """Body limit and authentication of one request from its headers, before its body is read:
    staff routes need a staff key, the employee's routes a session; only login is open."""
    st: PortalState | None = getattr(scope["app"].state, "hpf", None)
    path = scope.get("path", "")
    if path in ("/v1/login", "/v1/logout"):
        return _LOGIN_BODY, True
    if st is None:
        return _API_BODY, False
    if path.startswith("/v1/staff/"):
        return _API_BODY, st.is_staff(header(scope, "x-staff-key"))
    if path.startswith("/v1/"):
        return _API_BODY, st.sessions.read(_cookie(scope, SESSION_COOKIE)) is not None
    return _API_BODY, True
