"""A row of the file checked on its own: an `AccountRow`, or its problems."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from issuer.accounts import AccountRecord
from issuer.db.models import AccountStatus
from issuer.db.months import month_index, month_of, month_text, summarise_indexes
from issuer.errors import InvalidIdNumber
from issuer.ids import parse_id
from issuer.importer.cells import RowCells
from issuer.importer.values import format_yuan

__all__ = ["EARLIEST_OPENED", "MIN_AGE_AT_OPENING", "MONTHLY_TOLERANCE_FEN", "AccountRow", "parse_row"]

MONTHLY_TOLERANCE_FEN = 200
EARLIEST_OPENED = date(1991, 1, 1)  # the first provident fund (Shanghai, 1991)
MIN_AGE_AT_OPENING = 16
_STATUSES = {
    "normal": AccountStatus.NORMAL,
    "正常": AccountStatus.NORMAL,
    "sealed": AccountStatus.SEALED,
    "封存": AccountStatus.SEALED,
    "closed": AccountStatus.CLOSED,
    "销户": AccountStatus.CLOSED,
}
_BOOLEANS = {
    "true": True,
    "yes": True,
    "y": True,
    "1": True,
    "是": True,
    "false": False,
    "no": False,
    "n": False,
    "0": False,
    "否": False,
}


@dataclass(frozen=True, kw_only=True)
class AccountRow(AccountRecord):
    """One valid row: its line in the file, the account's record and its deposit months."""

    row: int
    months: tuple[str, ...]

    def account_values(self) -> dict[str, Any]:
        """The account's columns (`STORED_FIELDS`): the record with the summary of its months
        (stored beside them so that bulk issuance reads no month rows)."""
        values = self.record_values()
        # The months are validated 'YYYY-MM': their index without re-parsing them.
        summary = summarise_indexes(int(m[:4]) * 12 + int(m[5:7]) - 1 for m in self.months)
        values.update(
            first_month=summary.first_month if summary else None,
            last_month=summary.last_month if summary else None,
            months_paid=summary.months_paid if summary else 0,
            months_continuous=summary.months_continuous if summary else 0,
        )
        return values


def parse_row(row: RowCells, today: date) -> AccountRow | None:
    """The row's account, or None with its problems recorded in `row`."""
    id_number = None
    born = None
    raw_id = row.text("id_number")
    if raw_id:
        try:
            parsed = parse_id(raw_id, today=today)
            id_number, born = parsed.number, parsed.birth_date
        except InvalidIdNumber as exc:
            row.reject("id_number", exc.message, exc.message_zh or exc.message)
    name = row.label("name")
    employer_name = row.label("employer_name")
    employer_account = row.account_number("employer_account")
    personal_account = row.account_number("personal_account")

    status = row.choice(
        "status",
        _STATUSES,
        "status must be normal, sealed or closed.",
        "status 应为 normal（正常）、sealed（封存）或 closed（销户）。",
    )

    opened = None
    raw_opened = row.text("opened")
    if raw_opened:
        try:
            opened = date.fromisoformat(raw_opened) if len(raw_opened) == 10 else None
        except ValueError:
            opened = None
        if opened is None:
            row.reject("opened", "opened must be a date YYYY-MM-DD.", "opened 应为 YYYY-MM-DD 格式的日期。")
        elif not EARLIEST_OPENED <= opened <= today:
            row.reject(
                "opened", "opened must be between 1991-01-01 and today.", "opened 应在1991-01-01至今天之间。"
            )
            opened = None
        elif born is not None and opened < _add_years(born, MIN_AGE_AT_OPENING):
            row.reject(
                "opened",
                f"opened is before the holder turned {MIN_AGE_AT_OPENING}.",
                f"开户日期早于缴存人年满{MIN_AGE_AT_OPENING}周岁。",
            )
            opened = None

    deposit_base = row.yuan("deposit_base")
    employee_rate = row.rate("employee_rate")
    employer_rate = row.rate("employer_rate")
    monthly = row.yuan("monthly_amount")
    balance = row.yuan("balance")
    if (
        deposit_base is not None
        and employee_rate is not None
        and employer_rate is not None
        and monthly is not None
    ):
        expected = Decimal(deposit_base) * (employee_rate + employer_rate) / 10_000
        if abs(Decimal(monthly) - expected) > MONTHLY_TOLERANCE_FEN:
            row.reject(
                "monthly_amount",
                f"monthly_amount differs from deposit_base × (employee_rate + employer_rate) = "
                f"{format_yuan(int(expected.to_integral_value()))} by more than 2 yuan.",
                f"monthly_amount 与 缴存基数×(个人比例+单位比例) = {format_yuan(int(expected.to_integral_value()))} "
                "相差超过2元。",
            )

    loan = row.choice(
        "loan_outstanding",
        _BOOLEANS,
        "loan_outstanding must be true or false.",
        "loan_outstanding 应为 true 或 false。",
    )
    if status is AccountStatus.CLOSED:
        if balance:
            row.reject("balance", "A closed account must have a zero balance.", "已销户账户的余额必须为零。")
        if loan:
            row.reject(
                "loan_outstanding",
                "A closed account cannot have a loan outstanding.",
                "已销户账户不能有未结清贷款。",
            )

    months = _months(row, opened, today)

    if row.problems:
        return None
    assert (
        id_number and name and employer_name and employer_account and personal_account and status and opened
    )
    assert deposit_base is not None and employee_rate is not None and employer_rate is not None
    assert monthly is not None and balance is not None and loan is not None and months is not None
    return AccountRow(
        row=row.line,
        id_number=id_number,
        name=name,
        employer_name=employer_name,
        employer_account=employer_account,
        personal_account=personal_account,
        status=status,
        opened=opened,
        deposit_base=deposit_base,
        employee_rate_bp=employee_rate,
        employer_rate_bp=employer_rate,
        monthly_amount=monthly,
        balance=balance,
        loan_outstanding=loan,
        months=months,
    )


def _months(row: RowCells, opened: date | None, today: date) -> tuple[str, ...] | None:
    first_text = row.text("first_month", required=False)
    last_text = row.text("last_month", required=False)
    gaps_text = row.text("gaps", required=False)
    if not first_text and not last_text:
        if gaps_text:
            row.reject(
                "gaps",
                "gaps are given but no first_month and last_month.",
                "给出了 gaps，但没有 first_month 和 last_month。",
            )
            return None
        return ()
    if not first_text or not last_text:
        row.reject(
            "first_month" if not first_text else "last_month",
            "first_month and last_month are both given or both empty.",
            "first_month 和 last_month 应同时给出或同时为空。",
        )
        return None
    first = row.month("first_month", first_text)
    last = row.month("last_month", last_text)
    if first is None or last is None:
        return None
    bad = False
    if last < first:
        row.reject("last_month", "last_month is before first_month.", "last_month 早于 first_month。")
        bad = True
    if last > month_index(month_of(today)):
        row.reject("last_month", "last_month is in the future.", "last_month 晚于当前月份。")
        bad = True
    if opened is not None and first < month_index(month_of(opened)):
        row.reject(
            "first_month", "first_month is before the account was opened.", "first_month 早于开户日期。"
        )
        bad = True
    gaps: set[int] = set()
    for part in re.split(r"[;；\s]+", gaps_text):
        if not part:
            continue
        gap = row.month("gaps", part)
        if gap is None:
            bad = True
        elif not first < gap < last:
            row.reject(
                "gaps",
                f"gap {part} is not strictly between first_month and last_month.",
                f"间断月份 {part} 不在 first_month 与 last_month 之间。",
            )
            bad = True
        elif gap in gaps:
            row.reject("gaps", f"gap {part} is listed twice.", f"间断月份 {part} 重复。")
            bad = True
        else:
            gaps.add(gap)
    if bad:
        return None
    return tuple(month_text(i) for i in range(first, last + 1) if i not in gaps)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
