"""An account in one shape: the fields the centre records about an account, and the names of the
field groups the importer writes, the database stores and a certificate states.

The importer's row (`issuer.importer.AccountRow`) is a record read from a file; `AccountFacts` is
a record read back from the database with what the importer stored beside it (`Account` in
issuer/db/models.py has a column for each of `FACT_FIELDS`); bulk issuance hands `AccountFacts`
to worker processes, which sign without the database. The field tuples are what the code that
reads or writes these columns iterates over, so a new field is added here once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Final

from sqlalchemy.orm import InstrumentedAttribute

from issuer.db.models import Account, AccountStatus

__all__ = [
    "FACT_FIELDS",
    "RECORD_FIELDS",
    "STORED_FIELDS",
    "SUMMARY_FIELDS",
    "AccountFacts",
    "AccountRecord",
    "account_columns",
]


@dataclass(frozen=True, kw_only=True)
class AccountRecord:
    """What the centre records about an account, in the units of the database: money in fen,
    rates in basis points."""

    id_number: str  # normalised 18-character resident ID
    name: str
    employer_name: str
    employer_account: str
    personal_account: str
    status: AccountStatus
    opened: date
    deposit_base: int
    employee_rate_bp: int
    employer_rate_bp: int
    monthly_amount: int  # employee and employer together
    balance: int
    loan_outstanding: bool

    def record_values(self) -> dict[str, Any]:
        """The record's fields by name (`RECORD_FIELDS`), as columns of `Account`."""
        return {k: getattr(self, k) for k in RECORD_FIELDS}


#: The fields of an `AccountRecord`, in the order of the import file's columns.
RECORD_FIELDS: Final[tuple[str, ...]] = tuple(f.name for f in fields(AccountRecord))

#: The summary of the deposit months (issuer/db/months.py) stored beside the record, so that
#: issuing 100,000 certificates reads no month rows.
SUMMARY_FIELDS: Final[tuple[str, ...]] = ("first_month", "last_month", "months_paid", "months_continuous")

#: The columns of `Account` that the importer writes for each row.
STORED_FIELDS: Final[tuple[str, ...]] = (*RECORD_FIELDS, *SUMMARY_FIELDS)

#: What a certificate states about an account: the stored fields, the row id and the centre.
FACT_FIELDS: Final[tuple[str, ...]] = ("id", "centre_code", *STORED_FIELDS)


@dataclass(frozen=True, kw_only=True)
class AccountFacts(AccountRecord):
    """What a certificate says about an account (`FACT_FIELDS`): plain values, so that worker
    processes can sign certificates without the database."""

    id: int
    centre_code: int
    first_month: str | None
    last_month: str | None
    months_paid: int
    months_continuous: int

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> AccountFacts:
        """The facts from the values of `FACT_FIELDS` in that order, e.g. a row of
        `select(*account_columns(FACT_FIELDS))`."""
        return cls(**dict(zip(FACT_FIELDS, values, strict=True)))


def account_columns(names: Iterable[str]) -> list[InstrumentedAttribute[Any]]:
    """The columns of `Account` with these field names, for a select that reads records."""
    return [getattr(Account, name) for name in names]
