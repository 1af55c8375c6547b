"""The employees' API: log in and out, the account, certificates (request, list, download) and
who checked them, their own blacklist entries. An employee sees only their own account and certificates."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import Response as RawResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from issuer.api.deps import Employee, State, set_session_cookie
from issuer.api.errors import ERROR_RESPONSES, ApiError
from issuer.api.models import (
    AccessesPublic,
    CertificatePublic,
    CertificatesPublic,
    InstitutionsPublic,
    IssuedCertificatePublic,
    LoginPublic,
    MePublic,
    MyBlacklistPublic,
    OkPublic,
    PurposesPublic,
)
from issuer.api.services import (
    accesses,
    account_summary,
    certificate_json,
    document,
    issue_and_wait,
    own_certificate,
    subject_of,
)
from issuer.api.state import SESSION_COOKIE, PortalState, log
from issuer.blacklist import entry_json
from issuer.centres import centre_name
from issuer.db import Account, session_scope
from issuer.errors import HpfIssuerError
from issuer.ids import normalise_id, subject_ref
from issuer.limits import DEVICE_COOKIE, DEVICE_SECONDS, Attempt
from issuer.passwords import check_password
from issuer.quotas import charge_certificate
from verifier.disclosure import DEFAULT_DISCLOSURES, SD_FIELDS, minimal_summary_zh
from verifier.format import PURPOSES

router = APIRouter(prefix="/v1", tags=["employee"], responses=ERROR_RESPONSES)

BAD_LOGIN = ("The ID number or the password is wrong.", "身份证号或密码错误。")


class LoginRequest(BaseModel):
    id_number: str = Field(min_length=1, max_length=40, description="resident ID number (身份证号)")
    password: str = Field(min_length=1, max_length=200)


class CertificateRequest(BaseModel):
    purpose: str = Field(default="housing-loan", max_length=40,
                         description="housing-loan, commercial-loan, rental, settlement, employment or other")
    audience: int | None = Field(default=None, ge=1, le=2**32 - 1,
                                 description="the lending institution it is for; null = any")
    minimal: bool = Field(default=False, description="the purpose's minimal certificate (最小披露), docs/privacy.md")


def _account(state: PortalState, account_id: int) -> Account:
    with session_scope(state.engine) as s:
        a = s.get(Account, account_id)
        if a is None or a.centre_code != state.centre:
            raise ApiError(401, "Please log in again (the account no longer exists).", "请重新登录（账户不存在）。")
        s.expunge(a)
        return a


def _wait_sentence(seconds: int) -> tuple[str, str]:
    if seconds < 120:
        return f"{seconds} seconds", f"{seconds} 秒"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes", f"{minutes} 分钟"


@router.post("/login", summary="Log in with the ID number and password; sets the session cookie",
             response_model=LoginPublic)
def login(body: LoginRequest, request: Request, response: Response, state: State,
          hpf_device: Annotated[str | None, Cookie(include_in_schema=False)] = None) -> dict[str, Any]:
    """Failures slow further tries down (issuer/limits.py): the answer says how many tries are
    left, then how long to wait; a correct password from a device that logged in before passes."""
    limiter = state.limiter
    address = limiter.client_address(request.client.host if request.client else None,
                                     request.headers.get("x-forwarded-for"))
    try:
        number: str | None = normalise_id(body.id_number)
    except HpfIssuerError:
        number = None
    account = None
    if number is not None:
        with session_scope(state.engine) as s:
            account = s.scalars(select(Account).where(Account.centre_code == state.centre,
                                                      Account.id_number == number)).first()
            if account is not None:
                s.expunge(account)
    known = account is not None and limiter.known_device(hpf_device, account.id)
    attempt = Attempt(account=number or body.id_number.strip().upper(), address=address,
                      device=hpf_device if known else None)
    wait = limiter.wait(attempt)
    if wait > 0:
        en, zh = _wait_sentence(wait)
        raise ApiError(429, f"Too many failed logins; try again in {en}. On a device you logged in from before, "
                       "the right password is let through.",
                       f"登录失败次数过多，请 {zh}后再试；在以前成功登录过的设备上输入正确密码可直接登录。",
                       headers={"Retry-After": str(wait)}, retry_after=wait)
    ok = check_password(account.password_hash if account is not None else None, body.password)
    if not ok or account is None:
        left = limiter.failed(attempt)
        log.info("login failed", address=address, known_device=known)
        if left:
            raise ApiError(401, f"{BAD_LOGIN[0]} {left} more tries before each further one must wait longer.",
                           f"{BAD_LOGIN[1]}还可尝试 {left} 次，之后每次输错须等待更长时间。", tries_left=left)
        en, zh = _wait_sentence(limiter.wait(attempt))
        raise ApiError(401, f"{BAD_LOGIN[0]} The next try must wait {en}.",
                       f"{BAD_LOGIN[1]}须等待 {zh}后才能再试。", tries_left=0)
    limiter.succeeded(attempt)
    secure = request.url.scheme == "https"
    if not known:
        response.set_cookie(DEVICE_COOKIE, limiter.remember_device(account.id), max_age=DEVICE_SECONDS,
                            httponly=True, samesite="strict", secure=secure, path="/v1/login")
    set_session_cookie(response, state.sessions.issue(account.id), secure=secure, max_age=state.sessions.lifetime)
    return {"account": account_summary(account), "session_seconds": state.sessions.lifetime}


@router.post("/logout", summary="End the session", response_model=OkPublic)
def logout(response: Response, state: State,
           hpf_session: Annotated[str | None, Cookie(include_in_schema=False)] = None) -> dict[str, Any]:
    state.sessions.revoke(hpf_session)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return {"ok": True}


@router.get("/me", summary="The logged-in employee's account summary", response_model=MePublic)
def me(account_id: Employee, state: State) -> dict[str, Any]:
    return {"account": account_summary(_account(state, account_id)), "centre": state.centre,
            "centre_name": state.centre_name()}


@router.get("/purposes", summary="The purposes a certificate may be asked for: Chinese names, days of validity",
            response_model=PurposesPublic)
def purposes(state: State) -> dict[str, Any]:
    days = state.issuer_settings.validity_days_for(state.centre)
    return {"purposes": [{"id": k, "name": v[1], "validity_days": days[k], "minimal": minimal_summary_zh(k),
                          "minimal_is_full": set(DEFAULT_DISCLOSURES[k]) == set(SD_FIELDS)}
                         for k, v in PURPOSES.items()]}


@router.get("/institutions", summary="Registered, active lending institutions (for the request form)",
            response_model=InstitutionsPublic)
def institutions(state: State) -> dict[str, Any]:
    idx = state.synced_indexer(max_age=10.0)
    return {"institutions": [{"id": i["id"], "name": i["name"]} for i in idx.institutions() if i["active"]]}


@router.post("/certificates", summary="Request a certificate; answers once it is anchored on chain",
             response_model=IssuedCertificatePublic, response_model_exclude_unset=True)
def request_certificate(body: CertificateRequest, account_id: Employee, state: State) -> dict[str, Any]:
    # Over the quota: QuotaExceeded answers 429 with Retry-After (issuer/api/errors.py).
    charge_certificate(state.engine, state.centre, account_id, state.issuer_settings.certificates_per_day)
    return issue_and_wait(state, account_id=account_id, purpose=body.purpose, audience=body.audience,
                          minimal=body.minimal)


@router.get("/certificates", summary="The employee's certificates, newest first",
            response_model=CertificatesPublic)
def list_certificates(account_id: Employee, state: State) -> dict[str, Any]:
    return {"certificates": [certificate_json(c) for c in state.issuer.get().certificates(account_id)]}


@router.get("/certificates/{number}", summary="One of the employee's certificates",
            response_model=CertificatePublic)
def get_certificate(number: str, account_id: Employee, state: State) -> dict[str, Any]:
    return certificate_json(own_certificate(state, account_id, number))


@router.get("/certificates/{number}/pdf", summary="Download the signed PDF", response_class=RawResponse,
            responses={200: {"content": {"application/pdf": {}}, "description": "the signed PDF, as an attachment"}})
def download_pdf(number: str, account_id: Employee, state: State) -> RawResponse:
    return document(state, own_certificate(state, account_id, number), "pdf")


@router.get("/certificates/{number}/png", summary="Download the QR code as PNG", response_class=RawResponse,
            responses={200: {"content": {"image/png": {}}, "description": "the QR code as PNG, as an attachment"}})
def download_png(number: str, account_id: Employee, state: State) -> RawResponse:
    return document(state, own_certificate(state, account_id, number), "png")


@router.get("/certificates/{number}/txt", summary="Download the HPF1 text", response_class=RawResponse,
            responses={200: {"content": {"text/plain": {}}, "description": "the HPF1 text, as an attachment"}})
def download_txt(number: str, account_id: Employee, state: State) -> RawResponse:
    return document(state, own_certificate(state, account_id, number), "txt")


@router.get("/certificates/{number}/accesses",
            summary="Who verified the certificate, and who checked its holder on the blacklist (from the chain)",
            response_model=AccessesPublic)
def certificate_accesses(number: str, account_id: Employee, state: State) -> dict[str, Any]:
    cert = own_certificate(state, account_id, number)
    refs = [cert.digest] if cert.digest else []
    subject = subject_of(cert)
    if subject is not None:
        refs.append(subject)
    return {"number": cert.number, "accesses": accesses(state, *refs, audience=cert.audience) if refs else []}


#: How a listed person appeals: to the listing centre, in person or through the national hotline.
APPEAL_HOW_ZH = ("如对列入有异议，请携带身份证件到列入中心的服务窗口提出申诉，或拨打全国住房公积金服务热线 12329 "
                 "转该中心。申诉期间条目显示为“申诉中”。")


@router.get("/me/blacklist", summary="The logged-in employee's own active blacklist entries, and how to appeal",
            response_model=MyBlacklistPublic)
def my_blacklist(account_id: Employee, state: State) -> dict[str, Any]:
    """Only the employee's own entries (their subject reference is computed from their own ID
    number); nothing about anyone else."""
    with session_scope(state.engine) as s:
        account = s.get(Account, account_id)
        id_number = account.id_number if account is not None else None
    if id_number is None:
        return {"listed": False, "entries": [], "how_to_appeal_zh": APPEAL_HOW_ZH}
    ix = state.synced_indexer(max_age=5.0)
    now = int(ix.w3.eth.get_block("latest")["timestamp"])
    subject = subject_ref(state.issuer_settings.consortium_key_bytes(), id_number)
    entries = []
    for e in ix.active_entries_of(subject, now):
        row = entry_json(e, now=now)
        row["centre_name"] = centre_name(e.centre, ix.centres)
        entries.append(row)
    return {"listed": bool(entries), "entries": entries, "how_to_appeal_zh": APPEAL_HOW_ZH}
