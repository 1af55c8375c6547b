"""Signing keys may be SM2 (the national suite, docs/crypto.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

The `algorithm` column's CHECK constraint gains 'SM2'. SM2 keys are stored encrypted with SM4-GCM
(issuer/keystore.py) in the same `encrypted_private_key` column; existing keys are untouched.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "key_algorithm"  # ck_signing_keys_key_algorithm under the naming convention


def _recreate(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table("signing_keys") as batch:
        batch.drop_constraint(op.f(f"ck_signing_keys_{_NAME}"), type_="check")
        batch.create_check_constraint(_NAME, f"algorithm IN ({listed})")


def upgrade() -> None:
    _recreate(("EdDSA", "ES256", "SM2"))


def downgrade() -> None:
    op.execute("DELETE FROM signing_keys WHERE algorithm = 'SM2'")
    _recreate(("EdDSA", "ES256"))
