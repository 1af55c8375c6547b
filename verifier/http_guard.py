"""What both services (the verifier and the fund centres' portals) put in front of every request.

* :class:`BodyLimit` -- an ASGI middleware that authenticates a request from its headers *before*
  any of its body is read, and counts the body's bytes as they stream in (``Content-Length``,
  chunked, JSON, form, multipart alike): past the route's limit the request is answered 413 at once
  and the rest is never read, so memory stays flat whatever a client sends.
* :class:`SecurityHeaders` -- an ASGI middleware adding to every response (pages and API):
  a Content-Security-Policy without inline script or style, ``frame-ancestors 'none'``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY``.
* :func:`find_key` -- looks an API key up in constant time (no early exit, no length leak).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Final, TypeVar

__all__ = ["PAGE_CSP", "SECURITY_HEADERS", "BodyLimit", "SecurityHeaders", "find_key"]

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
V = TypeVar("V")

PAGE_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Every page's policy: scripts and styles only from files of the same origin, never inline."""
DOCS_CSP: Final = PAGE_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""/docs (Swagger UI, served from local files, verifier/api/docs.py) styles its widgets inline; it
still runs no inline script."""
SECURITY_HEADERS: Final = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


# --------------------------------------------------------------------------------------------------
# Keys


def _digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).digest()


def find_key(presented: str | None, keys: Mapping[str, V] | Iterable[str]) -> V | str | None:
    """The value of `presented` in `keys` (a mapping: its value; an iterable: the key itself), or
    None. Every known key is compared, each in constant time on equal-length digests, so neither
    the position of a match nor the length of a key shows in the timing."""
    if not presented:
        return None
    wanted = _digest(presented)
    found: V | str | None = None
    items: Iterable[tuple[str, V | str]] = keys.items() if isinstance(keys, Mapping) else ((k, k) for k in keys)
    for key, value in items:
        if hmac.compare_digest(wanted, _digest(key)):
            found = value
    return found


# --------------------------------------------------------------------------------------------------
# Body limit


class _TooLarge(Exception):
    pass


Decision = tuple[int, bool]
"""(largest body in bytes, authenticated?) for one request."""


class BodyLimit:
    """Authenticate first, then bound the body as it streams (see the module doc).

    `policy(scope)` gives the request's byte limit and whether its headers authenticate it (a
    request that needs no authentication says True). `error(status, en, zh)` is the JSON body of a
    refusal in the service's error shape."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        policy: Callable[[Scope], Decision],
        error: Callable[[int, str, str], dict[str, Any]],
        unauthorized: tuple[str, str] = ("Missing or unknown credentials; nothing of the request was read.",
                                         "缺少或无效的凭据，请求未被处理。"),
    ) -> None:
        self.app = app
        self.policy = policy
        self.error = error
        self.unauthorized = unauthorized

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, authenticated = self.policy(scope)
        if not authenticated:
            await self._refuse(send, 401, *self.unauthorized)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse_size(send, limit)
            return
        received = 0
        started = refused = False

        async def counted_receive() -> Message:
            nonlocal received, refused
            if refused:
                raise _TooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer 413 now, whatever the app makes of the error (FastAPI turns any error
                    # while reading a JSON body into 400): what it sends afterwards is dropped.
                    refused = True
                    if not started:
                        await self._refuse_size(send, limit)
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except _TooLarge:
            pass

    async def _refuse_size(self, send: Send, limit: int) -> None:
        await self._refuse(send, 413, f"The request body is larger than {limit} bytes.",
                           f"请求内容过大（上限 {limit} 字节）。")

    async def _refuse(self, send: Send, status: int, en: str, zh: str) -> None:
        body = json.dumps(self.error(status, en, zh), ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]})
        await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def header(scope: Scope, name: str) -> str | None:
    """One request header from an ASGI scope (for policies)."""
    return _header(scope, name.lower().encode())


# --------------------------------------------------------------------------------------------------
# Security headers


class SecurityHeaders:
    """Adds the security headers to every HTTP response (a header the app set is kept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = DOCS_CSP if scope.get("path") == "/docs" else PAGE_CSP

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, v in (*SECURITY_HEADERS.items(), ("Content-Security-Policy", csp)):
                    if k.lower().encode() not in present:
                        headers.append((k.lower().encode(), v.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
