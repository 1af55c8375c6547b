"""What the portal service holds for its lifetime: the issuer (batcher running), the database,
sessions, the login limits (issuer/limits.py, in the database), and the chain-side services
opened lazily (blacklist, index).

Everything that needs the chain is opened on first use and opened again after a failure (at most
every few seconds), so that the service starts, logs in and shows accounts while the chain node
is down, and answers 503 on the calls that need it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import Engine

from issuer.centres import centre_name, known_centre_name, pdf_signer
from issuer.limits import LoginThrottle
from issuer.settings import IssuerSettings
from node.log import get_logger
from node.settings import Settings
from verifier.http_guard import find_key

if TYPE_CHECKING:
    from issuer.blacklist import BlacklistService
    from issuer.issuance.service import Issuer
    from node.indexer import Indexer

log = get_logger("hpf.issuer.api")
T = TypeVar("T")

SESSION_COOKIE = "hpf_session"
SESSION_SECONDS = 30 * 60
_RETRY_OPEN = 5.0  # seconds between attempts to open a chain-side service after a failure


class ChainServiceDown(Exception):
    """A chain-side service could not be opened (node down, no deployment)."""


class Lazy(Generic[T]):
    """A value built on first use, built again after a failure (not more often than `retry`)."""

    def __init__(self, name: str, build: Callable[[], T], *, retry: float = _RETRY_OPEN) -> None:
        self.name = name
        self._build = build
        self._retry = retry
        self._value: T | None = None
        self._failed_at = 0.0
        self.error: str | None = None
        self._lock = threading.Lock()

    def set(self, value: T) -> None:
        self._value = value
        self.error = None

    @property
    def value(self) -> T | None:
        return self._value

    def get(self) -> T:
        if self._value is not None:
            return self._value
        with self._lock:
            if self._value is not None:
                return self._value
            if self.error is not None and time.monotonic() - self._failed_at < self._retry:
                raise ChainServiceDown(self.error)
            try:
                self._value = self._build()
                self.error = None
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                self._failed_at = time.monotonic()
                log.warning("cannot open", service=self.name, error=self.error)
                raise ChainServiceDown(self.error) from exc
            return self._value


class Sessions:
    """Portal sessions as signed cookies: `centre.account.expires.nonce.mac`, the MAC an
    HMAC-SHA256 under the session secret. Any worker holding the secret can check a cookie;
    logging out forgets the nonce in this process (best effort across workers) and clears the
    cookie."""

    def __init__(self, secret: bytes, centre: int, *, lifetime: int = SESSION_SECONDS) -> None:
        self._secret = secret
        self.centre = centre
        self.lifetime = lifetime
        self._revoked: dict[str, int] = {}
        self._lock = threading.Lock()

    def _mac(self, payload: str) -> str:
        digest = hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def issue(self, account_id: int, *, now: float | None = None) -> str:
        expires = int(now if now is not None else time.time()) + self.lifetime
        payload = f"{self.centre}.{account_id}.{expires}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._mac(payload)}"

    def read(self, token: str | None, *, now: float | None = None) -> tuple[int, int] | None:
        """(account id, expires) of a valid, unexpired cookie; None otherwise."""
        if not token or len(token) > 200:
            return None
        payload, _, mac = token.rpartition(".")
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            centre, account, expires, nonce = payload.split(".")
            centre_code, account_id, expires_at = int(centre), int(account), int(expires)
        except ValueError:
            return None
        t = int(now if now is not None else time.time())
        if centre_code != self.centre or expires_at <= t:
            return None
        with self._lock:
            if nonce in self._revoked:
                return None
        return account_id, expires_at

    def revoke(self, token: str | None) -> None:
        if not token:
            return
        payload, _, _ = token.rpartition(".")
        parts = payload.split(".")
        if len(parts) != 4:
            return
        now = int(time.time())
        with self._lock:
            for nonce, until in list(self._revoked.items()):
                if until <= now:
                    del self._revoked[nonce]
            try:
                self._revoked[parts[3]] = int(parts[2])
            except ValueError:
                pass


@dataclass
class PortalState:
    centre: int
    node_settings: Settings
    issuer_settings: IssuerSettings
    engine: Engine
    issuer: Lazy[Issuer]
    blacklist: Lazy[BlacklistService]
    indexer: Lazy[Indexer]
    sessions: Sessions
    limiter: LoginThrottle
    staff_keys: frozenset[str] = frozenset()
    _name: str | None = None
    _signer: Any = None
    _signer_lock: threading.Lock = field(default_factory=threading.Lock)
    _index_synced: float = 0.0
    _index_lock: threading.Lock = field(default_factory=threading.Lock)

    def centre_name(self) -> str:
        """The centre's name: the demo list, else the chain's index, else its code."""
        if self._name is not None:
            return self._name

        self._name = known_centre_name(self.centre, lambda: self.synced_indexer().centres())
        return self._name or centre_name(self.centre)  # not known yet: ask again next time

    def pdf_signer(self) -> Any:
        with self._signer_lock:
            if self._signer is None:
                self._signer = pdf_signer(self.centre, self.centre_name(), self.issuer_settings)
            return self._signer

    def synced_indexer(self, *, max_age: float = 0.0) -> Indexer:
        """The event index, brought up to the chain head (unless synced within `max_age` s)."""
        idx = self.indexer.get()
        with self._index_lock:
            if time.monotonic() - self._index_synced >= max_age:
                idx.sync()
                self._index_synced = time.monotonic()
        return idx

    def is_staff(self, key: str | None) -> bool:
        return find_key(key, self.staff_keys) is not None  # every key compared, in constant time
