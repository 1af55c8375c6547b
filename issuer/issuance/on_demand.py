"""On-demand issuance: one certificate signed and stored for an employee's request, anchored by
the batcher (or, without one, by the waiting request itself) and returned with its proof."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from issuer.db import Account, AccountStatus, Certificate, CertificateStatus, session_scope
from issuer.db.models import utcnow
from issuer.db.numbers import number_year, reserve_certificate_numbers
from issuer.ids import normalise_id
from issuer.issuance.batcher import Batcher
from issuer.issuance.batches import Batches
from issuer.issuance.content import account_summary, check_purpose, nothing_to_certify
from issuer.issuance.errors import BadRequest, IssuanceError, NotFound
from issuer.issuance.reading import IssuedCertificate, Reader
from issuer.issuance.signing import KeyRing, sign_certificates
from issuer.issuance.waiting import Waiters

__all__ = ["OnDemand"]

_NUMBER_BLOCK = 16  # certificate numbers a service reserves at a time
_WAIT_STEP = 0.5  # seconds between looks at the database for a certificate another process anchored


class OnDemand:
    """One centre's certificates issued one at a time, on request."""

    def __init__(self, *, engine: Engine, centre: int, keys: KeyRing, consortium_key: bytes,
                 institution_active: Callable[[int], bool] | None, validity_seconds: Callable[[str], int],
                 waiters: Waiters, batches: Batches, batcher: Batcher, reader: Reader) -> None:
        self.engine = engine
        self.centre = centre
        self.keys = keys
        self.consortium_key = consortium_key
        self.institution_active = institution_active
        self.validity_seconds = validity_seconds
        self.waiters = waiters
        self.batches = batches
        self.batcher = batcher
        self.reader = reader
        self._write_lock = threading.Lock()
        self._numbers_lock = threading.Lock()
        self._numbers: deque[str] = deque()
        self._numbers_year = 0

    def submit(
        self, *, account_id: int | None = None, id_number: str | None = None, purpose: str = "housing-loan",
        audience: int | None = None, supersedes: tuple[int, str] | None = None, minimal: bool = False,
    ) -> int:
        """Sign and store one certificate (SIGNED, not yet batched); returns its row id. The
        batcher anchors it; `wait(id)` returns it complete. `supersedes`: (row id, number) of the
        certificate it replaces (issuer/current.py revokes that one once this one is anchored)."""
        check_purpose(purpose)
        self._check_audience(audience)
        key = self.keys.active_key()
        now = utcnow().replace(microsecond=0)
        with session_scope(self.engine) as s:
            account = self._find_account(s, account_id=account_id, id_number=id_number)
            summary = account_summary(account)
        if summary is None:
            raise nothing_to_certify(account)
        number = self._next_number(now)
        issued = int(now.timestamp())
        (values,) = sign_certificates(key, self.consortium_key, [account], [number], purpose=purpose,
                                      audience=audience, issued_at=issued, minimal=minimal,
                                      valid_until=issued + self.validity_seconds(purpose),
                                      supersedes=supersedes)
        # One writer at a time in this process: SQLite's busy handler sleeps in steps of up to
        # 100 ms when writers collide, which 32 employees at once would feel.
        with self._write_lock, session_scope(self.engine) as s:
            cert_id = s.execute(insert(Certificate).values(**values).returning(Certificate.id)).scalar_one()
        self.waiters.add(cert_id)
        return cert_id

    def wait(self, cert_id: int, *, timeout: float = 30.0) -> IssuedCertificate:
        """The certificate once anchored (with its proof). Raises IssuanceError on timeout; the
        certificate stays queued and is anchored later."""
        deadline = time.monotonic() + timeout
        while not self.waiters.is_done(cert_id):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if not self.batcher.running:  # no batcher thread: anchor in this call
                self.batches.anchor_pending(force=True)
            if self.waiters.wait_done(cert_id, min(left, _WAIT_STEP)) or self._anchored_elsewhere(cert_id):
                break  # anchored here, or by another process's batcher (another service worker)
        self.waiters.forget(cert_id)
        found = self.reader.certificate_by_id(cert_id)
        if found.text is None:
            last_error = self.batches.last_error
            raise IssuanceError(
                f"Certificate {found.number} is signed but not yet anchored on chain"
                f"{': ' + last_error if last_error else ''}; it will be anchored as soon as the chain "
                "answers.",
                message_zh=f"证明 {found.number} 已签发但尚未上链，链恢复后将自动上链。",
            )
        return found

    def request(
        self, *, account_id: int | None = None, id_number: str | None = None, purpose: str = "housing-loan",
        audience: int | None = None, timeout: float = 30.0, minimal: bool = False,
    ) -> IssuedCertificate:
        """Issue one certificate and return it complete with its proof."""
        cert_id = self.submit(account_id=account_id, id_number=id_number, purpose=purpose, audience=audience,
                              minimal=minimal)
        return self.wait(cert_id, timeout=timeout)

    def _anchored_elsewhere(self, cert_id: int) -> bool:
        with session_scope(self.engine) as s:
            status = s.scalar(select(Certificate.status).where(Certificate.id == cert_id))
        return status in (CertificateStatus.ANCHORED, CertificateStatus.REVOKED)

    def _next_number(self, now: datetime) -> str:
        """A certificate number from a block this process reserved (a block at a time, so that a
        request does not write the counter). Numbers of a block left unused when the process
        ends are skipped, never reused."""
        year = number_year(now)
        with self._numbers_lock:
            if self._numbers_year != year or not self._numbers:
                with self._write_lock, session_scope(self.engine) as s:
                    block = reserve_certificate_numbers(s, centre=self.centre, year=year, count=_NUMBER_BLOCK)
                self._numbers = deque(block)
                self._numbers_year = year
            return self._numbers.popleft()

    def _check_audience(self, audience: int | None) -> None:
        if audience is not None and not 1 <= audience <= 2**32 - 1:  # uint32 on chain
            raise BadRequest(f"Institution {audience} does not exist: institution ids run from 1 to 4294967295.",
                             message_zh=f"机构编号 {audience} 无效（应为 1 至 4294967295）。")
        if audience is None or self.institution_active is None:
            return
        if not self.institution_active(audience):
            raise BadRequest(
                f"Institution {audience} is not a registered, active lending institution of the consortium.",
                message_zh=f"机构 {audience} 不是联盟登记在册的有效贷款机构。",
            )

    def _find_account(self, s: Session, *, account_id: int | None, id_number: str | None) -> Account:
        stmt = select(Account).where(Account.centre_code == self.centre)
        if account_id is not None:
            stmt = stmt.where(Account.id == account_id)
        elif id_number is not None:
            stmt = stmt.where(Account.id_number == normalise_id(id_number))
        else:
            raise ValueError("give account_id or id_number")
        account = s.scalars(stmt).first()
        if account is None:
            raise NotFound(
                f"Centre {self.centre} has no account for that ID number.",
                message_zh=f"本中心（{self.centre}）没有该身份证号的账户。",
            )
        if account.status is AccountStatus.CLOSED:
            raise BadRequest(
                f"Account {account.personal_account} is closed: no certificate is issued for a closed account.",
                message_zh=f"账户 {account.personal_account} 已销户，不能出具缴存证明。",
            )
        return account
