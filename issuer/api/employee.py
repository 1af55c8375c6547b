"""The employees' API: log in and out, the account, certificates (request, list, download) and
who checked them. An employee sees only their own account and certificates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Cookie, Request, Response
from fastapi.responses import Response as RawResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from issuer.api.deps import Employee, State, set_session_cookie
from issuer.api.errors import ERROR_RESPONSES, ApiError
from issuer.api.state import SESSION_COOKIE, PortalState, log
from issuer.db import Account, session_scope
from issuer.errors import HpfIssuerError
from issuer.ids import mask_id
from issuer.issuance import mask_account
from node.bindings import AccessPurpose
from verifier.labels import ACCOUNT_STATUS_ZH, yuan

router = APIRouter(prefix="/v1", tags=["employee"], responses=ERROR_RESPONSES)

ACCESS_PURPOSES = {
    int(AccessPurpose.CERTIFICATE_VERIFIED): ("certificate-verified", "核验证明"),
    int(AccessPurpose.BLACKLIST_CHECKED): ("blacklist-checked", "查询黑名单"),
    int(AccessPurpose.CERTIFICATE_DOWNLOADED): ("certificate-downloaded", "下载证明"),
}
BAD_LOGIN = ("The ID number or the password is wrong.", "身份证号或密码错误。")
REQUEST_TIMEOUT = 30.0


class LoginRequest(BaseModel):
    id_number: str = Field(min_length=1, max_length=40, description="resident ID number (身份证号)")
    password: str = Field(min_length=1, max_length=200)


class CertificateRequest(BaseModel):
    purpose: str = Field(default="housing-loan", max_length=40,
                         description="housing-loan, commercial-loan, rental, settlement, employment or other")
    audience: int | None = Field(default=None, ge=1, le=2**32 - 1,
                                 description="the lending institution it is for; null = any")
    minimal: bool = Field(default=False, description="the purpose's minimal certificate (最小披露), docs/privacy.md")


def account_summary(a: Account) -> dict[str, Any]:
    status = a.status.value if hasattr(a.status, "value") else str(a.status)
    return {
        "name": a.name,
        "id_masked": mask_id(a.id_number, normalised=True),
        "employer_name": a.employer_name,
        "personal_account_masked": mask_account(a.personal_account),
        "status": status,
        "status_zh": ACCOUNT_STATUS_ZH.get(status, status),
        "opened": a.opened.isoformat(),
        "balance": a.balance,
        "balance_yuan": yuan(a.balance),
        "deposit_base": a.deposit_base,
        "deposit_base_yuan": yuan(a.deposit_base),
        "monthly_amount": a.monthly_amount,
        "monthly_amount_yuan": yuan(a.monthly_amount),
        "first_month": a.first_month,
        "last_month": a.last_month,
        "months_paid": a.months_paid,
        "months_continuous": a.months_continuous,
        "loan_outstanding": a.loan_outstanding,
    }


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


@router.post("/login", summary="Log in with the ID number and password; sets the session cookie")
def login(body: LoginRequest, request: Request, response: Response, state: State,
          hpf_device: Annotated[str | None, Cookie(include_in_schema=False)] = None) -> dict[str, Any]:
    """Failures slow further tries down (issuer/limits.py): the answer says how many tries are
    left, then how long to wait; a correct password from a device that logged in before passes."""
    from issuer.ids import normalise_id  # noqa: PLC0415
    from issuer.limits import DEVICE_COOKIE, DEVICE_SECONDS, Attempt  # noqa: PLC0415
    from issuer.passwords import check_password  # noqa: PLC0415

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


@router.post("/logout", summary="End the session")
def logout(response: Response, state: State,
           hpf_session: Annotated[str | None, Cookie(include_in_schema=False)] = None) -> dict[str, Any]:
    state.sessions.revoke(hpf_session)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return {"ok": True}


@router.get("/me", summary="The logged-in employee's account summary")
def me(account_id: Employee, state: State) -> dict[str, Any]:
    return {"account": account_summary(_account(state, account_id)), "centre": state.centre,
            "centre_name": state.centre_name()}


@router.get("/purposes", summary="The purposes a certificate may be asked for: Chinese names, days of validity")
def purposes(state: State) -> dict[str, Any]:
    from verifier.disclosure import DEFAULT_DISCLOSURES, SD_FIELDS, minimal_summary_zh  # noqa: PLC0415
    from verifier.format import PURPOSES  # noqa: PLC0415

    days = state.issuer_settings.validity_days_for(state.centre)
    return {"purposes": [{"id": k, "name": v[1], "validity_days": days[k], "minimal": minimal_summary_zh(k),
                          "minimal_is_full": set(DEFAULT_DISCLOSURES[k]) == set(SD_FIELDS)}
                         for k, v in PURPOSES.items()]}


@router.get("/institutions", summary="Registered, active lending institutions (for the request form)")
def institutions(state: State) -> dict[str, Any]:
    idx = state.synced_indexer(max_age=10.0)
    return {"institutions": [{"id": i["id"], "name": i["name"]} for i in idx.institutions() if i["active"]]}


def institution_name(state: PortalState, institution: int | None) -> str | None:
    """A lending institution's registered name (None when unknown or the chain is down)."""
    if institution is None:
        return None
    try:
        for i in state.synced_indexer(max_age=10.0).institutions():
            if i["id"] == institution:
                return str(i["name"])
    except Exception:  # noqa: BLE001 — a name is a courtesy; the number is printed anyway
        log.warning("institution names unavailable", institution=institution)
    return None


def certificate_json(c: Any) -> dict[str, Any]:
    body = c.to_json()
    body["ready"] = c.text is not None and c.revoked_at is None  # a revoked one is not offered
    return body


def issue_and_wait(state: PortalState, **request: Any) -> dict[str, Any]:
    """Issue a certificate (`Issuer.submit` arguments) and answer once it is anchored; 503 when
    the chain does not anchor it in time (it stays queued and shows up in the list later)."""
    from issuer import current  # noqa: PLC0415
    from issuer.issuance import IssuanceError  # noqa: PLC0415

    issuer = state.issuer.get()
    # One current certificate per purpose and institution: offer it, or supersede it.
    found = current.find_current(state.engine, state.centre, account_id=request.get("account_id"),
                                 id_number=request.get("id_number"), purpose=request.get("purpose", "housing-loan"),
                                 audience=request.get("audience"), minimal=bool(request.get("minimal")))
    if found is not None and found.same_figures:
        body = certificate_json(issuer.certificate(found.number))
        body["existing"] = True
        return body
    supersedes = (found.id, found.number) if found is not None else None
    cert_id = issuer.submit(**request, supersedes=supersedes)
    try:
        cert = issuer.wait(cert_id, timeout=REQUEST_TIMEOUT)
    except IssuanceError as exc:
        raise ApiError(503, exc.message, exc.message_zh or "证明已签发但尚未上链，请稍后在列表中查看。") from exc
    body = certificate_json(cert)
    body["existing"] = False
    if found is not None:
        body["superseded"] = found.number
        body["superseded_revoked"] = current.revoke_superseded(issuer, found.number, cert.number)
    return body


@router.post("/certificates", summary="Request a certificate; answers once it is anchored on chain")
def request_certificate(body: CertificateRequest, account_id: Employee, state: State) -> dict[str, Any]:
    from issuer.quotas import charge_certificate  # noqa: PLC0415

    # Over the quota: QuotaExceeded answers 429 with Retry-After (issuer/api/errors.py).
    charge_certificate(state.engine, state.centre, account_id, state.issuer_settings.certificates_per_day)
    return issue_and_wait(state, account_id=account_id, purpose=body.purpose, audience=body.audience,
                          minimal=body.minimal)


@router.get("/certificates", summary="The employee's certificates, newest first")
def list_certificates(account_id: Employee, state: State) -> dict[str, Any]:
    return {"certificates": [certificate_json(c) for c in state.issuer.get().certificates(account_id)]}


def own_certificate(state: PortalState, account_id: int, number: str) -> Any:
    from issuer.issuance import NotFound  # noqa: PLC0415

    if len(number) > 40:
        raise ApiError(404, "There is no such certificate.", "没有该证明。")
    try:
        cert = state.issuer.get().certificate(number)
    except NotFound:
        cert = None
    if cert is None or cert.account_id != account_id:
        raise ApiError(404, f"You have no certificate {number}.", f"您没有编号为 {number} 的证明。")
    return cert


@router.get("/certificates/{number}", summary="One of the employee's certificates")
def get_certificate(number: str, account_id: Employee, state: State) -> dict[str, Any]:
    return certificate_json(own_certificate(state, account_id, number))


def _ready_text(cert: Any) -> str:
    if cert.revoked_at is not None:
        raise ApiError(410, f"Certificate {cert.number} is revoked and no longer offered for download.",
                       f"证明 {cert.number} 已撤销，不再提供下载。")
    if cert.text is None:
        raise ApiError(409, f"Certificate {cert.number} is not anchored on chain yet; try again shortly.",
                       f"证明 {cert.number} 尚未上链，请稍后再下载。")
    return str(cert.text)


def _attachment(data: bytes, media_type: str, filename: str) -> RawResponse:
    return RawResponse(data, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"})


def document(state: PortalState, cert: Any, kind: str) -> RawResponse:
    from issuer import documents  # noqa: PLC0415

    text = _ready_text(cert)
    name = f"hpf-certificate-{cert.number}.{kind}"
    verify_url = state.node_settings.verifier_public_url
    if kind == "pdf":
        data = documents.render_pdf(text, centre_name=state.centre_name(), signer=state.pdf_signer(),
                                    verify_url=verify_url, audience_name=institution_name(state, cert.audience))
        return _attachment(data, "application/pdf", name)
    if kind == "png":
        from verifier.format import decode  # noqa: PLC0415

        png = documents.render_qr_png(text, cert.number, holder=decode(text).certificate.name,
                                      centre_name=state.centre_name(), verify_url=verify_url)
        return _attachment(png, "image/png", name)
    return _attachment((text + "\n").encode("ascii"), "text/plain; charset=utf-8", name)


@router.get("/certificates/{number}/pdf", summary="Download the signed PDF", response_class=RawResponse)
def download_pdf(number: str, account_id: Employee, state: State) -> RawResponse:
    return document(state, own_certificate(state, account_id, number), "pdf")


@router.get("/certificates/{number}/png", summary="Download the QR code as PNG", response_class=RawResponse)
def download_png(number: str, account_id: Employee, state: State) -> RawResponse:
    return document(state, own_certificate(state, account_id, number), "png")


@router.get("/certificates/{number}/txt", summary="Download the HPF1 text", response_class=RawResponse)
def download_txt(number: str, account_id: Employee, state: State) -> RawResponse:
    return document(state, own_certificate(state, account_id, number), "txt")


def accesses(state: PortalState, *refs: bytes, audience: int | None = None) -> list[dict[str, Any]]:
    """Who accessed any of `refs` (certificate digests, the holder's subject reference), newest
    first. The records on chain are sealed; the centre opens them with the consortium trace key
    (docs/privacy.md), so this is the only place they join up, for the logged-in holder alone.
    With `audience` (the one institution it is for), a verification by any other institution is
    marked `refused`: the verifier said WRONG_AUDIENCE."""
    idx = state.synced_indexer()
    idx.open_accesses(idx.trace_key_versions(state.issuer_settings.trace_private_keys()))
    names = {i["id"]: i["name"] for i in idx.institutions()}
    names.update({c["code"]: c["name"] for c in idx.centres()})
    found = sorted((r for ref in dict.fromkeys(refs) for r in idx.accesses_to(ref)),
                   key=lambda r: (r.block, r.recorded_at))
    out = []
    for r in found:
        purpose, purpose_zh = ACCESS_PURPOSES.get(int(r.purpose), ("other", "其他"))
        out.append({
            "institution": r.recorder,
            "institution_name": names.get(r.recorder),
            "purpose": purpose,
            "purpose_zh": purpose_zh,
            "time": datetime.fromtimestamp(r.recorded_at, UTC).isoformat(),
            "block": r.block,
            "tx": "0x" + bytes(r.tx).hex(),
            "refused": audience is not None and r.recorder != audience
            and int(r.purpose) == int(AccessPurpose.CERTIFICATE_VERIFIED),
        })
    out.reverse()  # newest first
    return out


@router.get("/certificates/{number}/accesses",
            summary="Who verified the certificate, and who checked its holder on the blacklist (from the chain)")
def certificate_accesses(number: str, account_id: Employee, state: State) -> dict[str, Any]:
    cert = own_certificate(state, account_id, number)
    refs = [cert.digest] if cert.digest else []
    subject = _subject_of(cert)
    if subject is not None:
        refs.append(subject)
    return {"number": cert.number, "accesses": accesses(state, *refs, audience=cert.audience) if refs else []}


def _subject_of(cert: Any) -> bytes | None:
    """The holder's subject reference, read from the certificate itself."""
    from verifier import format as fmt  # noqa: PLC0415

    if cert.text is None:
        return None
    try:
        return bytes(fmt.decode(cert.text).certificate.subject_ref)
    except Exception:  # noqa: BLE001 - an unreadable stored text shows no blacklist checks
        return None
