"""The account in one shape (issuer/accounts.py): the record, the ORM `Account` and the importer
name the same fields with the same types, and a record survives a trip through SQLite and
PostgreSQL unchanged."""

from __future__ import annotations

import pickle
import types
import typing
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, select

from issuer.accounts import (
    FACT_FIELDS,
    RECORD_FIELDS,
    STORED_FIELDS,
    SUMMARY_FIELDS,
    AccountFacts,
    AccountRecord,
    account_columns,
)
from issuer.db import Account, AccountStatus, session_scope
from issuer.importer import COLUMNS, AccountRow, read_account_rows

from .test_importer import HAIKOU, TODAY, row, run, second, write

_TABLE = typing.cast(Table, Account.__table__)
#: Columns of `Account` that are not the account's facts: login and bookkeeping.
_NOT_FACTS = {"password_hash", "created_at", "updated_at"}


def test_the_field_tuples_name_the_dataclasses_fields() -> None:
    assert tuple(f.name for f in fields(AccountRecord)) == RECORD_FIELDS
    assert STORED_FIELDS == RECORD_FIELDS + SUMMARY_FIELDS
    assert sorted(FACT_FIELDS) == sorted(f.name for f in fields(AccountFacts))
    assert len(set(FACT_FIELDS)) == len(FACT_FIELDS)


def test_every_fact_is_an_account_column_of_the_same_type() -> None:
    assert set(_TABLE.columns.keys()) == set(FACT_FIELDS) | _NOT_FACTS
    hints = typing.get_type_hints(AccountFacts)
    for name in FACT_FIELDS:
        column = _TABLE.columns[name]
        hint = hints[name]
        optional = isinstance(hint, types.UnionType) and type(None) in typing.get_args(hint)
        if optional:
            (hint,) = (a for a in typing.get_args(hint) if a is not type(None))
        assert column.nullable == optional, name
        assert column.type.python_type is hint, name


def test_the_importer_row_is_a_record_and_writes_the_stored_fields(tmp_path: Path) -> None:
    assert issubclass(AccountRow, AccountRecord)
    assert {f.name for f in fields(AccountRow)} == {*RECORD_FIELDS, "row", "months"}
    rows, problems, _ = read_account_rows(
        write(tmp_path / "a.csv", [row(), second()]), centre=HAIKOU, today=TODAY
    )
    assert not problems
    assert all(tuple(r.account_values()) == STORED_FIELDS for r in rows)


def test_every_record_field_is_a_column_of_the_file() -> None:
    # Rates are percentages in the file and basis points in the record.
    in_file = {c.removesuffix("_rate") + "_rate_bp" if c.endswith("_rate") else c for c in COLUMNS}
    assert set(RECORD_FIELDS) <= in_file
    assert in_file - set(RECORD_FIELDS) == {"first_month", "last_month", "gaps"}


def _facts(engine: Engine) -> dict[str, AccountFacts]:
    with session_scope(engine) as s:
        return {
            f.id_number: f
            for f in map(AccountFacts.from_values, s.execute(select(*account_columns(FACT_FIELDS))))
        }


def test_a_record_round_trips_through_the_database(engine: Engine, tmp_path: Path) -> None:
    """On SQLite and PostgreSQL: what the importer read from the file is what comes back, with
    the same Python types (an enum, a date, a bool), and the facts pickle for worker processes."""
    path = write(
        tmp_path / "a.csv", [row(), second(status="sealed", first_month="", last_month="", gaps="")]
    )
    rows, _, _ = read_account_rows(path, centre=HAIKOU, today=TODAY)
    assert run(engine, path).ok
    stored = _facts(engine)
    assert sorted(stored) == sorted(r.id_number for r in rows)
    for r in rows:
        facts = stored[r.id_number]
        assert facts.record_values() == r.record_values()
        assert {k: getattr(facts, k) for k in STORED_FIELDS} == r.account_values()
        assert facts.centre_code == HAIKOU
        assert type(facts.status) is AccountStatus
        assert type(facts.opened) is date
        assert type(facts.loan_outstanding) is bool
        assert pickle.loads(pickle.dumps(facts)) == facts  # noqa: S301 — unpickles what it pickled
    never_paid = stored[second()["id_number"]]
    assert (never_paid.first_month, never_paid.months_paid) == (None, 0)
    assert stored[row()["id_number"]].months_paid > 0


def test_facts_are_built_from_values_in_field_order() -> None:
    values: dict[str, Any] = {name: name for name in FACT_FIELDS}
    facts = AccountFacts.from_values(list(values.values()))
    assert {k: getattr(facts, k) for k in FACT_FIELDS} == values
