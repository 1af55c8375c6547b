"""The issuer of one centre: certificates signed on request or in bulk, gathered into Merkle
batches, anchored, then handed out with their proofs; revocation and read queries.

`Issuer` composes the parts, each in a module of its own:

- content.py: what a certificate says (`AccountFacts`, `certificate_content`);
- signing.py: the active key and signed certificate rows (in worker processes too);
- on_demand.py: one certificate per request (`submit`, `wait`, `request`);
- bulk.py: `issue_all`, a certificate for every account;
- batches.py: the seal → anchor → recover state machine (with issuer/anchoring.py and
  issuer/reconcile.py); waiting.py: the certificates a request waits for;
- batcher.py: the thread that seals and anchors on size or time;
- revocation.py, reading.py: revoking, and reading certificates back;
- wiring.py: `open_issuer`, an `Issuer` connected to the configured network.

A certificate stores its signed COSE_Sign1 bytes; its proof is the path through its batch's tree,
which the batch's certificates' digests give. The HPF1 text (signature and proof) is put together
when it is read, and only once the certificate is ANCHORED: none is handed out without its proof.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from issuer.anchoring import Anchorer
from issuer.current import finish_supersessions
from issuer.issuance.batcher import Batcher
from issuer.issuance.batches import Batches
from issuer.issuance.bulk import BulkIssuer, IssueAllReport
from issuer.issuance.content import DEFAULT_VALIDITY_DAYS
from issuer.issuance.on_demand import OnDemand
from issuer.issuance.reading import IssuedCertificate, Reader
from issuer.issuance.revocation import Revocations, Revoker
from issuer.issuance.signing import KeyRing
from issuer.issuance.waiting import Waiters
from issuer.keys import ActiveKey
from issuer.reconcile import Reconciler
from node.bindings import RevocationReason
from node.log import get_logger
from verifier.merkle import MAX_BATCH_SIZE

__all__ = ["Issuer"]

log = get_logger("hpf.issuer")


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
        revoker: Revoker | None = None,
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
        self.reader = Reader(engine=engine, centre=centre)
        waiters = Waiters()
        self.batches = Batches(engine=engine, centre=centre, anchorer=anchorer, reconciler=self.reconciler,
                               batch_size=batch_size, waiters=waiters)
        self.batcher = Batcher(name=f"batcher-{centre}", batches=self.batches, waiters=waiters,
                               batch_timeout=batch_timeout, after_reconcile=self._finish_supersessions)
        self.on_demand = OnDemand(engine=engine, centre=centre, keys=self.keys, consortium_key=consortium_key,
                                  institution_active=institution_active, validity_seconds=self.validity_seconds,
                                  waiters=waiters, batches=self.batches, batcher=self.batcher, reader=self.reader)
        self.bulk = BulkIssuer(engine=engine, centre=centre, keys=self.keys, consortium_key=consortium_key,
                               batches=self.batches)
        self.revocations = Revocations(engine=engine, reader=self.reader, revoker=revoker)

    @property
    def last_error(self) -> str | None:
        """Why the last anchoring pass left certificates unanchored (None: it did not)."""
        return self.batches.last_error

    @last_error.setter
    def last_error(self, value: str | None) -> None:
        self.batches.last_error = value

    # --- keys and content ---

    def active_key(self) -> ActiveKey:
        """The key to sign with now (signing.KeyRing)."""
        return self.keys.active_key()

    def validity_seconds(self, purpose: str) -> int:
        """How long a certificate for `purpose` is valid (per centre and purpose in settings)."""
        days = self.validity_by_purpose.get(purpose)
        return days * 86_400 if days else int(self.validity.total_seconds())

    # --- on demand ---

    def submit(
        self, *, account_id: int | None = None, id_number: str | None = None, purpose: str = "housing-loan",
        audience: int | None = None, supersedes: tuple[int, str] | None = None, minimal: bool = False,
    ) -> int:
        """Sign and store one certificate, not yet batched; returns its row id (OnDemand.submit)."""
        return self.on_demand.submit(account_id=account_id, id_number=id_number, purpose=purpose,
                                     audience=audience, supersedes=supersedes, minimal=minimal)

    def wait(self, cert_id: int, *, timeout: float = 30.0) -> IssuedCertificate:
        """The certificate once anchored, with its proof (OnDemand.wait)."""
        return self.on_demand.wait(cert_id, timeout=timeout)

    def request(
        self, *, account_id: int | None = None, id_number: str | None = None, purpose: str = "housing-loan",
        audience: int | None = None, timeout: float = 30.0, minimal: bool = False,
    ) -> IssuedCertificate:
        """Issue one certificate and return it complete with its proof."""
        return self.on_demand.request(account_id=account_id, id_number=id_number, purpose=purpose,
                                      audience=audience, timeout=timeout, minimal=minimal)

    # --- the batcher and the batches ---

    def start(self) -> None:
        """Recover what a crash left, then run the batcher thread."""
        self.recover()
        self.batcher.start()

    def close(self) -> None:
        self.batcher.close()

    def anchor_pending(self, *, force: bool = False) -> int:
        """Seal what waits and anchor every batch not yet anchored. Returns certificates finished."""
        return self.batches.anchor_pending(force=force)

    def recover(self) -> int:
        """After a crash: finish or resend every batch sealed but not recorded anchored, batch what
        was signed but not batched, reconcile with the chain (Batches.recover), and finish
        supersessions. Returns certificates finished."""
        finished = self.batches.recover()
        self._finish_supersessions()
        return finished

    def drain_key(self, key_id: bytes, *, timeout: float = 120.0) -> None:
        """Anchor everything signed with `key_id` (before that key is retired)."""
        self.batches.drain_key(key_id, timeout=timeout)

    def _finish_supersessions(self) -> None:
        """Old certificates whose successor is anchored are revoked (issuer/current.py): a crash
        between the two steps leaves no employee with two current certificates."""
        if self.revoker is None:
            return
        try:
            finish_supersessions(self)
        except Exception as exc:  # noqa: BLE001 — never stop recovery or the batcher for this
            log.warning("could not finish supersessions", error=str(exc))

    # --- bulk ---

    def issue_all(
        self, *, purpose: str = "housing-loan", progress: Callable[[int, int], None] | None = None,
        limit: int | None = None, workers: int | None = None, reissue: bool = False,
    ) -> IssueAllReport:
        """A certificate for every account that is not closed and has deposits (BulkIssuer)."""
        return self.bulk.issue_all(validity=int(self.validity.total_seconds()), purpose=purpose,
                                   progress=progress, limit=limit, workers=workers, reissue=reissue)

    # --- reading ---

    def certificate_by_id(self, cert_id: int) -> IssuedCertificate:
        return self.reader.certificate_by_id(cert_id)

    def certificate(self, number: str) -> IssuedCertificate:
        return self.reader.certificate(number)

    def certificates(self, account_id: int) -> list[IssuedCertificate]:
        return self.reader.certificates(account_id)

    def status(self) -> dict[str, Any]:
        return {
            **self.reader.counts(),
            "signing_key": self.keys.key_json(),
            "batch_size": self.batch_size,
            "batch_timeout": self.batch_timeout,
            "last_error": self.last_error,
        }

    # --- revocation ---

    def revoke(self, number: str, reason: str, *, code: RevocationReason = RevocationReason.OTHER) -> IssuedCertificate:
        """Revoke an anchored certificate of this centre on chain, then record it here."""
        return self.revocations.revoke(number, reason, code=code)
