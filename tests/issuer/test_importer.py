"""The account importer on SQLite and PostgreSQL: exact money, row-level rejection with nothing
written, idempotent re-runs, updates."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from issuer.db import Account, AccountStatus, DepositMonth, session_scope
from issuer.errors import ImportFileError
from issuer.ids import make_id
from issuer.importer import (
    COLUMNS,
    ImportReport,
    format_percent,
    format_yuan,
    import_accounts,
    parse_percent,
    parse_yuan,
)

HAIKOU = 460100
TODAY = date(2026, 6, 15)


def row(**overrides: str) -> dict[str, str]:
    values = {
        "id_number": "11010519491231002X",
        "name": "王芳",
        "employer_name": "海南椰风实业有限公司",
        "employer_account": "4601000001",
        "personal_account": "460100000000001",
        "status": "normal",
        "opened": "2012-07-01",
        "deposit_base": "8000.00",
        "employee_rate": "12",
        "employer_rate": "12",
        "monthly_amount": "1920.00",
        "balance": "123456.78",
        "loan_outstanding": "false",
        "first_month": "2012-07",
        "last_month": "2026-05",
        "gaps": "2019-03;2019-04",
    }
    values.update(overrides)
    return values


def second(**overrides: str) -> dict[str, str]:
    values = {
        "id_number": "440524188001010014",
        "name": "李强",
        "personal_account": "460100000000002",
        "opened": "2020-01-15",
        "first_month": "2020-01",
        "last_month": "2026-05",
        "gaps": "",
    }
    return row(**{**values, **overrides})


HAIKOU_ID = "460100194912310028"  # valid: region 460100, born 1949-12-31


def write(
    path: Path, rows: list[dict[str, str]], *, columns: tuple[str, ...] = COLUMNS, encoding: str = "utf-8"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def run(engine: Engine, path: Path) -> ImportReport:
    with session_scope(engine) as s:
        return import_accounts(s, HAIKOU, path, today=TODAY)


def counts(engine: Engine) -> tuple[int, int]:
    with session_scope(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(Account)) or 0,
            s.scalar(select(func.count()).select_from(DepositMonth)) or 0,
        )


def snapshot(engine: Engine) -> list[Any]:
    with session_scope(engine) as s:
        accounts = [tuple(r) for r in s.execute(select(Account.__table__).order_by(Account.id))]
        months = [tuple(r) for r in s.execute(select(DepositMonth.__table__).order_by(DepositMonth.id))]
    return accounts + months


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("8000.00", 800_000),
        ("0.01", 1),
        ("0.1", 10),
        ("1234567.89", 123_456_789),
        ("7", 700),
        (" 19.99 ", 1999),
        ("0.29", 29),
        ("0.57", 57),
        ("999999999999.99", 99_999_999_999_999),
    ],
)
def test_yuan_convert_exactly_to_fen(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    "text", ["", "-1.00", "1,000.00", "1e3", "1.234", "¥100", "1.", ".5", "NaN", "１００"]
)
def test_malformed_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_yuan(text)


@given(st.integers(0, 10**14 - 1))
def test_yuan_text_round_trips(fen: int) -> None:
    assert parse_yuan(format_yuan(fen)) == fen


@pytest.mark.parametrize(("text", "bp"), [("12", 1200), ("7.5", 750), ("0", 0), ("5.25", 525)])
def test_percent_to_basis_points(text: str, bp: int) -> None:
    assert parse_percent(text) == bp
    assert parse_percent(format_percent(bp)) == bp


# ---------------------------------------------------------------------------------------------
# Good files
# ---------------------------------------------------------------------------------------------


def test_a_good_file_is_imported_exactly(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        [
            row(id_number="11010519491231002x", balance="0.29"),
            second(
                id_number="440524188001010014",
                employee_rate="7.5",
                employer_rate="7.5",
                monthly_amount="1200.00",
                status="封存",
                loan_outstanding="是",
            ),
            row(
                id_number="460100491231002",
                personal_account="460100000000003",
                first_month="",
                last_month="",
                gaps="",
                opened="2026-06-01",
            ),
        ],
    )
    report = run(engine, path)
    assert report.ok, report.rejected
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 3, 0, 0)
    months_first = len(range(2012 * 12 + 6, 2026 * 12 + 5)) - 2
    months_second = len(range(2020 * 12, 2026 * 12 + 5))
    assert report.months_written == months_first + months_second
    with session_scope(engine) as s:
        a, b, c = s.scalars(select(Account).order_by(Account.personal_account)).all()
        assert a.id_number == "11010519491231002X" and a.balance == 29 and a.deposit_base == 800_000
        assert (a.employee_rate_bp, a.monthly_amount, a.opened) == (1200, 192_000, date(2012, 7, 1))
        months = [m.month for m in a.deposit_months]
        assert (
            months[0] == "2012-07"
            and months[-1] == "2026-05"
            and "2019-03" not in months
            and "2019-04" not in months
        )
        assert all(m.amount == 192_000 and m.centre_code == HAIKOU for m in a.deposit_months)
        assert (b.employee_rate_bp, b.status, b.loan_outstanding) == (750, AccountStatus.SEALED, True)
        assert c.id_number == HAIKOU_ID and c.deposit_months == []  # 15 → 18 digits


def test_utf8_with_bom_and_gb18030_files_are_read(engine: Engine, tmp_path: Path) -> None:
    assert run(engine, write(tmp_path / "bom.csv", [row()], encoding="utf-8-sig")).ok
    report = run(engine, write(tmp_path / "gbk.csv", [row(name="王晓明")], encoding="gb18030"))
    assert report.ok and report.updated == 1
    with session_scope(engine) as s:
        assert s.scalars(select(Account.name)).one() == "王晓明"


def test_the_gaps_column_is_optional_and_columns_may_come_in_any_order(
    engine: Engine, tmp_path: Path
) -> None:
    columns = tuple(reversed([c for c in COLUMNS if c != "gaps"]))
    report = run(engine, write(tmp_path / "a.csv", [row()], columns=columns))
    assert report.ok and report.months_written == len(range(2012 * 12 + 6, 2026 * 12 + 5))


def test_a_rerun_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", [row(), second()])
    assert run(engine, path).created == 2
    before = snapshot(engine)
    again = run(engine, path)
    assert again.ok and (again.created, again.updated, again.unchanged, again.months_written) == (0, 0, 2, 0)
    assert snapshot(engine) == before


def test_an_existing_account_is_updated_to_match_the_file(engine: Engine, tmp_path: Path) -> None:
    run(engine, write(tmp_path / "a.csv", [row(), second()]))
    report = run(
        engine,
        write(
            tmp_path / "b.csv",
            [
                row(balance="200000.00", gaps="2019-03;2019-04;2019-05", last_month="2026-04"),
                second(),
            ],
        ),
    )
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 1, 1)
    with session_scope(engine) as s:
        a = s.scalars(select(Account).where(Account.personal_account == "460100000000001")).one()
        months = [m.month for m in a.deposit_months]
        assert a.balance == 20_000_000 and months[-1] == "2026-04" and "2019-05" not in months
        assert len(months) == len(range(2012 * 12 + 6, 2026 * 12 + 4)) - 3


# ---------------------------------------------------------------------------------------------
# Bad rows: nothing written, every problem reported
# ---------------------------------------------------------------------------------------------

BAD_ROWS: list[tuple[dict[str, str], str]] = [
    ({"id_number": "110105194912310021"}, "id_number"),
    ({"id_number": ""}, "id_number"),
    ({"name": ""}, "name"),
    ({"name": "王" * 65}, "name"),
    ({"employer_account": "46 01"}, "employer_account"),
    ({"status": "frozen"}, "status"),
    ({"opened": "2012-02-30"}, "opened"),
    ({"opened": "1950-01-01"}, "opened"),
    ({"opened": "1955-01-01", "first_month": "1991-01"}, "opened"),  # holder was 5 years old
    ({"deposit_base": "8,000.00"}, "deposit_base"),
    ({"balance": "-1.00"}, "balance"),
    ({"monthly_amount": "1920.001"}, "monthly_amount"),
    ({"monthly_amount": "1925.00"}, "monthly_amount"),  # more than 2 yuan off base × rates
    ({"employee_rate": "13"}, "employee_rate"),
    ({"employer_rate": "12.345"}, "employer_rate"),
    ({"loan_outstanding": "maybe"}, "loan_outstanding"),
    ({"status": "closed"}, "balance"),  # a closed account with money in it
    ({"first_month": "2012-13"}, "first_month"),
    ({"first_month": "2011-01"}, "first_month"),  # before opening
    ({"last_month": "2026-07"}, "last_month"),  # in the future
    ({"last_month": "2012-06"}, "last_month"),
    ({"last_month": ""}, "last_month"),
    ({"gaps": "2012-07"}, "gaps"),  # the first month paid cannot be a gap
    ({"gaps": "2019-03;2019-03"}, "gaps"),
    ({"gaps": "March"}, "gaps"),
]


@pytest.mark.parametrize(("change", "column"), BAD_ROWS)
def test_each_kind_of_bad_value_is_named(tmp_path: Path, change: dict[str, str], column: str) -> None:
    from issuer.importer import read_account_rows

    rows, problems, count = read_account_rows(
        write(tmp_path / "a.csv", [row(**change)]), centre=HAIKOU, today=TODAY
    )
    assert rows == [] and count == 1
    assert column in {p.column for p in problems}, problems
    assert all(p.row == 2 and p.reason and p.reason_zh for p in problems)


def test_one_bad_row_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.csv",
        [
            row(),
            second(id_number="440524188001010015", balance="12.345", status="?"),
            row(id_number=HAIKOU_ID[:-1] + "0", personal_account="460100000000009"),
        ],
    )
    report = run(engine, path)
    assert not report.ok and report.rows == 3 and report.rejected_rows == 2
    assert [(p.row, p.column) for p in report.rejected] == [
        (3, "id_number"),
        (3, "status"),
        (3, "balance"),
        (4, "id_number"),
    ]
    assert (report.created, report.months_written) == (0, 0)
    assert counts(engine) == (0, 0)
    assert report.to_json()["imported"] is False and report.to_json()["rejected"][0]["reason_zh"]


def test_duplicates_within_the_file_point_at_the_first_row(engine: Engine, tmp_path: Path) -> None:
    report = run(
        engine,
        write(
            tmp_path / "a.csv",
            [
                row(),
                second(),
                row(id_number="110105491231002", personal_account="460100000000007"),
                second(id_number=HAIKOU_ID, personal_account="460100000000001"),
            ],
        ),
    )
    reasons = {(p.row, p.column): p.reason for p in report.rejected}
    assert "row 2" in reasons[(4, "id_number")]  # 110105491231002 is 11010519491231002X
    assert "row 2" in reasons[(5, "personal_account")]
    assert counts(engine) == (0, 0)


def test_a_personal_account_of_someone_else_in_the_database_is_refused(
    engine: Engine, tmp_path: Path
) -> None:
    run(engine, write(tmp_path / "a.csv", [row()]))
    before = snapshot(engine)
    report = run(
        engine,
        write(
            tmp_path / "b.csv",
            [
                second(),
                second(
                    id_number=make_id(region_code=110105, birth_date=date(2000, 1, 1), sequence=1),
                    personal_account="460100000000001",
                ),
            ],
        ),
    )
    assert [(p.row, p.column) for p in report.rejected] == [(3, "personal_account")]
    assert snapshot(engine) == before


def test_a_row_with_the_wrong_number_of_fields(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", [row()])
    path.write_text(path.read_text() + "1,2,3\n")
    report = run(engine, path)
    assert [(p.row, p.column) for p in report.rejected] == [(3, None)]
    assert counts(engine) == (0, 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("id_number,name\n1,2\n", "missing columns"),
        (",".join(COLUMNS) + ",colour\n", "unknown columns: colour"),
        (",".join(COLUMNS) + ",name\n", "repeated columns: name"),
    ],
)
def test_a_file_that_is_not_an_account_file(
    tmp_path: Path, content: str, message: str, engine: Engine
) -> None:
    path = tmp_path / "a.csv"
    path.write_text(content)
    with pytest.raises(ImportFileError, match=message) as e:
        run(engine, path)
    assert e.value.message_zh and e.value.exit_code == 64


def test_a_missing_or_binary_file(tmp_path: Path, engine: Engine) -> None:
    with pytest.raises(ImportFileError, match="Cannot read"):
        run(engine, tmp_path / "nope.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00\x81\x30\xff" * 10)
    with pytest.raises(ImportFileError, match="not a text file"):
        run(engine, tmp_path / "bin.csv")


def test_accounts_carry_the_summary_of_their_months(engine: Engine, tmp_path: Path) -> None:
    """first/last month, months paid and continuous are stored beside the months (bulk issuance
    reads them), and agree with summarise_months, also after an update moves the months."""
    from issuer.db.months import summarise_months
    from issuer.demo_data import generate_csv

    path = generate_csv(tmp_path / "demo.csv", 460100, 60, seed=5)

    def check() -> int:
        with session_scope(engine) as s:
            months: dict[int, list[str]] = {}
            for account_id, month in s.execute(select(DepositMonth.account_id, DepositMonth.month)):
                months.setdefault(account_id, []).append(month)
            checked = 0
            for a in s.scalars(select(Account)):
                summary = summarise_months(months.get(a.id, []))
                if summary is None:
                    assert (a.first_month, a.last_month, a.months_paid, a.months_continuous) == (None, None, 0, 0)
                else:
                    assert (a.first_month, a.last_month, a.months_paid, a.months_continuous) == (
                        summary.first_month, summary.last_month, summary.months_paid, summary.months_continuous)
                    checked += 1
            return checked

    with session_scope(engine) as s:
        assert not import_accounts(s, 460100, path).rejected
    assert check() > 30
    from issuer.db.months import month_index, month_text

    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    row = next(r for r in rows if r["last_month"] and month_index(r["last_month"]) - month_index(r["first_month"]) > 6)
    gap = month_text(month_index(row["last_month"]) - 3)  # the continuous run is now 3 months
    row["gaps"] = ";".join(sorted(filter(None, [*row.get("gaps", "").split(";"), gap])))
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    with session_scope(engine) as s:
        report = import_accounts(s, 460100, path)
    assert not report.rejected
    check()
