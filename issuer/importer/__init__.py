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

from issuer.importer.cells import MAX_RATE_BP
from issuer.importer.reading import COLUMNS, OPTIONAL_COLUMNS, read_account_rows
from issuer.importer.report import ImportReport, RejectedRow
from issuer.importer.rows import EARLIEST_OPENED, MIN_AGE_AT_OPENING, MONTHLY_TOLERANCE_FEN, AccountRow
from issuer.importer.values import format_percent, format_yuan, parse_percent, parse_yuan
from issuer.importer.writing import import_accounts

__all__ = [
    "COLUMNS",
    "EARLIEST_OPENED",
    "MAX_RATE_BP",
    "MIN_AGE_AT_OPENING",
    "MONTHLY_TOLERANCE_FEN",
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
