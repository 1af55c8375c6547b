"""Certificate content: the fields of a deposit certificate and the rules they obey (docs/format.md).

Every rule raises `MalformedCertificate`, whether the content was built here or decoded; the
minimal certificate (verifier/disclosure.py) checks its fields with the same helpers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, Literal, NoReturn, TypeAlias

from verifier.errors import MalformedCertificate

AccountStatus: TypeAlias = Literal["normal", "sealed", "closed"]
Purpose: TypeAlias = Literal[
    "housing-loan", "commercial-loan", "rental", "settlement", "employment", "other"
]
ACCOUNT_STATUSES: tuple[str, ...] = ("normal", "sealed", "closed")
#: What the certificate is for: code -> (integer on the wire, Chinese label).
PURPOSES: dict[str, tuple[int, str]] = {
    "housing-loan": (1, "住房公积金贷款"),
    "commercial-loan": (2, "商业住房贷款"),
    "rental": (3, "租房"),
    "settlement": (4, "落户"),
    "employment": (5, "入职/资格审查"),
    "other": (6, "其他"),
}

_MAX_UINT = 2**53 - 1  # every integer stays exact in JSON and JavaScript
_HASH_LENGTH = 32

_NUMBER_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,39}")
_ID_MASKED_RE = re.compile(r"[0-9*]{17}[0-9X*]")
_ID_MIN_MASKED = 8
_ACCOUNT_RE = re.compile(r"[0-9A-Za-z-]{1,32}")
_ACCOUNT_MASKED_RE = re.compile(r"[0-9A-Za-z*-]{1,32}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH_RE = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])")
# Control, format (bidi overrides), surrogate, private-use and unassigned characters, and line
# breaks: none belongs in a name, and some can make a certificate display differently than it reads.
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _malformed(message: str) -> NoReturn:
    raise MalformedCertificate(message)


def _check_uint(name: str, value: object, low: int = 0, high: int = _MAX_UINT) -> None:
    if type(value) is not int:
        _malformed(f"Field '{name}' must be an integer, not {type(value).__name__}.")
    if not low <= value <= high:
        _malformed(f"Field '{name}' must be between {low} and {high}, not {value}.")


def _check_text(name: str, value: object, max_length: int, pattern: re.Pattern[str] | None = None) -> None:
    if type(value) is not str:
        _malformed(f"Field '{name}' must be a text string, not {type(value).__name__}.")
    if not 1 <= len(value) <= max_length:
        _malformed(f"Field '{name}' must be 1 to {max_length} characters long, not {len(value)}.")
    # isprintable() is False for every forbidden category (and for non-ASCII spaces, which are
    # allowed): only then look at each character's category.
    if value != value.strip() or (
        not value.isprintable() and any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in value)
    ):
        _malformed(f"Field '{name}' has surrounding spaces or control characters.")
    if pattern is not None and not pattern.fullmatch(value):
        _malformed(f"Field '{name}' does not have the required form: {value!r}.")


def _check_date(name: str, value: object) -> None:
    _check_text(name, value, 10, _DATE_RE)
    assert isinstance(value, str)
    try:
        date.fromisoformat(value)
    except ValueError:
        _malformed(f"Field '{name}' is not a calendar date: {value!r}.")


def _check_month(name: str, value: object) -> int:
    """Returns the month as a count (year * 12 + month - 1), for comparing and counting."""
    _check_text(name, value, 7, _MONTH_RE)
    assert isinstance(value, str)
    return int(value[:4]) * 12 + int(value[5:]) - 1


@dataclass(frozen=True, kw_only=True)
class Certificate:
    """A deposit certificate's content. Money in integer fen, rates in basis points (1200 = 12%),
    dates 'YYYY-MM-DD', months 'YYYY-MM', times unix seconds. Invalid content raises
    `MalformedCertificate`, whether it was built here or decoded."""

    number: str
    centre_code: int
    purpose: Purpose
    audience: int | None = None
    issued_at: int
    valid_until: int
    name: str
    id_masked: str
    subject_ref: bytes
    employer_name: str
    employer_account: str
    account_masked: str
    account_status: AccountStatus
    account_opened: str
    deposit_base: int
    employee_rate_bp: int
    employer_rate_bp: int
    monthly_amount: int
    first_month: str
    last_month: str
    months_continuous: int
    balance: int
    loan_outstanding: bool
    supersedes: str | None = None

    def __post_init__(self) -> None:
        _check_certificate(self)

    def to_json(self) -> dict[str, Any]:
        """The content as plain JSON values (subject_ref as lowercase hex), keyed by field name,
        plus "purpose_zh", the purpose's Chinese label."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = value.hex() if isinstance(value, bytes) else value
            if f.name == "purpose":
                out["purpose_zh"] = PURPOSES[self.purpose][1]
        return out


def _check_certificate(c: Certificate) -> None:
    _check_text("number", c.number, 40, _NUMBER_RE)
    _check_uint("centre_code", c.centre_code, 100_000, 999_999)  # administrative-division code
    if type(c.purpose) is not str or c.purpose not in PURPOSES:
        _malformed(f"Field 'purpose' must be one of {', '.join(PURPOSES)}, not {c.purpose!r}.")
    if c.audience is not None:
        _check_uint("audience", c.audience, 1_000_000, 2**32 - 1)  # an institution id on chain
    _check_uint("issued_at", c.issued_at)
    _check_uint("valid_until", c.valid_until)
    if c.valid_until <= c.issued_at:
        _malformed("Field 'valid_until' must be later than 'issued_at'.")
    _check_text("name", c.name, 64)
    _check_text("id_masked", c.id_masked, 18, _ID_MASKED_RE)
    if c.id_masked.count("*") < _ID_MIN_MASKED:
        _malformed(f"Field 'id_masked' must have {_ID_MIN_MASKED} or more of its 18 digits masked ('*').")
    if type(c.subject_ref) is not bytes or len(c.subject_ref) != _HASH_LENGTH:
        _malformed(f"Field 'subject_ref' must be {_HASH_LENGTH} bytes.")
    _check_text("employer_name", c.employer_name, 64)
    _check_text("employer_account", c.employer_account, 32, _ACCOUNT_RE)
    _check_text("account_masked", c.account_masked, 32, _ACCOUNT_MASKED_RE)
    if "*" not in c.account_masked:
        _malformed("Field 'account_masked' must have masked digits ('*').")
    if type(c.account_status) is not str or c.account_status not in ACCOUNT_STATUSES:
        _malformed(f"Field 'account_status' must be one of {', '.join(ACCOUNT_STATUSES)}.")
    _check_date("account_opened", c.account_opened)
    _check_uint("deposit_base", c.deposit_base)
    _check_uint("employee_rate_bp", c.employee_rate_bp, 0, 10_000)
    _check_uint("employer_rate_bp", c.employer_rate_bp, 0, 10_000)
    _check_uint("monthly_amount", c.monthly_amount)
    first = _check_month("first_month", c.first_month)
    last = _check_month("last_month", c.last_month)
    if last < first:
        _malformed("Field 'last_month' must not be before 'first_month'.")
    _check_uint("months_continuous", c.months_continuous, 0, last - first + 1)
    _check_uint("balance", c.balance)
    if type(c.loan_outstanding) is not bool:
        _malformed(f"Field 'loan_outstanding' must be true or false, not {c.loan_outstanding!r}.")
    if c.supersedes is not None:
        _check_text("supersedes", c.supersedes, 40, _NUMBER_RE)
        if c.supersedes == c.number:
            _malformed("Field 'supersedes' must name another certificate than this one.")
