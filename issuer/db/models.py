"""The centre's database: accounts and their deposit months, signing keys, batches, certificates,
and the counters that number certificates.

One database per centre, but every row carries `centre_code` and every uniqueness that is a
centre's business (ID number, personal account) is scoped by it, so centres sharing a server or
a database stay apart. Money is integer fen, rates integer basis points (1200 = 12%), months the
text 'YYYY-MM', times timezone-aware UTC: never floats, never naive datetimes.

The schema is created by the Alembic migrations in `issuer/migrations`, never by `create_all`
outside tests; a test checks that the migrations and these models agree.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Account",
    "AccountStatus",
    "Base",
    "Batch",
    "BatchState",
    "Certificate",
    "CertificateNumberCounter",
    "CertificateStatus",
    "DepositMonth",
    "KeyAlgorithm",
    "KnownDevice",
    "LoginFailure",
    "SigningKey",
    "UsageCount",
    "UtcDateTime",
    "utcnow",
]

# Constraint names are part of the schema the migrations must reproduce: name them all.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend. SQLite keeps no zone, so values are stored
    there as naive UTC and read back as aware UTC; a naive datetime is refused on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a timezone (UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Integer primary keys: 64-bit on PostgreSQL, SQLite's rowid alias INTEGER there.
_Id = BigInteger().with_variant(Integer(), "sqlite")


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    """A string column with a CHECK listing the values (portable; no native ENUM type to migrate)."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class AccountStatus(enum.StrEnum):
    NORMAL = "normal"  # 正常
    SEALED = "sealed"  # 封存: no employer pays in, the balance stays
    CLOSED = "closed"  # 销户


class BatchState(enum.StrEnum):
    OPEN = "open"  # collecting certificates
    SEALED = "sealed"  # closed, root computed, not yet sent
    ANCHORING = "anchoring"  # transaction sent; its receipt (or the chain's event) decides
    ANCHORED = "anchored"  # root on chain; proofs may be attached
    FAILED = "failed"  # given up; its certificates go into another batch


class CertificateStatus(enum.StrEnum):
    PENDING = "pending"  # requested, not yet signed
    SIGNED = "signed"  # signed, in a batch, waiting for its proof; never handed out
    ANCHORED = "anchored"  # complete with its proof
    REVOKED = "revoked"


class KeyAlgorithm(enum.StrEnum):
    EDDSA = "EdDSA"
    ES256 = "ES256"
    SM2 = "SM2"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        date: Date(),
        int: BigInteger(),
        bytes: LargeBinary(),
    }


class Account(Base):
    """An employee's provident-fund account at this centre (one per person per centre). Its facts
    are the fields named in issuer/accounts.py (`FACT_FIELDS`, tests/issuer/test_accounts.py
    checks they agree): code that reads or writes records selects them through those tuples."""

    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("centre_code", "id_number"),
        UniqueConstraint("centre_code", "personal_account"),
        Index(None, "centre_code", "status"),
        CheckConstraint("deposit_base >= 0", name="deposit_base_non_negative"),
        CheckConstraint("monthly_amount >= 0", name="monthly_amount_non_negative"),
        CheckConstraint("balance >= 0", name="balance_non_negative"),
        CheckConstraint("employee_rate_bp BETWEEN 0 AND 10000", name="employee_rate_range"),
        CheckConstraint("employer_rate_bp BETWEEN 0 AND 10000", name="employer_rate_range"),
    )

    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    centre_code: Mapped[int] = mapped_column(Integer)
    id_number: Mapped[str] = mapped_column(String(18), comment="normalised 18-character resident ID")
    name: Mapped[str] = mapped_column(String(64))
    employer_name: Mapped[str] = mapped_column(String(64))
    employer_account: Mapped[str] = mapped_column(String(32))
    personal_account: Mapped[str] = mapped_column(String(32))
    status: Mapped[AccountStatus] = mapped_column(_enum(AccountStatus, "account_status"))
    opened: Mapped[date]
    deposit_base: Mapped[int] = mapped_column(comment="fen")
    employee_rate_bp: Mapped[int] = mapped_column(Integer)
    employer_rate_bp: Mapped[int] = mapped_column(Integer)
    monthly_amount: Mapped[int] = mapped_column(comment="fen, employee and employer together")
    balance: Mapped[int] = mapped_column(comment="fen")
    loan_outstanding: Mapped[bool] = mapped_column(Boolean)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The deposit months summarised (issuer/db/months.py), kept beside them by whoever writes them
    # (the importer), so that issuing 100,000 certificates reads no month rows.
    first_month: Mapped[str | None] = mapped_column(String(7), comment="YYYY-MM, first month paid")
    last_month: Mapped[str | None] = mapped_column(String(7), comment="YYYY-MM, last month paid")
    months_paid: Mapped[int] = mapped_column(Integer, server_default="0")
    months_continuous: Mapped[int] = mapped_column(Integer, server_default="0", comment="up to last_month")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    deposit_months: Mapped[list[DepositMonth]] = relationship(
        back_populates="account",
        order_by="DepositMonth.month",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="account", foreign_keys="Certificate.account_id"
    )

    def __repr__(self) -> str:  # never the ID number: reprs end up in logs
        return f"Account(id={self.id}, centre={self.centre_code}, personal_account={self.personal_account!r})"


class DepositMonth(Base):
    """One month the account was paid into (缴存月份). Months not paid have no row."""

    __tablename__ = "deposit_months"
    __table_args__ = (
        UniqueConstraint("account_id", "month"),
        CheckConstraint("amount >= 0", name="amount_non_negative"),
    )

    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    centre_code: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(_Id, ForeignKey("accounts.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7), comment="YYYY-MM")
    amount: Mapped[int] = mapped_column(comment="fen")

    account: Mapped[Account] = relationship(back_populates="deposit_months")


class SigningKey(Base):
    """A key the centre signs certificates with; the private half encrypted with the passphrase."""

    __tablename__ = "signing_keys"
    __table_args__ = (Index(None, "centre_code"),)

    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    key_id: Mapped[bytes] = mapped_column(LargeBinary(8), unique=True)
    centre_code: Mapped[int] = mapped_column(Integer)
    algorithm: Mapped[KeyAlgorithm] = mapped_column(_enum(KeyAlgorithm, "key_algorithm"))
    public_key: Mapped[bytes]
    encrypted_private_key: Mapped[bytes]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_block: Mapped[int | None] = mapped_column(comment="block of the on-chain registration")
    retired_at: Mapped[datetime | None]


class Batch(Base):
    """A Merkle batch of certificates whose root is anchored on chain once."""

    __tablename__ = "batches"
    __table_args__ = (
        Index(None, "centre_code", "state"),
        CheckConstraint("leaf_count >= 0", name="leaf_count_non_negative"),
    )

    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    centre_code: Mapped[int] = mapped_column(Integer)
    state: Mapped[BatchState] = mapped_column(_enum(BatchState, "batch_state"), default=BatchState.OPEN)
    root: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True, comment="set when sealed")
    leaf_count: Mapped[int] = mapped_column(Integer, default=0)
    tx_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32))
    anchored_block: Mapped[int | None]
    anchored_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sealed_at: Mapped[datetime | None]

    certificates: Mapped[list[Certificate]] = relationship(back_populates="batch")


class Certificate(Base):
    """A deposit certificate: requested, then signed into a batch, then complete with its proof."""

    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("batch_id", "leaf_index"),
        Index(None, "account_id"),
        Index(None, "centre_code", "status"),
        CheckConstraint("valid_until > issued_at", name="valid_after_issued"),
    )

    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    centre_code: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(40), unique=True, comment="e.g. 460100-2026-00000123")
    account_id: Mapped[int] = mapped_column(_Id, ForeignKey("accounts.id"))
    purpose: Mapped[str] = mapped_column(String(32), comment="a purpose code of verifier.format.PURPOSES")
    audience: Mapped[int | None] = mapped_column(comment="institution id the certificate is for")
    issued_at: Mapped[datetime]
    valid_until: Mapped[datetime]
    digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True, comment="set when signed")
    key_id: Mapped[bytes | None] = mapped_column(LargeBinary(8), ForeignKey("signing_keys.key_id"))
    cose: Mapped[bytes | None] = mapped_column(
        LargeBinary, comment="the signed COSE_Sign1, without its proof (the batch gives that)"
    )
    batch_id: Mapped[int | None] = mapped_column(_Id, ForeignKey("batches.id"))
    leaf_index: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[CertificateStatus] = mapped_column(
        _enum(CertificateStatus, "certificate_status"), default=CertificateStatus.PENDING
    )
    supersedes_id: Mapped[int | None] = mapped_column(_Id, ForeignKey("certificates.id"))
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="certificates", foreign_keys=[account_id])
    batch: Mapped[Batch | None] = relationship(back_populates="certificates")
    supersedes: Mapped[Certificate | None] = relationship(remote_side=[id])  # noqa: A003 — the column above, SQLAlchemy's idiom


class CertificateNumberCounter(Base):
    """The next certificate number per centre and year. It only ever grows, so a number, once
    handed to a certificate that was committed, is never handed out again."""

    __tablename__ = "certificate_number_counters"
    __table_args__ = (CheckConstraint("next_value >= 1", name="next_value_positive"),)

    centre_code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_value: Mapped[int] = mapped_column(default=1)


class LoginFailure(Base):
    """Failed portal logins counted under one key: an account (a digest of the ID number tried,
    known or not), a client address, or a known device (issuer/limits.py). In the database, so
    that every worker sees the same counts and a restart forgets none."""

    __tablename__ = "login_failures"

    centre_code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(80), primary_key=True, comment="id:, ip: or device: and a digest")
    failures: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]


class KnownDevice(Base):
    """A browser an employee logged in from: its cookie's SHA-256. A correct password from a
    known device passes the delays that failures from elsewhere put on the account."""

    __tablename__ = "known_devices"
    __table_args__ = (Index(None, "account_id"),)

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    centre_code: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(_Id, ForeignKey("accounts.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageCount(Base):
    """Uses of something with a quota (issuer/quotas.py) in one fixed window, e.g. the
    certificates an employee requested on one day."""

    __tablename__ = "usage_counts"

    centre_code: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str] = mapped_column(String(80), primary_key=True, comment="what is counted, for whom")
    window_start: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, comment="unix time")
    count: Mapped[int] = mapped_column(Integer)
