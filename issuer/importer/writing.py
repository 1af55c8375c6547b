"""Writing a checked file to the centre's database, all or nothing: new accounts, changed
accounts and their deposit months."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from issuer.accounts import STORED_FIELDS, account_columns
from issuer.db.models import Account, DepositMonth, utcnow
from issuer.importer.reading import COLUMNS, read_account_rows
from issuer.importer.report import ImportReport, RejectedRow

__all__ = ["import_accounts"]

_CHUNK = 5000
_ACCOUNTS = cast(Table, Account.__table__)
_MONTHS = cast(Table, DepositMonth.__table__)


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
