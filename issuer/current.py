"""One current certificate per employee, purpose and institution (docs/design.md §3).

Asked again while a current certificate for the same purpose and institution exists, the issuer
offers that one when its figures are still the account's; when they changed, it issues a new
certificate that names the old in `supersedes`, and once the new one is anchored revokes the old
on chain with the reason code `superseded`.

The supersession is recorded with the new certificate (`supersedes_id`) before anything is sent,
so it survives a crash between anchoring the new one and revoking the old: `finish_supersessions`
(run by the issuer at start and with its reconciliation, issuer/issuance/service.py) revokes every old
certificate whose anchored successor is still waiting for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from issuer.db import Account, Certificate, CertificateStatus, session_scope
from issuer.ids import normalise_id
from node.bindings import RevocationReason
from node.log import get_logger
from verifier import format as fmt
from verifier.disclosure import DEFAULT_DISCLOSURES, SD_FIELDS, claim_holds

log = get_logger("hpf.issuer.current")

#: The certificate fields that come from the account; a change in any one needs a new certificate.
FIGURES = (
    "name", "employer_name", "employer_account", "account_status", "deposit_base", "employee_rate_bp",
    "employer_rate_bp", "monthly_amount", "first_month", "last_month", "months_continuous", "balance",
    "loan_outstanding",
)


@dataclass(frozen=True)
class Current:
    """The newest current certificate of a request: its row id, number and whether its figures
    are still the account's."""

    id: int
    number: str
    same_figures: bool


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def account_figures(account: Account) -> dict[str, Any]:
    status = account.status.value if hasattr(account.status, "value") else str(account.status)
    return {
        "name": account.name, "employer_name": account.employer_name, "employer_account": account.employer_account,
        "account_status": status, "deposit_base": account.deposit_base,
        "employee_rate_bp": account.employee_rate_bp, "employer_rate_bp": account.employer_rate_bp,
        "monthly_amount": account.monthly_amount, "first_month": account.first_month,
        "last_month": account.last_month, "months_continuous": account.months_continuous,
        "balance": account.balance, "loan_outstanding": account.loan_outstanding,
    }


def certificate_figures(cose: bytes) -> dict[str, Any]:
    c = fmt.from_cose(cose).certificate
    return {f: getattr(c, f) for f in FIGURES}


def _is_minimal(cose: bytes) -> bool:
    return not isinstance(fmt.from_cose(cose).certificate, fmt.Certificate)


def _same_figures(cose: bytes, figures: dict[str, Any]) -> bool:
    """Whether the certificate still says what the account says: every field of a full one; a
    minimal one's disclosed fields and the outcome of each of its statements."""
    c = fmt.from_cose(cose).certificate
    if isinstance(c, fmt.Certificate):
        return {f: getattr(c, f) for f in FIGURES} == figures

    shown = dict(c.disclosed)
    return all(figures[k] == v for k, v in shown.items() if k in figures) and all(
        claim.field in figures and claim_holds(claim, figures[claim.field]) == claim.holds for claim in c.claims)


def find_current(engine: Any, centre: int, *, account_id: int | None = None, id_number: str | None = None,
                 purpose: str, audience: int | None, now: datetime | None = None,
                 minimal: bool = False) -> Current | None:
    """The newest anchored, unrevoked, unexpired certificate of the account for this purpose and
    institution, of the kind asked for (full, or the purpose's minimal one: docs/privacy.md);
    None when there is none (or the account is unknown: the issuer says so)."""
    want_minimal = minimal and set(DEFAULT_DISCLOSURES.get(purpose, SD_FIELDS)) != set(SD_FIELDS)
    t = now or datetime.now(UTC)
    with session_scope(engine) as s:
        stmt = select(Account).where(Account.centre_code == centre)
        if account_id is not None:
            stmt = stmt.where(Account.id == account_id)
        elif id_number is not None:
            try:
                stmt = stmt.where(Account.id_number == normalise_id(id_number))
            except Exception:  # noqa: BLE001 — a bad ID number is the issuer's error to report
                return None
        else:
            return None
        account = s.scalars(stmt).first()
        if account is None:
            return None
        audience_match = Certificate.audience.is_(None) if audience is None else Certificate.audience == audience
        rows = s.scalars(select(Certificate).where(
            Certificate.account_id == account.id, Certificate.centre_code == centre, Certificate.purpose == purpose,
            audience_match, Certificate.status == CertificateStatus.ANCHORED,
        ).order_by(Certificate.id.desc()).limit(5)).all()
        for c in rows:
            if _aware(c.valid_until) <= t or c.cose is None or _is_minimal(c.cose) != want_minimal:
                continue
            return Current(id=c.id, number=c.number, same_figures=_same_figures(c.cose, account_figures(account)))
    return None


def revoke_superseded(issuer: Any, old_number: str, new_number: str) -> bool:
    """Revoke the replaced certificate on chain (reason code superseded); False when the chain
    refused or could not be reached (logged: staff can revoke it by hand, the new one stands)."""
    try:
        issuer.revoke(old_number, f"superseded by {new_number}（被新证明 {new_number} 替代）",
                      code=RevocationReason.SUPERSEDED)
        return True
    except Exception as exc:  # noqa: BLE001 — the new certificate is issued either way
        log.warning("could not revoke the superseded certificate", old=old_number, new=new_number, error=str(exc))
        return False


def unfinished_supersessions(engine: Any, centre: int) -> list[tuple[str, str]]:
    """(old number, new number) of every anchored certificate whose predecessor is still anchored
    and unrevoked: a supersession a crash or an unreachable chain left half done."""
    old = aliased(Certificate)
    with session_scope(engine) as s:
        rows = s.execute(
            select(old.number, Certificate.number)
            .join(old, Certificate.supersedes_id == old.id)
            .where(Certificate.centre_code == centre, Certificate.status == CertificateStatus.ANCHORED,
                   Certificate.supersedes_id.is_not(None), old.status == CertificateStatus.ANCHORED)
            .order_by(Certificate.id)
        ).all()
    return [(str(a), str(b)) for a, b in rows]


def finish_supersessions(issuer: Any) -> int:
    """Revoke (reason superseded) every old certificate whose successor is anchored; returns how
    many were revoked. One that the chain refuses stays for the next pass (logged)."""
    done = 0
    for old_number, new_number in unfinished_supersessions(issuer.engine, issuer.centre):
        if revoke_superseded(issuer, old_number, new_number):
            log.info("superseded certificate revoked after the fact", old=old_number, new=new_number)
            done += 1
    return done
