"""The centre's database: models, engines and sessions, migrations, certificate numbers."""

from issuer.db.audit import AuditEntry
from issuer.db.migrate import current_revision, head_revision, upgrade
from issuer.db.models import (
    Account,
    AccountStatus,
    Base,
    Batch,
    BatchState,
    Certificate,
    CertificateNumberCounter,
    CertificateStatus,
    DepositMonth,
    KeyAlgorithm,
    KnownDevice,
    LoginFailure,
    SigningKey,
    UsageCount,
)
from issuer.db.session import make_engine, session_scope

__all__ = [
    "Account",
    "AccountStatus",
    "AuditEntry",
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
    "current_revision",
    "head_revision",
    "make_engine",
    "session_scope",
    "upgrade",
]
