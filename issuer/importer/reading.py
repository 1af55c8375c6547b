"""Reading the file: its encoding, its header, and every row checked on its own and against the
others (no database)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from issuer.errors import ImportFileError
from issuer.ids import check_centre_code
from issuer.importer.cells import RowCells
from issuer.importer.report import RejectedRow
from issuer.importer.rows import AccountRow, parse_row

__all__ = ["COLUMNS", "OPTIONAL_COLUMNS", "read_account_rows"]

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
    today = today or date.today()  # noqa: DTZ011 — the operator's calendar day, as the file was written
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
            row = RowCells(reader.line_num, dict(zip(names, values, strict=False)))
            if len(values) != len(names):
                row.reject(
                    None,
                    f"The row has {len(values)} fields; the header has {len(names)}.",
                    f"该行有{len(values)}个字段，表头有{len(names)}个。",
                )
                problems_found.extend(row.problems)
                continue
            parsed = parse_row(row, today)
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
