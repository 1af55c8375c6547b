"""Bulk issuance: a certificate for every account of the centre that is not closed and has
deposits. Worker processes (or this one) sign a chunk of accounts, this process stores it with its
batches SEALED in one transaction, and a thread anchors the previous chunk meanwhile; run again
after a crash, it resumes (issuer/resume.py)."""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Engine, Table, func, insert, select

from issuer.db import Account, AccountStatus, Batch, BatchState, Certificate, session_scope
from issuer.db.models import utcnow
from issuer.db.numbers import number_year, reserve_certificate_numbers
from issuer.issuance.batches import Batches
from issuer.issuance.content import (
    FACT_COLUMNS,
    AccountFacts,
    account_summary,
    certificate_content,
    check_purpose,
)
from issuer.issuance.signing import KeyRing, sign_certificates, worker_init, worker_sign
from issuer.keystore import private_raw
from issuer.resume import already_certified
from verifier import format as fmt
from verifier.merkle import MAX_BATCH_SIZE, MerkleTree

__all__ = ["BulkIssuer", "IssueAllReport"]

_BULK_CHUNK = 16 * MAX_BATCH_SIZE
_CERTIFICATES = cast(Table, Certificate.__table__)


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


class BulkIssuer:
    """Bulk issuance for one centre."""

    def __init__(self, *, engine: Engine, centre: int, keys: KeyRing, consortium_key: bytes,
                 batches: Batches) -> None:
        self.engine = engine
        self.centre = centre
        self.keys = keys
        self.consortium_key = consortium_key
        self.batches = batches

    def issue_all(
        self, *, validity: int, purpose: str = "housing-loan", progress: Callable[[int, int], None] | None = None,
        limit: int | None = None, workers: int | None = None, reissue: bool = False,
    ) -> IssueAllReport:
        """A certificate, valid `validity` seconds, for every account that is not closed and has
        deposits, except those that hold a current certificate of the same content
        (issuer/resume.py) unless `reissue`: run again after a crash, it resumes. Worker processes
        sign chunks of accounts while this process stores the previous chunk and a thread anchors
        the one before; `workers` = 0 (the default) signs in this process."""
        check_purpose(purpose)
        started = time.perf_counter()
        report = IssueAllReport()
        key = self.keys.active_key()
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

        def store_next() -> None:
            nonlocal anchored, stored
            rows = signing.popleft().result()
            batch_ids = self._store_rows(rows)
            all_batches.extend(batch_ids)
            report.batches += len(batch_ids)
            stored += len(rows)
            if anchored is not None:
                report.issued += anchored.result()
            anchored = anchoring.submit(self.batches.anchor_all, batch_ids, wait=False)  # settled at the end
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
            report.issued += self.batches.settle(all_batches)
        finally:
            anchoring.shutdown(wait=True)
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        report.seconds = time.perf_counter() - started
        return report

    def _load_chunk(self, after_id: int, count: int) -> list[AccountFacts]:
        with session_scope(self.engine) as s:
            rows = s.execute(
                select(*FACT_COLUMNS).where(
                    Account.centre_code == self.centre, Account.status != AccountStatus.CLOSED,
                    Account.last_month.is_not(None), Account.id > after_id,
                ).order_by(Account.id).limit(count)
            )
            return [AccountFacts.from_values(r) for r in rows]

    def _store_rows(self, rows: list[dict[str, Any]]) -> list[int]:
        """Store signed certificates with their batches SEALED, in one transaction."""
        now = utcnow()
        batch_ids = []
        batch_size = self.batches.batch_size
        with session_scope(self.engine) as s:
            for start in range(0, len(rows), batch_size):
                part = rows[start : start + batch_size]
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
