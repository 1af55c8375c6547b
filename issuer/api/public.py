"""What a centre's portal answers to anyone: its name (the login and staff pages name their
centre) and a certificate's HPF1 text for its number and 核验码 (the verifier page's camera-less
check). The text is what the holder hands out anyway; without the code nothing is revealed, and
wrong codes are counted per number and per client address (429 beyond the limit)."""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from fastapi import APIRouter, Query, Request

from issuer.api.deps import State
from issuer.api.errors import ERROR_RESPONSES, ApiError
from verifier import code as codes

router = APIRouter(prefix="/v1", tags=["public"], responses=ERROR_RESPONSES)
#: Wrong codes for one number, and from one address, per window before 429.
WRONG_PER_NUMBER = 5
WRONG_PER_ADDRESS = 30
WINDOW = 15 * 60.0
NOT_FOUND = codes.NOT_FOUND


class CodeLimiter:
    """Wrong 核验码 in a sliding window, in this process: at most `per_id` for one certificate
    number and `per_address` from one client address within `window` seconds; beyond that,
    lookups are refused until the oldest counted failure leaves the window. (Portal logins are
    limited in the database instead: issuer/limits.py.)"""

    def __init__(self, *, window: float = WINDOW, per_id: int = WRONG_PER_NUMBER,
                 per_address: int = WRONG_PER_ADDRESS) -> None:
        self.window = window
        self.per_id = per_id
        self.per_address = per_address
        self._ids: dict[str, deque[float]] = {}
        self._addresses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _prune(self, table: dict[str, deque[float]], key: str, now: float) -> deque[float]:
        q = table.get(key)
        if q is None:
            return deque()
        while q and now - q[0] >= self.window:
            q.popleft()
        if not q:
            del table[key]
        return q

    def blocked_for(self, id_key: str | None, address: str, *, now: float | None = None) -> float:
        """Seconds until a login may be tried again (0 = now)."""
        t = now if now is not None else time.monotonic()
        wait = 0.0
        with self._lock:
            for table, key, limit in ((self._ids, id_key, self.per_id), (self._addresses, address, self.per_address)):
                if key is None:
                    continue
                q = self._prune(table, key, t)
                if len(q) >= limit:
                    wait = max(wait, self.window - (t - q[len(q) - limit]))
        return wait

    def failed(self, id_key: str | None, address: str, *, now: float | None = None) -> None:
        t = now if now is not None else time.monotonic()
        with self._lock:
            if id_key is not None:
                self._ids.setdefault(id_key, deque()).append(t)
            self._addresses.setdefault(address, deque()).append(t)

    def succeeded(self, id_key: str) -> None:
        with self._lock:
            self._ids.pop(id_key, None)

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()
            self._addresses.clear()


def _limiter(request: Request) -> CodeLimiter:
    lim = getattr(request.app.state, "hpf_code_limiter", None)
    if lim is None:
        lim = request.app.state.hpf_code_limiter = CodeLimiter(window=WINDOW, per_id=WRONG_PER_NUMBER,
                                                                per_address=WRONG_PER_ADDRESS)
    return lim  # type: ignore[no-any-return]


@router.get("/centre", summary="The centre this portal serves: code and name")
def centre(state: State) -> dict[str, Any]:
    return {"centre": state.centre, "centre_name": state.centre_name()}


@router.get("/centres", summary="Every member centre's code and name (pages show names, not codes)")
def centres(state: State) -> dict[str, Any]:
    from node.accounts import DEMO_CENTRES  # noqa: PLC0415

    names = {c.code: c.name for c in DEMO_CENTRES}
    try:
        names.update({int(c["code"]): str(c["name"]) for c in state.synced_indexer(max_age=30.0).centres()})
    except Exception:  # noqa: BLE001 — names are a courtesy; the demo list and our own name remain
        pass
    names[state.centre] = state.centre_name()
    return {"centres": [{"code": k, "name": v} for k, v in sorted(names.items())]}


@router.get("/public/certificates/{number}", summary="A certificate's HPF1 text, for its number and 核验码")
def certificate_by_code(number: str, request: Request, state: State,
                        code: str = Query(max_length=20, description="the 核验码 printed under the QR code")
                        ) -> dict[str, Any]:
    from issuer.issuance import IssuanceError  # noqa: PLC0415

    # The client's address as the login limits see it (X-Forwarded-For only from HPF_TRUSTED_PROXIES).
    address = state.limiter.client_address(request.client.host if request.client else None,
                                           request.headers.get("x-forwarded-for"))
    limiter = _limiter(request)
    number = number.strip()[:40]
    wait = limiter.blocked_for(number, address)
    if wait > 0:
        raise ApiError(429, "Too many wrong codes; try again later.", "核验码错误次数过多，请稍后再试。",
                       headers={"Retry-After": str(int(wait) + 1)})
    wanted = codes.normalise_code(code)
    text = None
    if wanted is not None and codes.centre_of_number(number) == state.centre:
        try:
            cert = state.issuer.get().certificate(number)
            text = cert.text
        except IssuanceError:
            text = None
    if text is None or wanted is None or codes.code_of_text(text) != wanted:
        limiter.failed(number, address)
        raise ApiError(404, *NOT_FOUND)
    return {"number": number, "hpf1": text}
