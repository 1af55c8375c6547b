"""Initial schema: accounts, deposit months, signing keys, batches, certificates, number counters.

Revision ID: 0001
Revises:
Create Date: 2026-11-22

Written out in full rather than importing the models, so this revision keeps meaning what it
meant when the models move on. `tests/issuer/test_db.py` checks it against the models.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", _id(), nullable=False),
        sa.Column("centre_code", sa.Integer(), nullable=False),
        sa.Column("id_number", sa.String(18), nullable=False, comment="normalised 18-character resident ID"),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("employer_name", sa.String(64), nullable=False),
        sa.Column("employer_account", sa.String(32), nullable=False),
        sa.Column("personal_account", sa.String(32), nullable=False),
        sa.Column("status", _enum("account_status", "normal", "sealed", "closed"), nullable=False),
        sa.Column("opened", sa.Date(), nullable=False),
        sa.Column("deposit_base", sa.BigInteger(), nullable=False, comment="fen"),
        sa.Column("employee_rate_bp", sa.Integer(), nullable=False),
        sa.Column("employer_rate_bp", sa.Integer(), nullable=False),
        sa.Column(
            "monthly_amount", sa.BigInteger(), nullable=False, comment="fen, employee and employer together"
        ),
        sa.Column("balance", sa.BigInteger(), nullable=False, comment="fen"),
        sa.Column("loan_outstanding", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_accounts_balance_non_negative")),
        sa.CheckConstraint("deposit_base >= 0", name=op.f("ck_accounts_deposit_base_non_negative")),
        sa.CheckConstraint(
            "employee_rate_bp BETWEEN 0 AND 10000", name=op.f("ck_accounts_employee_rate_range")
        ),
        sa.CheckConstraint(
            "employer_rate_bp BETWEEN 0 AND 10000", name=op.f("ck_accounts_employer_rate_range")
        ),
        sa.CheckConstraint("monthly_amount >= 0", name=op.f("ck_accounts_monthly_amount_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("centre_code", "id_number", name=op.f("uq_accounts_centre_code_id_number")),
        sa.UniqueConstraint(
            "centre_code", "personal_account", name=op.f("uq_accounts_centre_code_personal_account")
        ),
    )
    op.create_index(op.f("ix_accounts_centre_code_status"), "accounts", ["centre_code", "status"])

    op.create_table(
        "batches",
        sa.Column("id", _id(), nullable=False),
        sa.Column("centre_code", sa.Integer(), nullable=False),
        sa.Column(
            "state", _enum("batch_state", "open", "sealed", "anchoring", "anchored", "failed"), nullable=False
        ),
        sa.Column("root", sa.LargeBinary(32), nullable=True, comment="set when sealed"),
        sa.Column("leaf_count", sa.Integer(), nullable=False),
        sa.Column("tx_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("anchored_block", sa.BigInteger(), nullable=True),
        sa.Column("anchored_at", _time(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("sealed_at", _time(), nullable=True),
        sa.CheckConstraint("leaf_count >= 0", name=op.f("ck_batches_leaf_count_non_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batches")),
        sa.UniqueConstraint("root", name=op.f("uq_batches_root")),
    )
    op.create_index(op.f("ix_batches_centre_code_state"), "batches", ["centre_code", "state"])

    op.create_table(
        "certificate_number_counters",
        sa.Column("centre_code", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("next_value", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "next_value >= 1", name=op.f("ck_certificate_number_counters_next_value_positive")
        ),
        sa.PrimaryKeyConstraint("centre_code", "year", name=op.f("pk_certificate_number_counters")),
    )

    op.create_table(
        "signing_keys",
        sa.Column("id", _id(), nullable=False),
        sa.Column("key_id", sa.LargeBinary(8), nullable=False),
        sa.Column("centre_code", sa.Integer(), nullable=False),
        sa.Column("algorithm", _enum("key_algorithm", "EdDSA", "ES256"), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("encrypted_private_key", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column(
            "registered_block", sa.BigInteger(), nullable=True, comment="block of the on-chain registration"
        ),
        sa.Column("retired_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_signing_keys_key_id")),
    )
    op.create_index(op.f("ix_signing_keys_centre_code"), "signing_keys", ["centre_code"])

    op.create_table(
        "certificates",
        sa.Column("id", _id(), nullable=False),
        sa.Column("centre_code", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(40), nullable=False, comment="e.g. 460100-2026-00000123"),
        sa.Column("account_id", _id(), nullable=False),
        sa.Column(
            "purpose", sa.String(32), nullable=False, comment="a purpose code of verifier.format.PURPOSES"
        ),
        sa.Column(
            "audience", sa.BigInteger(), nullable=True, comment="institution id the certificate is for"
        ),
        sa.Column("issued_at", _time(), nullable=False),
        sa.Column("valid_until", _time(), nullable=False),
        sa.Column("digest", sa.LargeBinary(32), nullable=True, comment="set when signed"),
        sa.Column("key_id", sa.LargeBinary(8), nullable=True),
        sa.Column("encoded", sa.Text(), nullable=True, comment="HPF1 text; without its proof until anchored"),
        sa.Column("batch_id", _id(), nullable=True),
        sa.Column("leaf_index", sa.Integer(), nullable=True),
        sa.Column(
            "status", _enum("certificate_status", "pending", "signed", "anchored", "revoked"), nullable=False
        ),
        sa.Column("supersedes_id", _id(), nullable=True),
        sa.Column("revoked_at", _time(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("requested_at", _time(), nullable=False),
        sa.CheckConstraint("valid_until > issued_at", name=op.f("ck_certificates_valid_after_issued")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_certificates_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], name=op.f("fk_certificates_batch_id_batches")),
        sa.ForeignKeyConstraint(
            ["key_id"], ["signing_keys.key_id"], name=op.f("fk_certificates_key_id_signing_keys")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["certificates.id"], name=op.f("fk_certificates_supersedes_id_certificates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("batch_id", "leaf_index", name=op.f("uq_certificates_batch_id_leaf_index")),
        sa.UniqueConstraint("digest", name=op.f("uq_certificates_digest")),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
    )
    op.create_index(op.f("ix_certificates_account_id"), "certificates", ["account_id"])
    op.create_index(op.f("ix_certificates_centre_code_status"), "certificates", ["centre_code", "status"])

    op.create_table(
        "deposit_months",
        sa.Column("id", _id(), nullable=False),
        sa.Column("centre_code", sa.Integer(), nullable=False),
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("month", sa.String(7), nullable=False, comment="YYYY-MM"),
        sa.Column("amount", sa.BigInteger(), nullable=False, comment="fen"),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_deposit_months_amount_non_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_deposit_months_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deposit_months")),
        sa.UniqueConstraint("account_id", "month", name=op.f("uq_deposit_months_account_id_month")),
    )


def downgrade() -> None:
    op.drop_table("deposit_months")
    op.drop_table("certificates")
    op.drop_table("signing_keys")
    op.drop_table("certificate_number_counters")
    op.drop_table("batches")
    op.drop_table("accounts")
