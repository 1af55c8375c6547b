"""The centre database on SQLite and PostgreSQL: the migrations reproduce the models, the
constraints hold, times stay UTC, and certificate numbers are never handed out twice."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from issuer.db import (
    Account,
    AccountStatus,
    Batch,
    BatchState,
    Certificate,
    CertificateStatus,
    DepositMonth,
    KeyAlgorithm,
    SigningKey,
    current_revision,
    head_revision,
    make_engine,
    session_scope,
    upgrade,
)
from issuer.db.migrate import schema_diff
from issuer.db.months import month_range, summarise_months
from issuer.db.numbers import (
    format_certificate_number,
    next_certificate_number,
    number_year,
    parse_certificate_number,
    reserve_certificate_numbers,
)

HAIKOU, SANYA = 460100, 460200


def account(**overrides: Any) -> Account:
    values: dict[str, Any] = {
        "centre_code": HAIKOU,
        "id_number": "11010519491231002X",
        "name": "王芳",
        "employer_name": "海南椰风实业有限公司",
        "employer_account": "4601000001",
        "personal_account": "460100000000001",
        "status": AccountStatus.NORMAL,
        "opened": date(2012, 7, 1),
        "deposit_base": 800_000,
        "employee_rate_bp": 1200,
        "employer_rate_bp": 1200,
        "monthly_amount": 192_000,
        "balance": 12_345_678,
        "loan_outstanding": False,
    }
    values.update(overrides)
    return Account(**values)


# ---------------------------------------------------------------------------------------------
# Migrations
# ---------------------------------------------------------------------------------------------


def test_migrations_reproduce_the_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert schema_diff(engine) == []


def test_upgrade_is_idempotent_and_takes_a_url(database_url: str) -> None:
    assert current_revision(database_url) is None
    assert upgrade(database_url) == head_revision()
    assert upgrade(database_url) == head_revision()
    assert schema_diff(database_url) == []


def test_migration_0002_fills_in_the_month_summary_of_existing_accounts(database_url: str) -> None:
    from sqlalchemy import text

    eng = make_engine(database_url)
    try:
        upgrade(eng, "0001")
        with eng.begin() as c:
            c.execute(text(
                "INSERT INTO accounts (id, centre_code, id_number, name, employer_name, employer_account, "
                "personal_account, status, opened, deposit_base, employee_rate_bp, employer_rate_bp, monthly_amount, "
                "balance, loan_outstanding, created_at, updated_at) VALUES (1, 460100, '11010519491231002X', '王芳', "
                "'某公司', '4601000001', '460100000000001', 'normal', '2012-07-01', 1, 1, 1, 1, 1, false, "
                "'2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
            for i, month in enumerate(["2024-11", "2024-12", "2025-02", "2025-03", "2025-04"]):
                c.execute(text("INSERT INTO deposit_months (id, centre_code, account_id, month, amount) "
                               "VALUES (:i, 460100, 1, :m, 1)"), {"i": i + 1, "m": month})
        assert upgrade(eng) == head_revision()
        with session_scope(eng) as s:
            a = s.get(Account, 1)
            assert a is not None
            assert (a.first_month, a.last_month, a.months_paid, a.months_continuous) == ("2024-11", "2025-04", 5, 3)
    finally:
        eng.dispose()


def test_schema_diff_notices_a_difference(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_accounts_centre_code_status"))
    assert any("ix_accounts_centre_code_status" in repr(d) for d in schema_diff(engine))


def test_check_constraints_exist(engine: Engine) -> None:
    names = {c["name"] for c in inspect(engine).get_check_constraints("accounts")}
    assert {
        "ck_accounts_balance_non_negative",
        "ck_accounts_account_status",
        "ck_accounts_employee_rate_range",
    } <= names
    assert "ck_certificates_valid_after_issued" in {
        c["name"] for c in inspect(engine).get_check_constraints("certificates")
    }


def test_sqlite_connections_use_wal_and_foreign_keys(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path}/nested/dir/c.sqlite")
    with eng.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
    eng.dispose()


# ---------------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------------


def test_a_certificate_and_everything_it_refers_to_round_trip(engine: Engine) -> None:
    issued = datetime(2026, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=8)))
    with session_scope(engine) as s:
        a = account()
        a.deposit_months = [
            DepositMonth(centre_code=HAIKOU, month=m, amount=192_000) for m in ("2026-01", "2026-02")
        ]
        key = SigningKey(
            key_id=b"\x01" * 8,
            centre_code=HAIKOU,
            algorithm=KeyAlgorithm.EDDSA,
            public_key=b"\x02" * 32,
            encrypted_private_key=b"\x03" * 80,
        )
        batch = Batch(
            centre_code=HAIKOU,
            state=BatchState.ANCHORED,
            root=b"\x04" * 32,
            leaf_count=1,
            tx_hash=b"\x05" * 32,
            anchored_block=7,
            anchored_at=issued,
        )
        s.add_all([a, key, batch])
        s.flush()
        s.add(
            Certificate(
                centre_code=HAIKOU,
                number="460100-2026-00000001",
                account_id=a.id,
                purpose="housing-loan",
                audience=91000001,
                issued_at=issued,
                valid_until=issued + timedelta(days=30),
                digest=b"\x06" * 32,
                key_id=key.key_id,
                cose=b"\xd2\x84...",
                batch_id=batch.id,
                leaf_index=0,
                status=CertificateStatus.ANCHORED,
            )
        )
    with session_scope(engine) as s:
        c = s.scalars(select(Certificate)).one()
        assert (
            c.issued_at == issued
            and c.issued_at.tzinfo is not None
            and c.issued_at.utcoffset() == timedelta(0)
        )
        assert c.requested_at.tzinfo is not None
        assert (c.digest, c.key_id, c.status, c.audience) == (
            b"\x06" * 32,
            b"\x01" * 8,
            CertificateStatus.ANCHORED,
            91000001,
        )
        assert c.batch is not None and c.batch.root == b"\x04" * 32 and c.batch.state is BatchState.ANCHORED
        assert c.account.status is AccountStatus.NORMAL and c.account.opened == date(2012, 7, 1)
        assert [m.month for m in c.account.deposit_months] == ["2026-01", "2026-02"]
        assert c.account.balance == 12_345_678 and isinstance(c.account.balance, int)
        assert "11010519491231002X" not in repr(c.account)


def test_a_naive_datetime_is_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope(engine) as s:  # noqa: PT012 — raised at commit
        s.add(account(created_at=datetime(2026, 1, 1)))  # naive: the point of the test
        s.flush()


def test_id_number_and_personal_account_are_unique_per_centre(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(account())
        s.add(account(centre_code=SANYA))  # the same person at another centre is another account
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(account(personal_account="460100000000002"))
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(account(id_number="440524188001010014"))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts SET balance = -1",
        "UPDATE accounts SET employee_rate_bp = 10001",
        "UPDATE accounts SET status = 'frozen'",
        "INSERT INTO deposit_months (centre_code, account_id, month, amount) VALUES (460100, 999, '2026-01', 1)",
    ],
)
def test_the_database_itself_refuses_bad_rows(engine: Engine, sql: str) -> None:
    with session_scope(engine) as s:
        s.add(account())
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(sql))


def test_a_root_is_anchored_by_one_batch_only(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Batch(centre_code=HAIKOU, root=b"\x01" * 32))
        s.add(Batch(centre_code=HAIKOU))  # open batches have no root yet
        s.add(Batch(centre_code=HAIKOU))
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(Batch(centre_code=SANYA, root=b"\x01" * 32))


# ---------------------------------------------------------------------------------------------
# Certificate numbers
# ---------------------------------------------------------------------------------------------


def test_numbers_are_consecutive_per_centre_and_year(engine: Engine) -> None:
    with session_scope(engine) as s:
        assert next_certificate_number(s, centre=HAIKOU, year=2026) == "460100-2026-00000001"
        assert reserve_certificate_numbers(s, centre=HAIKOU, year=2026, count=3) == [
            "460100-2026-00000002",
            "460100-2026-00000003",
            "460100-2026-00000004",
        ]
        assert next_certificate_number(s, centre=SANYA, year=2026) == "460200-2026-00000001"
        assert next_certificate_number(s, centre=HAIKOU, year=2027) == "460100-2027-00000001"
    with session_scope(engine) as s:
        assert next_certificate_number(s, centre=HAIKOU, year=2026) == "460100-2026-00000005"


def test_numbers_of_a_rolled_back_transaction_were_never_seen(engine: Engine) -> None:
    with pytest.raises(RuntimeError), session_scope(engine) as s:  # noqa: PT012 — the scope rolls back
        next_certificate_number(s, centre=HAIKOU, year=2026)
        raise RuntimeError("crash before commit")
    with session_scope(engine) as s:
        assert next_certificate_number(s, centre=HAIKOU, year=2026) == "460100-2026-00000001"


def test_concurrent_issuers_never_share_a_number(engine: Engine) -> None:
    got: list[str] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def issue() -> None:
        try:
            for _ in range(15):
                with session_scope(engine) as s:
                    numbers = reserve_certificate_numbers(s, centre=HAIKOU, year=2026, count=2)
                with lock:
                    got.extend(numbers)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(got) == [format_certificate_number(HAIKOU, 2026, v) for v in range(1, 121)]


def test_number_helpers() -> None:
    assert parse_certificate_number("460100-2026-00000123") == (460100, 2026, 123)
    with pytest.raises(ValueError):
        parse_certificate_number("460100-26-1")
    # 31 December 17:00 UTC is already New Year in China
    assert number_year(datetime(2025, 12, 31, 17, 0, tzinfo=UTC)) == 2026


def test_summarise_months() -> None:
    assert summarise_months([]) is None
    months = [*month_range("2019-11", "2020-02"), *month_range("2020-05", "2020-07")]
    s = summarise_months(months)
    assert s is not None
    assert (s.first_month, s.last_month, s.months_paid, s.months_continuous) == ("2019-11", "2020-07", 7, 3)
    assert month_range("2020-12", "2021-01") == ["2020-12", "2021-01"]


def test_workers_starting_together_migrate_once(database_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "issuer.cli", "migrate", "--centre", "460100"],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(w.wait(timeout=120), w.stderr.read() if w.stderr else "") for w in workers]
    assert all(code == 0 for code, _ in results), results
    assert current_revision(database_url) == head_revision() and schema_diff(database_url) == []


def test_threads_migrating_together(database_url: str) -> None:
    errors: list[BaseException] = []

    def go() -> None:
        try:
            upgrade(database_url)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and schema_diff(database_url) == []
