"""Importing a centre's accounts from CSV, all or nothing.

The file is UTF-8 (a BOM, as Excel writes it, is fine; GB 18030 is accepted too) with a header
row naming these columns, in any order:

| column | form | example |
|---|---|---|
| id_number | resident ID, 18 characters (15-digit legacy numbers are converted) | 46010019850312123X |
| name | 1 to 64 characters | 王芳 |
| employer_name | 1 to 64 characters | 海南椰风实业有限公司 |
| employer_account | 1 to 32 of 0-9 A-Z a-z - | 4601000123 |
| personal_account | 1 to 32 of 0-9 A-Z a-z -, unique in the centre | 460100000001234 |
| status | normal, sealed, closed (or 正常, 封存, 销户) | normal |
| opened | date YYYY-MM-DD, 1991 or later, not before the holder turned 16 | 2012-07-01 |
| deposit_base, monthly_amount, balance | yuan, at most 2 decimals, no separators | 8000.00 |
| employee_rate, employer_rate | percent, at most 2 decimals, 0 to 12 | 12 or 7.5 |
| loan_outstanding | true/false (yes/no, 1/0, 是/否) | false |
| first_month, last_month | YYYY-MM, both empty if nothing was ever paid | 2012-07 |
| gaps | optional: months not paid between them, ';'-separated | 2019-03;2019-04 |

Money is converted exactly (decimal, never float) to integer fen, rates to basis points. The
monthly amount must match base × (employee + employer rate) within 2 yuan (each half may be
rounded to the yuan). A closed account has a zero balance and no loan. Every month from
first_month to last_month except the gaps becomes a deposit month of `monthly_amount` (the file
has no per-month figures).

Every row is checked before anything is written; if any row is rejected, nothing is written and
the report lists each problem (row = line in the file, the header being line 1; column; reason
in English and Chinese). A row whose ID number already has an account in the centre updates
that account (its figures and deposit months are made to match the file), so importing the same
file again changes nothing and reports every row as unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from issuer.accounts import STORED_FIELDS, AccountRecord, account_columns
from issuer.db.models import Account, AccountStatus, DepositMonth, utcnow
from issuer.db.months import month_index, month_of, month_text, summarise_indexes
from issuer.errors import ImportFileError, InvalidIdNumber
from issuer.ids import check_centre_code, parse_id

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "AccountRow",
    "ImportReport",
    "RejectedRow",
    "format_percent",
    "format_yuan",
    "import_accounts",
    "parse_percent",
    "parse_yuan",
    "read_account_rows",
]

COLUMNS: tuple[str, ...] = (
    "id_number",
    "name",
    "employer_name",
    "employer_account",
    "personal_account",
    "status",
    "opened",
    "deposit_base",
    "employee_rate",
    "employer_rate",
    "monthly_amount",
    "balance",
    "loan_outstanding",
    "first_month",
    "last_month",
    "gaps",
)
OPTIONAL_COLUMNS = frozenset({"gaps"})

MAX_RATE_BP = 1200  # national rule: at most 12% each for employee and employer
MONTHLY_TOLERANCE_FEN = 200
EARLIEST_OPENED = date(1991, 1, 1)  # the first provident fund (Shanghai, 1991)
MIN_AGE_AT_OPENING = 16
_MAX_TEXT = 64
_YUAN_RE = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,2}))?")
_PERCENT_RE = re.compile(r"([0-9]{1,3})(?:\.([0-9]{1,2}))?")
_ACCOUNT_RE = re.compile(r"[0-9A-Za-z-]{1,32}")
_FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
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
_CHUNK = 5000
_ACCOUNTS = cast(Table, Account.__table__)
_MONTHS = cast(Table, DepositMonth.__table__)


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def parse_yuan(text: str) -> int:
    """'8000.5' yuan → 800050 fen, exactly. ValueError for signs, separators, exponents or more
    than 2 decimals."""
    m = _YUAN_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not an amount in yuan with at most 2 decimals: {text!r}")
    fen = Decimal(m[0]) * 100
    assert fen == fen.to_integral_value()
    return int(fen)


def format_yuan(fen: int) -> str:
    """800050 fen → '8000.50'."""
    if fen < 0:
        raise ValueError("amounts are not negative")
    return f"{fen // 100}.{fen % 100:02d}"


def parse_percent(text: str) -> int:
    """'12' → 1200 basis points, '7.5' → 750. ValueError for more than 2 decimals."""
    m = _PERCENT_RE.fullmatch(text.strip())
    if not m:
        raise ValueError(f"not a percentage with at most 2 decimals: {text!r}")
    return int(Decimal(m[0]) * 100)


def format_percent(bp: int) -> str:
    """1200 → '12', 750 → '7.5'."""
    whole, frac = divmod(bp, 100)
    return str(whole) if frac == 0 else f"{whole}.{frac:02d}".rstrip("0")


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RejectedRow:
    row: int  # line in the file; the header is line 1
    column: str | None  # None: the row as a whole
    reason: str
    reason_zh: str


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


@dataclass(frozen=True, kw_only=True)
class ImportReport:
    file: str
    centre: int
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    months_written: int = 0
    rejected: tuple[RejectedRow, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """True when every row was valid and the file was imported."""
        return not self.rejected

    @property
    def rejected_rows(self) -> int:
        return len({r.row for r in self.rejected})

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "centre": self.centre,
            "imported": self.ok,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "months_written": self.months_written,
            "rejected_rows": self.rejected_rows,
            "rejected": [asdict(r) for r in self.rejected],
        }


class _Row:
    """Collects one row's problems while its columns are parsed."""

    def __init__(self, line: int, raw: dict[str, str]) -> None:
        self.line = line
        self.raw = raw
        self.problems: list[RejectedRow] = []

    def reject(self, column: str | None, en: str, zh: str) -> None:
        self.problems.append(RejectedRow(row=self.line, column=column, reason=en, reason_zh=zh))

    def text(self, column: str, *, required: bool = True) -> str:
        value = self.raw.get(column) or ""
        value = value.strip()
        if required and not value:
            self.reject(column, f"{column} is empty.", f"{column} 为空。")
        return value

    def label(self, column: str) -> str | None:
        value = self.text(column)
        if not value:
            return None
        if len(value) > _MAX_TEXT:
            self.reject(
                column,
                f"{column} is longer than {_MAX_TEXT} characters.",
                f"{column} 超过{_MAX_TEXT}个字符。",
            )
            return None
        if any(unicodedata.category(c) in _FORBIDDEN_CATEGORIES for c in value):
            self.reject(column, f"{column} contains control characters.", f"{column} 含有控制字符。")
            return None
        return value

    def account_number(self, column: str) -> str | None:
        value = self.text(column)
        if value and not _ACCOUNT_RE.fullmatch(value):
            self.reject(
                column,
                f"{column} may have only 1 to 32 letters, digits and '-'.",
                f"{column} 只能由1至32位字母、数字和“-”组成。",
            )
            return None
        return value or None

    def yuan(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return parse_yuan(value)
        except ValueError:
            self.reject(
                column,
                f"{column} must be an amount in yuan with at most 2 decimals, like 8000.00.",
                f"{column} 应为以元为单位、最多两位小数的金额，如 8000.00。",
            )
            return None

    def rate(self, column: str) -> int | None:
        value = self.text(column)
        if not value:
            return None
        try:
            bp = parse_percent(value)
        except ValueError:
            bp = None
        if bp is None or bp > MAX_RATE_BP:
            self.reject(
                column,
                f"{column} must be a percentage from 0 to 12 with at most 2 decimals, like 12 or 7.5.",
                f"{column} 应为0至12之间、最多两位小数的百分比，如 12 或 7.5。",
            )
            return None
        return bp

    def month(self, column: str, value: str) -> int | None:
        try:
            return month_index(value)
        except ValueError:
            self.reject(
                column,
                f"{column} must be a month YYYY-MM, not {value!r}.",
                f"{column} 应为 YYYY-MM 格式的月份，而不是“{value}”。",
            )
            return None


def _parse(row: _Row, today: date) -> AccountRow | None:
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

    status = None
    raw_status = row.text("status")
    if raw_status:
        status = _STATUSES.get(raw_status.lower())
        if status is None:
            row.reject(
                "status",
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

    loan = None
    raw_loan = row.text("loan_outstanding")
    if raw_loan:
        loan = _BOOLEANS.get(raw_loan.lower())
        if loan is None:
            row.reject(
                "loan_outstanding",
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


def _months(row: _Row, opened: date | None, today: date) -> tuple[str, ...] | None:
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


# ---------------------------------------------------------------------------------------------
# The file
# ---------------------------------------------------------------------------------------------


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(
            f"Cannot read {path}: {exc.strerror or exc}.", message_zh=f"无法读取文件 {path}。"
        ) from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        f"{path} is not a text file in UTF-8 or GB 18030.",
        message_zh=f"{path} 不是 UTF-8 或 GB 18030 编码的文本文件。",
    )


def read_account_rows(
    path: Path, *, centre: int, today: date | None = None
) -> tuple[list[AccountRow], list[RejectedRow], int]:
    """Parse and check every row of the file on its own and against the others (no database):
    (valid rows, problems, number of data rows). `ImportFileError` if the file as a whole is unusable."""
    check_centre_code(centre)
    today = today or date.today()
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(
            f"{path} is empty: it needs a header row.", message_zh=f"{path} 为空：需要表头行。"
        ) from None
    except csv.Error as exc:
        raise ImportFileError(
            f"{path} is not valid CSV: {exc}.", message_zh=f"{path} 不是有效的 CSV 文件。"
        ) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL_COLUMNS]
    unknown = [n for n in names if n not in COLUMNS]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if missing or unknown or repeated:
        problems = "; ".join(
            p
            for p in (
                f"missing columns: {', '.join(missing)}" if missing else "",
                f"unknown columns: {', '.join(unknown)}" if unknown else "",
                f"repeated columns: {', '.join(repeated)}" if repeated else "",
            )
            if p
        )
        raise ImportFileError(
            f"The header of {path} does not fit the account format ({problems}).",
            message_zh=f"{path} 的表头不符合账户导入格式（{problems}）。",
        )

    rows: list[AccountRow] = []
    problems_found: list[RejectedRow] = []
    seen_ids: dict[str, int] = {}
    seen_accounts: dict[str, int] = {}
    count = 0
    try:
        for values in reader:
            if not values:
                continue
            count += 1
            row = _Row(reader.line_num, dict(zip(names, values, strict=False)))
            if len(values) != len(names):
                row.reject(
                    None,
                    f"The row has {len(values)} fields; the header has {len(names)}.",
                    f"该行有{len(values)}个字段，表头有{len(names)}个。",
                )
                problems_found.extend(row.problems)
                continue
            parsed = _parse(row, today)
            if parsed is not None:
                if parsed.id_number in seen_ids:
                    row.reject(
                        "id_number",
                        f"The same ID number is already on row {seen_ids[parsed.id_number]}.",
                        f"相同的身份证号码已在第{seen_ids[parsed.id_number]}行出现。",
                    )
                if parsed.personal_account in seen_accounts:
                    row.reject(
                        "personal_account",
                        f"The same personal account is already on row {seen_accounts[parsed.personal_account]}.",
                        f"相同的个人账号已在第{seen_accounts[parsed.personal_account]}行出现。",
                    )
                seen_ids.setdefault(parsed.id_number, row.line)
                seen_accounts.setdefault(parsed.personal_account, row.line)
            if row.problems:
                problems_found.extend(row.problems)
            elif parsed is not None:
                rows.append(parsed)
    except csv.Error as exc:
        raise ImportFileError(
            f"{path} is not valid CSV near line {reader.line_num}: {exc}.",
            message_zh=f"{path} 在第{reader.line_num}行附近不是有效的 CSV。",
        ) from None
    return rows, problems_found, count


# ---------------------------------------------------------------------------------------------
# The database
# ---------------------------------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def import_accounts(
    session: Session, centre: int, csv_path: Path | str, *, today: date | None = None
) -> ImportReport:
    """Import the accounts in `csv_path` into `centre`'s database, in the session's transaction
    (the caller commits). Writes nothing when any row is rejected. `ImportFileError` when the file
    as a whole cannot be read."""
    path = Path(csv_path)
    rows, problems, count = read_account_rows(path, centre=centre, today=today)

    # 1. the file against the database: a personal account must not belong to someone else
    # Plain rows, not ORM objects: the bulk UPDATE below would leave loaded objects stale.
    existing = {
        a.id_number: a
        for a in session.execute(
            select(Account.id, *account_columns(STORED_FIELDS)).where(
                Account.centre_code == centre
            )
        )
    }
    owner_of_account = {a.personal_account: a.id_number for a in existing.values()}
    for r in rows:
        owner = owner_of_account.get(r.personal_account)
        if owner is not None and owner != r.id_number:
            problems.append(
                RejectedRow(
                    row=r.row,
                    column="personal_account",
                    reason="This personal account already belongs to another person's account in the centre.",
                    reason_zh="该个人账号已属于本中心另一缴存人的账户。",
                )
            )
    if problems:
        problems.sort(key=lambda p: (p.row, COLUMNS.index(p.column) if p.column in COLUMNS else -1))
        return ImportReport(file=str(path), centre=centre, rows=count, rejected=tuple(problems))

    # 2. write: new accounts, changed accounts, deposit months
    now = utcnow()
    new_rows = [r for r in rows if r.id_number not in existing]
    old_rows = [r for r in rows if r.id_number in existing]
    months_written = 0
    connection = session.connection()  # Core for the bulk inserts: several times faster than the ORM
    for chunk in _chunks(new_rows):
        ids = (
            connection.execute(
                _ACCOUNTS.insert().returning(_ACCOUNTS.c.id, sort_by_parameter_order=True),
                [
                    {**r.account_values(), "centre_code": centre, "created_at": now, "updated_at": now}
                    for r in chunk
                ],
            )
            .scalars()
            .all()
        )
        months = [
            {"centre_code": centre, "account_id": account_id, "month": m, "amount": r.monthly_amount}
            for account_id, r in zip(ids, chunk, strict=True)
            for m in r.months
        ]
        for part in _chunks(months, 20 * _CHUNK):
            connection.execute(_MONTHS.insert(), part)
        months_written += len(months)

    updated = 0
    for chunk in _chunks(old_rows):
        accounts = [existing[r.id_number] for r in chunk]
        stored: dict[int, dict[str, int]] = {a.id: {} for a in accounts}
        for account_id, month, amount in session.execute(
            select(DepositMonth.account_id, DepositMonth.month, DepositMonth.amount).where(
                DepositMonth.account_id.in_(list(stored))
            )
        ):
            stored[account_id][month] = amount
        changes: list[dict[str, Any]] = []
        for account, r in zip(accounts, chunk, strict=True):
            values = r.account_values()
            fields_differ = any(getattr(account, k) != v for k, v in values.items())
            want = dict.fromkeys(r.months, r.monthly_amount)
            have = stored[account.id]
            if not fields_differ and want == have:
                continue
            updated += 1
            changes.append({"id": account.id, **values, "updated_at": now})
            gone = [m for m in have if m not in want]
            if gone:
                session.execute(
                    delete(DepositMonth).where(
                        DepositMonth.account_id == account.id, DepositMonth.month.in_(gone)
                    )
                )
            changed = [m for m in want if m in have and have[m] != want[m]]
            if changed:
                session.execute(
                    update(DepositMonth)
                    .where(DepositMonth.account_id == account.id, DepositMonth.month.in_(changed))
                    .values(amount=r.monthly_amount)
                )
            added = [
                {"centre_code": centre, "account_id": account.id, "month": m, "amount": want[m]}
                for m in want
                if m not in have
            ]
            if added:
                connection.execute(_MONTHS.insert(), added)
            months_written += len(added) + len(changed)
        if changes:
            session.execute(update(Account), changes)
    session.flush()
    return ImportReport(
        file=str(path),
        centre=centre,
        rows=count,
        created=len(new_rows),
        updated=updated,
        unchanged=len(old_rows) - updated,
        months_written=months_written,
    )
