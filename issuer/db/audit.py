"""The centre's audit log: every governance and blacklist-appeal action its staff take.

Who acted (a staff key's fingerprint, or the operating-system user of a CLI run), when, what,
and the transaction that carried it. Free text a clerk types (an appeal note, why an entry was
lifted) lives only here; the chain gets its SHA-256 (`note_hash`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from issuer.db.models import Base, _Id, utcnow

__all__ = ["AuditEntry"]


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "centre_code", "at"),)

    id: Mapped[int] = mapped_column(_Id, primary_key=True)
    centre_code: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), comment="'staff-key:<fingerprint>' or 'cli:<user>'")
    action: Mapped[str] = mapped_column(String(32), comment="e.g. propose, approve, blacklist-appeal")
    target: Mapped[str] = mapped_column(String(64), comment="proposal id or blacklist entry id")
    detail: Mapped[str] = mapped_column(Text, comment="what was done, in words")
    note: Mapped[str | None] = mapped_column(Text, comment="free text; stays off chain")
    note_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), comment="SHA-256 of note; on chain")
    tx_hash: Mapped[str | None] = mapped_column(String(66))
