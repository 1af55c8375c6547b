"""What a certificate says: the account's facts, its deposit summary and the request's purpose,
audience and validity, as a `verifier.format.Certificate`."""

from __future__ import annotations

from typing import Any

from issuer.accounts import FACT_FIELDS, AccountFacts, account_columns
from issuer.db import Account, AccountStatus
from issuer.db.months import DepositSummary
from issuer.ids import mask_id
from issuer.issuance.errors import BadRequest
from verifier import format as fmt

__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "FACT_COLUMNS",
    "AccountFacts",
    "account_summary",
    "certificate_content",
    "check_purpose",
    "mask_account",
    "nothing_to_certify",
]

DEFAULT_VALIDITY_DAYS = 90


#: The `Account` columns that make an `AccountFacts`, in its field order.
FACT_COLUMNS: list[Any] = account_columns(FACT_FIELDS)


def mask_account(account: str) -> str:
    """The personal account number as certificates show it: the middle third masked."""
    if len(account) <= 4:
        return "*" * len(account)
    keep = min(4, len(account) // 3)
    return account[:keep] + "*" * (len(account) - 2 * keep) + account[-keep:]


def certificate_content(
    account: Account | AccountFacts,
    summary: DepositSummary | None,
    *,
    number: str,
    purpose: str,
    audience: int | None,
    issued_at: int,
    valid_until: int,
    subject: bytes,
    supersedes: str | None = None,
) -> fmt.Certificate:
    """The certificate of `account` (ID number normalised, as stored) at `issued_at`, with the
    summary of its deposit months (`account_summary`)."""
    if summary is None:
        raise nothing_to_certify(account)
    return fmt.Certificate(
        number=number,
        centre_code=account.centre_code,
        purpose=purpose,  # type: ignore[arg-type]  # a str check_purpose accepted; the field is the fmt.Purpose Literal
        audience=audience,
        issued_at=issued_at,
        valid_until=valid_until,
        name=account.name,
        id_masked=mask_id(account.id_number, normalised=True),
        subject_ref=subject,
        employer_name=account.employer_name,
        employer_account=account.employer_account,
        account_masked=mask_account(account.personal_account),
        account_status=AccountStatus(account.status).value,
        account_opened=account.opened.isoformat(),
        deposit_base=account.deposit_base,
        employee_rate_bp=account.employee_rate_bp,
        employer_rate_bp=account.employer_rate_bp,
        monthly_amount=account.monthly_amount,
        first_month=summary.first_month,
        last_month=summary.last_month,
        months_continuous=summary.months_continuous,
        balance=account.balance,
        loan_outstanding=account.loan_outstanding,
        supersedes=supersedes,
    )


def nothing_to_certify(account: Account | AccountFacts) -> BadRequest:
    return BadRequest(
        f"Account {account.personal_account} has no deposit months: there is nothing to certify.",
        message_zh=f"账户 {account.personal_account} 没有缴存记录，无法出具缴存证明。",
    )


def account_summary(account: Account | AccountFacts) -> DepositSummary | None:
    """The summary of the account's deposit months, as the importer stored it on the account."""
    if account.last_month is None or account.first_month is None:
        return None
    return DepositSummary(first_month=account.first_month, last_month=account.last_month,
                          months_paid=account.months_paid, months_continuous=account.months_continuous)


def check_purpose(purpose: str) -> str:
    if purpose not in fmt.PURPOSES:
        raise BadRequest(
            f"Unknown purpose {purpose!r}; use one of: {', '.join(fmt.PURPOSES)}.",
            message_zh=f"未知用途 {purpose!r}；可选：{'、'.join(f'{k}（{v[1]}）' for k, v in fmt.PURPOSES.items())}。",
        )
    return purpose
