"""Issuance: certificates signed on request, gathered into Merkle batches, anchored, then handed out.

A certificate goes through these states, each change committed before the next step starts:

    SIGNED (no batch)  →  SIGNED in a SEALED batch  →  batch ANCHORING (transaction hash stored
    before it is sent)  →  batch and certificates ANCHORED (in one transaction)

A certificate stores its signed COSE_Sign1 bytes; its proof is the path through its batch's tree,
which the batch's certificates' digests give. The HPF1 text (signature and proof) is put together
when it is read, and only once the certificate is ANCHORED: none is handed out without its proof.
Whether a batch is anchored is decided by the ledger's `batch(root)` view: after a crash of the
issuer or of the chain node, `recover()` looks every SEALED or ANCHORING batch up on chain and
either finishes it (the root is there) or sends it again (it is not). The ledger refuses a root
twice, so a transaction sent twice by a crash costs gas at worst, never a second anchor.

The batcher (`Issuer.start()`) is a thread that closes a batch when `batch_size` certificates wait
or when the oldest has waited `batch_timeout` seconds, and anchors all closed batches in one
JSON-RPC round trip. `issue_all` is the bulk path: it signs a chunk of accounts, seals their
batches in the same transaction, and anchors the previous chunk while it signs the next.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from issuer.anchoring import ANCHOR_GAS, Anchorer
from issuer.current import finish_supersessions
from issuer.db import (
    Account,
    AccountStatus,
    Batch,
    BatchState,
    Certificate,
    CertificateStatus,
    session_scope,
)
from issuer.db.models import utcnow
from issuer.db.numbers import number_year, parse_certificate_number, reserve_certificate_numbers
from issuer.ids import normalise_id
from issuer.issuance.content import (
    DEFAULT_VALIDITY_DAYS,
    AccountFacts,
    account_summary,
    certificate_content,
    check_purpose,
)
from issuer.issuance.content import FACT_COLUMNS as _FACT_COLUMNS
from issuer.issuance.content import nothing_to_certify as _nothing_to_certify
from issuer.issuance.errors import BadRequest, IssuanceError, NotFound
from issuer.issuance.reading import IssuedCertificate
from issuer.issuance.reading import batch_digests as _batch_digests
from issuer.issuance.reading import issued_certificate as _issued
from issuer.issuance.signing import KeyRing, sign_certificates, worker_init, worker_sign
from issuer.keys import ActiveKey
from issuer.reconcile import Reconciler
from node.bindings import RevocationReason
from node.errors import ContractError
from node.log import get_logger
from node.rpc import ChainUnavailable
from verifier import format as fmt
from verifier.merkle import MAX_BATCH_SIZE, MerkleTree

__all__ = ["REVOCATION_REASONS", "Issuer"]

log = get_logger("hpf.issuer")
_BULK_CHUNK = 16 * MAX_BATCH_SIZE
_NUMBER_BLOCK = 16  # certificate numbers a service reserves at a time
_FINALITY_POLL = 0.25  # seconds between looks at roots that are on chain but not final yet

#: Revocation reasons as the CLI and API name them.
REVOCATION_REASONS: dict[str, RevocationReason] = {
    "superseded": RevocationReason.SUPERSEDED,
    "issued-in-error": RevocationReason.ISSUED_IN_ERROR,
    "account-changed": RevocationReason.ACCOUNT_CHANGED,
    "key-compromised": RevocationReason.KEY_COMPROMISED,
    "other": RevocationReason.OTHER,
}


_CERTIFICATES = Certificate.__table__


@dataclass
class IssueAllReport:
    issued: int = 0
    skipped: int = 0  # accounts without deposits
    already_current: int = 0  # accounts that hold a current certificate of the same content
    batches: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "issued": self.issued,
            "skipped": self.skipped,
            "already_current": self.already_current,
            "batches": self.batches,
            "seconds": round(self.seconds, 3),
            "per_second": round(self.issued / self.seconds, 1) if self.seconds else None,
            "problems": self.problems[:50],
        }


class Issuer:
    """One centre's issuer: signs, batches, anchors, stores; answers for its certificates."""

    def __init__(
        self,
        *,
        centre: int,
        engine: Engine,
        anchorer: Anchorer,
        passphrase: bytes,
        consortium_key: bytes,
        institution_active: Callable[[int], bool] | None = None,
        batch_size: int = MAX_BATCH_SIZE,
        batch_timeout: float = 1.0,
        validity_days: int = DEFAULT_VALIDITY_DAYS,
        validity_by_purpose: dict[str, int] | None = None,
        revoker: Callable[[bytes, bytes, list[bytes], RevocationReason], None] | None = None,
        confirmations: int | None = None,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size is from 1 to {MAX_BATCH_SIZE}")
        self.centre = centre
        self.engine = engine
        self.anchorer = anchorer
        self.passphrase = passphrase
        self.consortium_key = consortium_key
        self.institution_active = institution_active
        self.batch_size = batch_size
        self.batch_timeout = batch_timeout
        self.validity = timedelta(days=validity_days)
        self.validity_by_purpose = dict(validity_by_purpose or {})  # days; settings' validity_days
        self.revoker = revoker
        self.reconciler = Reconciler(engine=engine, centre=centre, anchorer=anchorer, confirmations=confirmations)
        self.keys = KeyRing(engine=engine, centre=centre, passphrase=passphrase)
        self._cond = threading.Condition()
        self._waiting: dict[int, float] = {}  # certificate id -> monotonic time it was stored
        self._done: set[int] = set()
        self._stop = False
        self._thread: threading.Thread | None = None
        self._anchor_lock = threading.Lock()  # one anchoring pass at a time in this process
        self._write_lock = threading.Lock()
        self._numbers_lock = threading.Lock()
        self._numbers: deque[str] = deque()
        self._numbers_year = 0
        self._digests: dict[int, list[bytes]] = {}  # anchored batches' leaves never change
        self.last_error: str | None = None

    # --- keys and content ---

    def active_key(self) -> ActiveKey:
        """The key to sign with now (signing.KeyRing)."""
        return self.keys.active_key()

    def validity_seconds(self, purpose: str) -> int:
        """How long a certificate for `purpose` is valid (per centre and purpose in settings)."""
        days = self.validity_by_purpose.get(purpose)
        return days * 86_400 if days else int(self.validity.total_seconds())

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

    # --- on demand ---

    def submit(
        self, *, account_id: int | None = None, id_number: str | None = None, purpose: str = "housing-loan",
        audience: int | None = None, supersedes: tuple[int, str] | None = None, minimal: bool = False,
    ) -> int:
        """Sign and store one certificate (SIGNED, not yet batched); returns its row id. The
        batcher anchors it; `wait(id)` returns it complete. `supersedes`: (row id, number) of the
        certificate it replaces (issuer/current.py revokes that one once this one is anchored)."""
        check_purpose(purpose)
        self._check_audience(audience)
        key = self.active_key()
        now = utcnow().replace(microsecond=0)
        with session_scope(self.engine) as s:
            account = self._find_account(s, account_id=account_id, id_number=id_number)
            summary = account_summary(account)
        if summary is None:
            raise _nothing_to_certify(account)
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
        with self._cond:
            self._waiting[cert_id] = time.monotonic()
            self._cond.notify_all()
        return cert_id

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

    def wait(self, cert_id: int, *, timeout: float = 30.0) -> IssuedCertificate:
        """The certificate once anchored (with its proof). Raises IssuanceError on timeout; the
        certificate stays queued and is anchored later."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while cert_id not in self._done:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if self._thread is None:  # no batcher thread: anchor in this call
                    self._cond.release()
                    try:
                        self.anchor_pending(force=True)
                    finally:
                        self._cond.acquire()
                    if cert_id in self._done:
                        break
                if not self._cond.wait(min(left, 0.5)) and self._anchored_elsewhere(cert_id):
                    break  # another process's batcher (another service worker) anchored it
            self._done.discard(cert_id)
            self._waiting.pop(cert_id, None)
        found = self.certificate_by_id(cert_id)
        if found.text is None:
            raise IssuanceError(
                f"Certificate {found.number} is signed but not yet anchored on chain"
                f"{': ' + self.last_error if self.last_error else ''}; it will be anchored as soon as the chain "
                "answers.",
                message_zh=f"证明 {found.number} 已签发但尚未上链，链恢复后将自动上链。",
            )
        return found

    def _anchored_elsewhere(self, cert_id: int) -> bool:
        self._cond.release()
        try:
            with session_scope(self.engine) as s:
                status = s.scalar(select(Certificate.status).where(Certificate.id == cert_id))
            return status in (CertificateStatus.ANCHORED, CertificateStatus.REVOKED)
        finally:
            self._cond.acquire()

    def request(
        self, *, account_id: int | None = None, id_number: str | None = None, purpose: str = "housing-loan",
        audience: int | None = None, timeout: float = 30.0, minimal: bool = False,
    ) -> IssuedCertificate:
        """Issue one certificate and return it complete with its proof."""
        cert_id = self.submit(account_id=account_id, id_number=id_number, purpose=purpose, audience=audience,
                              minimal=minimal)
        return self.wait(cert_id, timeout=timeout)

    # --- the batcher ---

    def start(self) -> None:
        """Recover what a crash left, then run the batcher thread."""
        self.recover()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name=f"batcher-{self.centre}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    def _due(self) -> bool:
        if not self._waiting:
            return False
        if len(self._waiting) >= self.batch_size:
            return True
        return time.monotonic() - min(self._waiting.values()) >= self.batch_timeout

    def _run(self) -> None:
        last_poll = time.monotonic()
        while True:
            with self._cond:
                while not self._stop and not self._due():
                    wait = self.batch_timeout
                    if self._waiting:
                        wait = max(0.0, self.batch_timeout - (time.monotonic() - min(self._waiting.values())))
                    self._cond.wait(min(wait, self.batch_timeout) or 0.01)
                    if time.monotonic() - last_poll > max(self.batch_timeout, 1.0) * 5:
                        break  # look for work other processes or a past crash left
                if self._stop and not self._waiting:
                    return
            last_poll = time.monotonic()
            try:
                self.anchor_pending(force=True)
                self._prune_waiting()
                if self.reconciler.due():
                    self.reconciler.check_anchored()  # roots the chain lost are anchored again
                    self._finish_supersessions()
                self.last_error = None
                with self._cond:
                    if self._waiting and not self._stop:  # their roots are not final yet
                        self._cond.wait(_FINALITY_POLL)
            except (ChainUnavailable, ContractError, OSError) as exc:
                self.last_error = str(exc)
                time.sleep(min(self.batch_timeout, 1.0))
            except Exception as exc:  # never let the batcher die silently
                self.last_error = f"{type(exc).__name__}: {exc}"
                time.sleep(1.0)
            if self._stop:
                return  # one last pass done; what is left is anchored by the next start's recover()

    def _prune_waiting(self) -> None:
        """Forget waiting certificates another process anchored (or that are gone), so that the
        batcher does not wake for them again."""
        with self._cond:
            ids = list(self._waiting)
        if not ids:
            return
        with session_scope(self.engine) as s:
            still = set(s.scalars(select(Certificate.id).where(Certificate.id.in_(ids),
                                                                Certificate.status == CertificateStatus.SIGNED)))
        with self._cond:
            for i in ids:
                if i not in still and self._waiting.pop(i, None) is not None:
                    self._done.add(i)
            self._cond.notify_all()

    def _seal(self, *, force: bool) -> list[int]:
        """Put waiting SIGNED certificates into new SEALED batches of up to `batch_size`; a short
        batch only when `force`. Returns the new batch ids."""
        sealed = []
        while True:
            with session_scope(self.engine) as s:
                ids = list(s.scalars(
                    select(Certificate.id)
                    .where(Certificate.centre_code == self.centre, Certificate.status == CertificateStatus.SIGNED,
                           Certificate.batch_id.is_(None))
                    .order_by(Certificate.id)
                    .limit(self.batch_size)
                ))
                if not ids or (len(ids) < self.batch_size and not force):
                    return sealed
                batch = Batch(centre_code=self.centre, state=BatchState.OPEN, leaf_count=0)
                s.add(batch)
                s.flush()
                # The batch_id IS NULL test is re-checked row by row, so two batchers (two
                # processes) never claim the same certificate.
                s.execute(
                    update(Certificate)
                    .where(Certificate.id.in_(ids), Certificate.batch_id.is_(None))
                    .values(batch_id=batch.id)
                )
                rows = s.execute(
                    select(Certificate.id, Certificate.digest).where(Certificate.batch_id == batch.id)
                    .order_by(Certificate.id)
                ).all()
                if not rows:
                    s.delete(batch)
                    continue
                tree = MerkleTree.build([r.digest for r in rows])
                s.execute(
                    update(Certificate).execution_options(synchronize_session=False),
                    [{"id": r.id, "leaf_index": i} for i, r in enumerate(rows)],
                )
                batch.root = tree.root
                batch.leaf_count = len(rows)
                batch.state = BatchState.SEALED
                batch.sealed_at = utcnow()
                sealed.append(batch.id)
                if len(rows) < self.batch_size:
                    return sealed

    def anchor_pending(self, *, force: bool = False) -> int:
        """Seal what waits and anchor every batch not yet anchored. Returns certificates finished."""
        with self._anchor_lock:
            self._seal(force=force)
            with session_scope(self.engine) as s:
                batch_ids = list(s.scalars(
                    select(Batch.id).where(Batch.centre_code == self.centre,
                                           Batch.state.in_([BatchState.SEALED, BatchState.ANCHORING]))
                    .order_by(Batch.id)
                ))
            done = 0
            for i in range(0, len(batch_ids), 32):
                done += self._anchor(batch_ids[i : i + 32])
            return done

    def recover(self) -> int:
        """After a crash: finish or resend every batch that was sealed but not recorded anchored,
        and batch every certificate that was signed but not batched. Returns certificates finished.

        Also reconciles with the chain (issuer/reconcile.py): a batch recorded ANCHORED whose root
        the chain no longer holds is anchored again, so its certificates become valid again."""
        with session_scope(self.engine) as s:
            # A batch left OPEN was never committed with certificates (sealing is one transaction);
            # drop any such empty rows.
            s.execute(delete(Batch).where(Batch.centre_code == self.centre, Batch.state == BatchState.OPEN,
                                          ~Batch.certificates.any()))
        self.reconciler.check_anchored(full=True)
        finished = self.anchor_pending(force=True)
        self._finish_supersessions()
        return finished

    def _finish_supersessions(self) -> None:
        """Old certificates whose successor is anchored are revoked (issuer/current.py): a crash
        between the two steps leaves no employee with two current certificates."""
        if self.revoker is None:
            return
        try:
            finish_supersessions(self)
        except Exception as exc:  # noqa: BLE001 — never stop recovery or the batcher for this
            log.warning("could not finish supersessions", error=str(exc))

    def _anchor(self, batch_ids: list[int], *, wait: bool = True) -> int:
        """Anchor the batches (SEALED or ANCHORING) and attach their proofs. Without `wait`
        (bulk issuance) the transactions are sent and the caller settles them later."""
        with session_scope(self.engine) as s:
            batches = list(s.scalars(select(Batch).where(Batch.id.in_(batch_ids)).order_by(Batch.id)))
        if not batches:
            return 0
        # 1. What does the chain say already? (ANCHORING batches may have made it before a crash.)
        done, to_send = self._ledger_says(batches)
        finished = self._finish(done)
        if not to_send:
            return finished
        if any(b.tx_hash is not None for b in to_send):
            self.anchorer.reset()  # sent before and gone (a rewound fork): the node's nonce decides
        # 2. Sign, record the hashes, then send, holding the operator account (one sender for
        # every process of the centre): a crash after the commit is seen as ANCHORING.
        for attempt in (0, 1):  # a nonce someone used outside the shared sender costs one retry
            try:
                with self.anchorer.sending() as slot:
                    items = [(Anchorer.anchor_data(b.root, b.leaf_count), ANCHOR_GAS) for b in to_send]  # type: ignore[arg-type]
                    signed = self.anchorer.sign_in(slot, items)
                    with session_scope(self.engine) as s:
                        s.execute(
                            update(Batch).execution_options(synchronize_session=False),
                            [{"id": b.id, "state": BatchState.ANCHORING, "tx_hash": h}
                             for b, (h, _) in zip(to_send, signed, strict=True)],
                        )
                    slot.send([raw for _, raw in signed])
                break
            except ChainUnavailable as exc:
                self.anchorer.reset()
                if attempt or "nonce" not in str(exc).lower():
                    raise
        if not wait:
            return finished
        self.anchorer.wait([h for h, _ in signed])
        # 3. The ledger decides.
        done, missing = self._ledger_says(to_send)
        if missing:
            self.anchorer.reset()  # a refused or lost transaction: re-read the nonce next time
            self.last_error = f"{len(missing)} batches are not anchored yet"
        return finished + self._finish(done)

    def _ledger_says(self, batches: list[Batch]) -> tuple[list[tuple[int, int, int]], list[Batch]]:
        """What the ledger's batch(centre, root) view says, in one round trip: the batches whose
        root is final under this centre [(id, anchored_at, block)] and those not on chain at all
        (nor in flight). Roots on chain but not final yet are in neither: a later pass decides."""
        c = self.reconciler.classify(batches)
        return c.final, c.missing

    def _fail(self, batch_id: int, why: str) -> None:
        with session_scope(self.engine) as s:
            s.execute(update(Batch).where(Batch.id == batch_id).values(state=BatchState.FAILED, last_error=why))
            s.execute(update(Certificate).where(Certificate.batch_id == batch_id)
                      .values(batch_id=None, leaf_index=None))

    def _finish(self, anchored: list[tuple[int, int, int]]) -> int:
        """Mark batches [(id, anchored_at, block)] and their certificates ANCHORED, in one
        transaction. Returns how many certificates that completed."""
        if not anchored:
            return 0
        with self._cond:
            waiting = bool(self._waiting)
        ids: list[int] = []
        by_id = {batch_id: (at, block) for batch_id, at, block in anchored}
        with session_scope(self.engine) as s:
            fresh = list(s.scalars(select(Batch.id).where(Batch.id.in_(by_id), Batch.state != BatchState.ANCHORED)))
            if not fresh:
                return 0
            s.execute(update(Batch).execution_options(synchronize_session=False), [
                {"id": b, "state": BatchState.ANCHORED, "anchored_at": datetime.fromtimestamp(by_id[b][0], UTC),
                 "anchored_block": by_id[b][1], "last_error": None} for b in fresh])
            count = s.execute(
                update(Certificate)
                .where(Certificate.batch_id.in_(fresh), Certificate.status == CertificateStatus.SIGNED)
                .values(status=CertificateStatus.ANCHORED)
                .execution_options(synchronize_session=False)
            ).rowcount
            if waiting:
                ids = list(s.scalars(select(Certificate.id).where(Certificate.batch_id.in_(fresh))))
        if ids:
            with self._cond:
                for i in ids:
                    if self._waiting.pop(i, None) is not None:
                        self._done.add(i)
                self._cond.notify_all()
        return int(count)

    # --- bulk ---

    def issue_all(
        self, *, purpose: str = "housing-loan", progress: Callable[[int, int], None] | None = None,
        limit: int | None = None, workers: int | None = None, reissue: bool = False,
    ) -> IssueAllReport:
        """A certificate for every account that is not closed and has deposits, except those that
        hold a current certificate of the same content (issuer/resume.py) unless `reissue`: run
        again after a crash, it resumes. Worker processes sign chunks of accounts while this
        process stores the previous chunk and a thread anchors the one before; `workers` = 0
        (the default) signs in this process."""
        from issuer.resume import already_certified  # noqa: PLC0415
        check_purpose(purpose)
        started = time.perf_counter()
        report = IssueAllReport()
        key = self.active_key()
        with session_scope(self.engine) as s:
            total = s.scalar(select(func.count()).select_from(Account).where(
                Account.centre_code == self.centre, Account.status != AccountStatus.CLOSED,
                Account.last_month.is_not(None))) or 0
            report.skipped = (s.scalar(select(func.count()).select_from(Account).where(
                Account.centre_code == self.centre, Account.status != AccountStatus.CLOSED,
                Account.last_month.is_(None))) or 0)
        if limit is not None:
            total = min(total, limit)
        if workers is None:  # measured: on 2 cores the database and the node are the limit, not signing
            workers = 0
        pool: ProcessPoolExecutor | None = None
        if workers:
            from issuer.keystore import private_raw

            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=worker_init,
                                       initargs=(private_raw(key.private_key), key.key_id, self.consortium_key,
                                                 key.algorithm, key.public_key))
        anchoring = ThreadPoolExecutor(max_workers=1, thread_name_prefix="anchor")
        signing: deque[Future[list[dict[str, Any]]]] = deque()
        anchored: Future[int] | None = None
        all_batches: list[int] = []
        last_id = 0
        loaded = stored = 0
        validity = int(self.validity.total_seconds())

        def store_next() -> None:
            nonlocal anchored, stored
            rows = signing.popleft().result()
            batch_ids = self._store_rows(rows)
            all_batches.extend(batch_ids)
            report.batches += len(batch_ids)
            stored += len(rows)
            if anchored is not None:
                report.issued += anchored.result()
            anchored = anchoring.submit(self._anchor_all, batch_ids, wait=False)  # settled at the end
            if progress is not None:
                progress(stored + report.already_current, total)

        def content_of(account: AccountFacts, **fields: Any) -> fmt.Certificate:
            return certificate_content(account, account_summary(account), purpose=purpose, audience=None, **fields)

        try:
            while loaded < total:
                chunk = self._load_chunk(last_id, min(_BULK_CHUNK, total - loaded))
                if not chunk:
                    break
                last_id = chunk[-1].id
                loaded += len(chunk)
                if not reissue:
                    held = already_certified(self.engine, self.centre, chunk, purpose=purpose, now=utcnow(),
                                             content_of=content_of)
                    report.already_current += len(held)
                    chunk = [a for a in chunk if a.id not in held]
                    if not chunk:
                        if progress is not None:
                            progress(stored + report.already_current, total)
                        continue
                now = int(time.time())
                with session_scope(self.engine) as s:  # numbers a crash skips are never reused
                    numbers = reserve_certificate_numbers(s, centre=self.centre, year=number_year(utcnow()),
                                                          count=len(chunk))
                if pool is not None:
                    signing.append(pool.submit(worker_sign, chunk, numbers, purpose, now, now + validity))
                else:
                    done: Future[list[dict[str, Any]]] = Future()
                    done.set_result(sign_certificates(key, self.consortium_key, chunk, numbers, purpose=purpose,
                                                      audience=None, issued_at=now, valid_until=now + validity))
                    signing.append(done)
                while len(signing) > max(1, workers):
                    store_next()
            while signing:
                store_next()
            if anchored is not None:
                report.issued += anchored.result()
            report.issued += self._settle(all_batches)
        finally:
            anchoring.shutdown(wait=True)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        report.seconds = time.perf_counter() - started
        return report

    def _anchor_all(self, batch_ids: list[int], *, wait: bool = True) -> int:
        with self._anchor_lock:
            return sum(self._anchor(batch_ids[i : i + 32], wait=wait) for i in range(0, len(batch_ids), 32))

    def _settle(self, batch_ids: list[int], *, timeout: float = 300.0) -> int:
        """Wait until the batches are final (anchoring again what went missing); certificates
        finished meanwhile."""
        done = passes = 0
        deadline = time.monotonic() + timeout
        while batch_ids and time.monotonic() < deadline:
            with session_scope(self.engine) as s:
                batch_ids = list(s.scalars(select(Batch.id).where(Batch.id.in_(batch_ids),
                                                                  Batch.state != BatchState.ANCHORED)))
            if not batch_ids:
                break
            if passes:
                time.sleep(_FINALITY_POLL)
            passes += 1
            done += self._anchor_all(batch_ids)
        return done

    def _load_chunk(self, after_id: int, count: int) -> list[AccountFacts]:
        with session_scope(self.engine) as s:
            rows = s.execute(
                select(*_FACT_COLUMNS).where(
                    Account.centre_code == self.centre, Account.status != AccountStatus.CLOSED,
                    Account.last_month.is_not(None), Account.id > after_id,
                ).order_by(Account.id).limit(count)
            )
            return [AccountFacts(*r) for r in rows]

    def _store_rows(self, rows: list[dict[str, Any]]) -> list[int]:
        """Store signed certificates with their batches SEALED, in one transaction."""
        now = utcnow()
        batch_ids = []
        with session_scope(self.engine) as s:
            for start in range(0, len(rows), self.batch_size):
                part = rows[start : start + self.batch_size]
                tree = MerkleTree.build([r["digest"] for r in part])
                batch_id = s.execute(
                    insert(Batch).values(centre_code=self.centre, state=BatchState.SEALED, root=tree.root,
                                         leaf_count=len(part), sealed_at=now, created_at=now)
                    .returning(Batch.id)
                ).scalar_one()
                batch_ids.append(batch_id)
                for i, r in enumerate(part):
                    r["batch_id"] = batch_id
                    r["leaf_index"] = i
            s.connection().execute(_CERTIFICATES.insert(), rows)  # Core: several times faster than the ORM
        return batch_ids

    # --- reading ---

    def certificate_by_id(self, cert_id: int) -> IssuedCertificate:
        with session_scope(self.engine) as s:
            c = s.get(Certificate, cert_id)
            if c is None or c.centre_code != self.centre:
                raise NotFound(f"No certificate {cert_id}.", message_zh="没有该证明。")
            return _issued(s, c, self._digests)

    def _by_number(self, s: Session, number: str) -> Certificate:
        c = s.scalars(select(Certificate).where(Certificate.number == number,
                                                Certificate.centre_code == self.centre)).first()
        if c is None:
            raise NotFound(f"Centre {self.centre} has no certificate {number}.",
                           message_zh=f"本中心没有编号为 {number} 的证明。")
        return c

    def certificate(self, number: str) -> IssuedCertificate:
        with session_scope(self.engine) as s:
            return _issued(s, self._by_number(s, number), self._digests)

    def certificates(self, account_id: int) -> list[IssuedCertificate]:
        with session_scope(self.engine) as s:
            rows = s.scalars(select(Certificate).where(Certificate.account_id == account_id,
                                                       Certificate.centre_code == self.centre)
                             .order_by(Certificate.id.desc()))
            return [_issued(s, c, self._digests) for c in rows]

    def status(self) -> dict[str, Any]:
        with session_scope(self.engine) as s:
            certs = dict(s.execute(select(Certificate.status, func.count()).where(
                Certificate.centre_code == self.centre).group_by(Certificate.status)).all())
            batches = dict(s.execute(select(Batch.state, func.count()).where(
                Batch.centre_code == self.centre).group_by(Batch.state)).all())
            last = s.scalars(select(Batch).where(Batch.centre_code == self.centre,
                                                 Batch.state == BatchState.ANCHORED)
                             .order_by(Batch.id.desc()).limit(1)).first()
        return {
            "centre": self.centre,
            "certificates": {k.value: v for k, v in certs.items()},
            "batches": {k.value: v for k, v in batches.items()},
            "waiting_for_anchor": certs.get(CertificateStatus.SIGNED, 0),
            "last_anchored": {
                "root": last.root.hex() if last and last.root else None,
                "leaf_count": last.leaf_count if last else None,
                "anchored_at": last.anchored_at.isoformat() if last and last.anchored_at else None,
                "block": last.anchored_block if last else None,
            },
            "signing_key": self.keys.key_json(),
            "batch_size": self.batch_size,
            "batch_timeout": self.batch_timeout,
            "last_error": self.last_error,
        }

    # --- revocation ---

    def revoke(self, number: str, reason: str, *, code: RevocationReason = RevocationReason.OTHER) -> IssuedCertificate:
        """Revoke an anchored certificate of this centre on chain (the ledger checks the Merkle
        proof of inclusion and that this centre anchored it), then record it here."""
        text = reason.strip()
        if not text:
            raise BadRequest("Give the reason for revoking the certificate.", message_zh="请填写撤销原因。")
        if code is RevocationReason.NONE:
            raise BadRequest("A revocation needs a reason code.", message_zh="撤销需要原因代码。")
        try:
            parse_certificate_number(number)
        except ValueError:
            raise BadRequest(f"{number!r} is not a certificate number (e.g. 460100-2026-00000123).",
                             message_zh=f"{number!r} 不是证明编号（例如 460100-2026-00000123）。") from None
        with session_scope(self.engine) as s:
            c = self._by_number(s, number)
            if c.status is CertificateStatus.REVOKED:
                raise BadRequest(f"Certificate {number} is already revoked.", message_zh=f"证明 {number} 已撤销。")
            if c.status is not CertificateStatus.ANCHORED or c.batch is None or c.batch.root is None:
                raise BadRequest(f"Certificate {number} is not anchored yet; revoke it once it is.",
                                 message_zh=f"证明 {number} 尚未上链，上链后才能撤销。")
            digests = _batch_digests(s, c.batch.id)
            root, digest, index = c.batch.root, c.digest, c.leaf_index
        assert digest is not None and index is not None
        proof = MerkleTree.build(digests).proof(index)
        if self.revoker is None:
            raise IssuanceError("This issuer cannot send revocations (no chain connection).")
        try:
            self.revoker(digest, root, proof, code)
        except ContractError as exc:
            if exc.error != "CertificateLedgerAlreadyRevoked":
                raise IssuanceError(f"The chain refused the revocation: {exc}.",
                                    message_zh="区块链拒绝了撤销操作。") from exc
        with session_scope(self.engine) as s:
            s.execute(update(Certificate).where(Certificate.number == number).values(
                status=CertificateStatus.REVOKED, revoked_at=utcnow(), revocation_reason=text))
        return self.certificate(number)

    def drain_key(self, key_id: bytes, *, timeout: float = 120.0) -> None:
        """Anchor everything signed with `key_id` (before that key is retired)."""
        deadline = time.monotonic() + timeout
        while True:
            self.anchor_pending(force=True)
            with session_scope(self.engine) as s:
                left = s.scalar(select(func.count()).select_from(Certificate).where(
                    Certificate.key_id == key_id, Certificate.status == CertificateStatus.SIGNED)) or 0
            if not left:
                return
            if time.monotonic() > deadline:
                raise IssuanceError(f"{left} certificates signed with key {key_id.hex()} could not be anchored; "
                                    "the key is not retired.")
            time.sleep(0.5)
