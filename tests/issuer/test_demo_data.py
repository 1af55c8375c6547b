"""The demo data generator: deterministic, plausible, and accepted by the real importer."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from issuer.db import Account, AccountStatus, session_scope
from issuer.db.months import month_range, summarise_months
from issuer.demo_data import CENTRE_PROFILES, PEOPLE_EPOCH, generate_csv, generate_rows
from issuer.ids import parse_id
from issuer.importer import COLUMNS, import_accounts, parse_yuan, read_account_rows

AS_OF = date(2026, 6, 15)


def test_the_same_seed_gives_the_same_file(tmp_path: Path) -> None:
    a = generate_csv(tmp_path / "a.csv", 460100, 50, 7, as_of=AS_OF).read_bytes()
    b = generate_csv(tmp_path / "b.csv", 460100, 50, 7, as_of=AS_OF).read_bytes()
    c = generate_csv(tmp_path / "c.csv", 460100, 50, 8, as_of=AS_OF).read_bytes()
    assert a == b != c
    assert a.decode().splitlines()[0] == ",".join(COLUMNS)


def test_the_people_and_histories_are_plausible() -> None:
    rows = generate_rows(centre=460200, count=600, seed=3, as_of=AS_OF)
    ids = [parse_id(r["id_number"], today=AS_OF) for r in rows]
    assert len({i.number for i in ids}) == 600 and len({r["personal_account"] for r in rows}) == 600
    ages = [(PEOPLE_EPOCH - i.birth_date).days / 365.25 for i in ids]  # ages are drawn as of a fixed day
    assert min(ages) > 19.9 and max(ages) < 60.1
    home = sum(i.region_code in CENTRE_PROFILES[460200].districts for i in ids)
    assert 0.7 < home / 600 < 0.9  # most registered in Sanya, some elsewhere
    statuses = Counter(r["status"] for r in rows)
    assert statuses["normal"] > 450 and statuses["sealed"] > 20 and statuses["closed"] > 5
    assert sum(bool(r["gaps"]) for r in rows) > 30
    assert all(len(r["name"]) >= 2 for r in rows)
    assert len({r["employer_name"] for r in rows}) > 10
    for r in rows:
        gaps = [g for g in r["gaps"].split(";") if g]
        paid = len(month_range(r["first_month"], r["last_month"])) - len(gaps)
        assert paid >= 1 and all(r["first_month"] < g < r["last_month"] for g in gaps)
        balance, monthly = parse_yuan(r["balance"]), parse_yuan(r["monthly_amount"])
        assert balance <= paid * monthly * 1.12 + 1
        if r["status"] == "closed":
            assert balance == 0 and r["loan_outstanding"] == "false"


def test_the_file_passes_the_importer_unchanged(tmp_path: Path) -> None:
    for centre in (460100, 460200, 460400, 110000):  # and a centre without a profile
        path = generate_csv(tmp_path / f"{centre}.csv", centre, 300, 1, as_of=AS_OF)
        rows, problems, count = read_account_rows(path, centre=centre, today=AS_OF)
        assert problems == [] and count == len(rows) == 300


def test_round_trip_through_the_importer(engine: Engine, tmp_path: Path) -> None:
    path = generate_csv(tmp_path / "demo.csv", 460100, 200, 11, as_of=AS_OF)
    with open(path, encoding="utf-8") as f:
        source = {r["id_number"]: r for r in csv.DictReader(f)}
    with session_scope(engine) as s:
        report = import_accounts(s, 460100, path, today=AS_OF)
    assert report.ok and report.created == 200
    with session_scope(engine) as s:
        accounts = s.scalars(select(Account)).all()
        assert {a.status for a in accounts} == set(AccountStatus)
        for a in accounts:
            r = source[a.id_number]
            assert a.balance == parse_yuan(r["balance"]) and a.name == r["name"]
            summary = summarise_months(m.month for m in a.deposit_months)
            assert summary is not None
            assert (summary.first_month, summary.last_month) == (r["first_month"], r["last_month"])
            if r["gaps"]:
                assert summary.months_continuous < summary.months_paid
    with session_scope(engine) as s:
        again = import_accounts(s, 460100, path, today=AS_OF)
    assert again.unchanged == 200 and again.created == again.updated == 0


def test_the_people_do_not_depend_on_the_date() -> None:
    """`make run` prints the same demo logins every day, and the README names them."""
    def people(as_of: date) -> list[tuple[str, ...]]:
        rows = generate_rows(centre=460100, count=200, seed=460100, as_of=as_of)
        return [(r["id_number"], r["name"], r["employer_name"], r["status"], r["personal_account"]) for r in rows]

    today = people(date.today())
    assert today == people(date(2026, 12, 4)) == people(date(2031, 2, 28))
    logins = [p[0] for p in today if p[3] == "normal"][:2]  # what scripts/demo_setup.py prints
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for id_number in logins:
        assert f"demo login       {id_number} / demo-1234" in readme
