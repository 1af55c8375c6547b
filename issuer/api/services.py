"""What the portal's routes share, out of the route modules: a certificate as JSON, issuing one
and waiting for its anchoring, an employee's own certificate, its downloads, and who accessed it.

These speak HTTP where a route would (ApiError with its status), so they live under issuer/api/,
not in the issuer's domain modules; the staff and the employee routes both call them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi.responses import Response as RawResponse

from issuer import current, documents
from issuer.api.errors import ApiError
from issuer.api.state import PortalState, log
from issuer.db import Account
from issuer.ids import mask_id
from issuer.issuance import IssuanceError, NotFound, mask_account
from node.bindings import AccessPurpose
from verifier import format as fmt
from verifier.format import decode
from verifier.labels import ACCOUNT_STATUS_ZH, yuan

ACCESS_PURPOSES = {
    int(AccessPurpose.CERTIFICATE_VERIFIED): ("certificate-verified", "核验证明"),
    int(AccessPurpose.BLACKLIST_CHECKED): ("blacklist-checked", "查询黑名单"),
    int(AccessPurpose.CERTIFICATE_DOWNLOADED): ("certificate-downloaded", "下载证明"),
}
REQUEST_TIMEOUT = 30.0
"""Seconds a request waits for its certificate to be anchored before answering 503."""


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
    body: dict[str, Any] = c.to_json()
    body["ready"] = c.text is not None and c.revoked_at is None  # a revoked one is not offered
    return body


def issue_and_wait(state: PortalState, **request: Any) -> dict[str, Any]:
    """Issue a certificate (`Issuer.submit` arguments) and answer once it is anchored; 503 when
    the chain does not anchor it in time (it stays queued and shows up in the list later)."""
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


def own_certificate(state: PortalState, account_id: int, number: str) -> Any:
    if len(number) > 40:
        raise ApiError(404, "There is no such certificate.", "没有该证明。")
    try:
        cert = state.issuer.get().certificate(number)
    except NotFound:
        cert = None
    if cert is None or cert.account_id != account_id:
        raise ApiError(404, f"You have no certificate {number}.", f"您没有编号为 {number} 的证明。")
    return cert


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
    text = _ready_text(cert)
    name = f"hpf-certificate-{cert.number}.{kind}"
    verify_url = state.node_settings.verifier_public_url
    if kind == "pdf":
        data = documents.render_pdf(text, centre_name=state.centre_name(), signer=state.pdf_signer(),
                                    verify_url=verify_url, audience_name=institution_name(state, cert.audience))
        return _attachment(data, "application/pdf", name)
    if kind == "png":
        png = documents.render_qr_png(text, cert.number, holder=decode(text).certificate.name,
                                      centre_name=state.centre_name(), verify_url=verify_url)
        return _attachment(png, "image/png", name)
    return _attachment((text + "\n").encode("ascii"), "text/plain; charset=utf-8", name)


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


def subject_of(cert: Any) -> bytes | None:
    """The holder's subject reference, read from the certificate itself."""
    if cert.text is None:
        return None
    try:
        return bytes(fmt.decode(cert.text).certificate.subject_ref)
    except Exception:  # noqa: BLE001 - an unreadable stored text shows no blacklist checks
        return None
