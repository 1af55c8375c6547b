"""Accounts carry the summary of their deposit months (first, last, paid, continuous);
certificates store their signed COSE_Sign1 bytes instead of text.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Bulk issuance reads it instead of every month row. Existing accounts are filled in from their
months here (gaps and islands: within a run of consecutive months, month number minus row number
is constant; the run holding the last month is the continuous deposit).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = """
WITH numbered AS (
    SELECT account_id, month,
           CAST(substr(month, 1, 4) AS INTEGER) * 12 + CAST(substr(month, 6, 2) AS INTEGER)
             - ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY month) AS island
    FROM deposit_months
), islands AS (
    SELECT account_id, island, MIN(month) AS first_month, MAX(month) AS last_month, COUNT(*) AS months
    FROM numbered GROUP BY account_id, island
), ranked AS (
    SELECT account_id, last_month, months,
           MIN(first_month) OVER (PARTITION BY account_id) AS first_month,
           SUM(months) OVER (PARTITION BY account_id) AS paid,
           ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY last_month DESC) AS newest
    FROM islands
)
SELECT account_id, first_month, last_month, paid, months FROM ranked WHERE newest = 1
"""


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("first_month", sa.String(7), nullable=True, comment="YYYY-MM, first month paid"))
        batch.add_column(sa.Column("last_month", sa.String(7), nullable=True, comment="YYYY-MM, last month paid"))
        batch.add_column(sa.Column("months_paid", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(
            sa.Column("months_continuous", sa.Integer(), server_default="0", nullable=False, comment="up to last_month")
        )
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column(
            "cose", sa.LargeBinary(), nullable=True,
            comment="the signed COSE_Sign1, without its proof (the batch gives that)"))
        batch.drop_column("encoded")
    bind = op.get_bind()
    rows = bind.execute(sa.text(_BACKFILL)).all()
    if rows:
        bind.execute(
            sa.text(
                "UPDATE accounts SET first_month = :f, last_month = :l, months_paid = :p, months_continuous = :c "
                "WHERE id = :i"
            ),
            [{"i": r[0], "f": r[1], "l": r[2], "p": int(r[3]), "c": int(r[4])} for r in rows],
        )


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("encoded", sa.Text(), nullable=True, comment="HPF1 text; without its proof until anchored"))
        batch.drop_column("cose")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("months_continuous")
        batch.drop_column("months_paid")
        batch.drop_column("last_month")
        batch.drop_column("first_month")
