"""The centre staff's API (header X-Staff-Key): issuance status, issuing for an employee,
revocation, and the shared blacklist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from issuer.api.deps import Staff, State
from issuer.api.errors import ERROR_RESPONSES, ApiError
from issuer.api.models import (
    AccessesPublic,
    BlacklistCheckPublic,
    BlacklistChecksPublic,
    BlacklistStatsPublic,
    CertificatePublic,
    IssuanceStatusPublic,
    IssuedCertificatePublic,
    ListedPublic,
)
from issuer.api.services import accesses, certificate_json, issue_and_wait
from issuer.ids import mask_id
from issuer.issuance import REVOCATION_REASONS

router = APIRouter(prefix="/v1/staff", tags=["staff"], responses=ERROR_RESPONSES)


class StaffCertificateRequest(BaseModel):
    id_number: str = Field(min_length=1, max_length=40, description="the employee's resident ID number")
    purpose: str = Field(default="housing-loan", max_length=40)
    audience: int | None = Field(default=None, ge=1, le=2**32 - 1)


class RevokeRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="why (kept by the centre)")
    code: str = Field(default="other", description="superseded, issued-in-error, account-changed, key-compromised, other")


class BlacklistAdd(BaseModel):
    id_number: str = Field(min_length=1, max_length=40)
    reason: str = Field(description="forged-materials, fraudulent-withdrawal, loan-default, fraudulent-loan, other")
    years: int = Field(ge=1, le=100, description="3 to 5")
    note: str = Field(default="", max_length=2000, description="kept in the off-chain case file")


@router.get("/status", summary="Issuance status: certificates and batches by state, the last anchored batch",
            response_model=IssuanceStatusPublic)
def status(_: Staff, state: State) -> dict[str, Any]:
    return state.issuer.get().status()


@router.post("/certificates", summary="Issue a certificate for an employee (waits for anchoring)",
             response_model=IssuedCertificatePublic, response_model_exclude_unset=True)
def issue(body: StaffCertificateRequest, _: Staff, state: State) -> dict[str, Any]:
    return issue_and_wait(state, id_number=body.id_number, purpose=body.purpose, audience=body.audience)


@router.get("/certificates/{number}", summary="Any certificate of the centre, with who checked it",
            response_model=CertificatePublic)
def certificate(number: str, _: Staff, state: State) -> dict[str, Any]:
    cert = state.issuer.get().certificate(number)
    return certificate_json(cert)


@router.get("/certificates/{number}/accesses", summary="Who verified a certificate of the centre",
            response_model=AccessesPublic)
def certificate_accesses(number: str, _: Staff, state: State) -> dict[str, Any]:
    cert = state.issuer.get().certificate(number)
    return {"number": cert.number, "accesses": accesses(state, cert.digest, audience=cert.audience) if cert.digest else []}


@router.post("/certificates/{number}/revoke", summary="Revoke a certificate on chain",
             response_model=CertificatePublic)
def revoke(number: str, body: RevokeRequest, _: Staff, state: State) -> dict[str, Any]:
    code = REVOCATION_REASONS.get(body.code.strip().lower())
    if code is None:
        raise ApiError(400, f"Unknown revocation code {body.code!r}; use one of: {', '.join(REVOCATION_REASONS)}.",
                       "撤销原因代码无效，可选：superseded（被替代）、issued-in-error（误发）、account-changed（账户变更）、"
                       "key-compromised（密钥泄露）、other（其他）。")
    return certificate_json(state.issuer.get().revoke(number, body.reason, code=code))


@router.post("/blacklist", summary="List a person on the shared blacklist (3-5 years)",
             response_model=ListedPublic)
def blacklist_add(body: BlacklistAdd, _: Staff, state: State) -> dict[str, Any]:
    listed = state.blacklist.get().add(body.id_number, body.reason, body.years, note=body.note)
    return {
        "entry_id": listed.entry_id,
        "id_masked": mask_id(body.id_number),
        "subject": "0x" + listed.subject.hex(),
        "expires_at": listed.expires_at,
        "case_hash": "0x" + listed.case_hash.hex(),
    }


@router.get("/blacklist/check", summary="Every active entry of a person across all centres",
            response_model=BlacklistCheckPublic)
def blacklist_check(
    _: Staff, state: State,
    id_number: Annotated[str, Query(min_length=1, max_length=40)],
    direct: Annotated[bool, Query(description="read the chain instead of the local index")] = False,
) -> dict[str, Any]:
    return state.blacklist.get().check(id_number, direct=direct).to_json()


@router.get("/blacklist/checks", summary="Audit: who checked a person on the blacklist, and when (from the chain)",
            response_model=BlacklistChecksPublic)
def blacklist_checks(_: Staff, state: State, id_number: Annotated[str, Query(min_length=1, max_length=40)]) -> dict[str, Any]:
    svc = state.blacklist.get()
    return {"checks": svc.checks_of(id_number, state.issuer_settings.trace_private_keys())}


@router.get("/blacklist/stats", summary="Active entries by centre and reason; expiring soon",
            response_model=BlacklistStatsPublic)
def blacklist_stats(_: Staff, state: State) -> dict[str, Any]:
    return state.blacklist.get().statistics()
