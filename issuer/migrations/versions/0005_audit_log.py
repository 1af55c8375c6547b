"""The centre's audit log of governance and blacklist-appeal actions.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Free text staff type (appeal notes, why an entry was lifted) is kept here; only its SHA-256 goes
on chain.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("centre_code", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False, comment="'staff-key:<fingerprint>' or 'cli:<user>'"),
        sa.Column("action", sa.String(32), nullable=False, comment="e.g. propose, approve, blacklist-appeal"),
        sa.Column("target", sa.String(64), nullable=False, comment="proposal id or blacklist entry id"),
        sa.Column("detail", sa.Text(), nullable=False, comment="what was done, in words"),
        sa.Column("note", sa.Text(), nullable=True, comment="free text; stays off chain"),
        sa.Column("note_hash", sa.LargeBinary(32), nullable=True, comment="SHA-256 of note; on chain"),
        sa.Column("tx_hash", sa.String(66), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_centre_code_at"), "audit_log", ["centre_code", "at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_centre_code_at"), table_name="audit_log")
    op.drop_table("audit_log")
