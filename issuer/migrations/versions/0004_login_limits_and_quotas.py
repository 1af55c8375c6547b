"""Login failures, known devices and usage counts: the portal's login limits and quotas live in
the centre's database, shared by its workers and kept across restarts.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Written out in full rather than importing the models (see 0001).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("centre_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(80), nullable=False, comment="id:, ip: or device: and a digest"),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("first_at", _time(), nullable=False),
        sa.Column("last_at", _time(), nullable=False),
        sa.PrimaryKeyConstraint("centre_code", "key", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "usage_counts",
        sa.Column("centre_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("key", sa.String(80), nullable=False, comment="what is counted, for whom"),
        sa.Column("window_start", sa.BigInteger(), autoincrement=False, nullable=False, comment="unix time"),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("centre_code", "key", "window_start", name=op.f("pk_usage_counts")),
    )
    op.create_table(
        "known_devices",
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column("centre_code", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("last_used_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_known_devices_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_known_devices")),
    )
    op.create_index(op.f("ix_known_devices_account_id"), "known_devices", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_known_devices_account_id"), table_name="known_devices")
    op.drop_table("known_devices")
    op.drop_table("usage_counts")
    op.drop_table("login_failures")
