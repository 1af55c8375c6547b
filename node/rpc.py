"""The one JSON-RPC client of the project: HTTP/1.1 keep-alive, one connection per thread,
batches in one round trip. Everything that reads or writes the chain goes through it (the
verifier's reads, the issuer's anchoring, the transaction sender, `hpf network status`)."""

from __future__ import annotations

import http.client
import itertools
import json
import threading
import urllib.parse
from dataclasses import dataclass
from typing import Any

__all__ = ["ChainUnavailable", "HeadInfo", "RpcClient"]


class ChainUnavailable(Exception):
    """The chain could not be read (transport failure, timeout, or an RPC error). `reply` holds
    the error's data when the node answered with one (a call's revert data)."""

    reply: str | None = None


class RpcClient:
    """Minimal JSON-RPC over HTTP/1.1 keep-alive, one connection per thread."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"not an http(s) RPC URL: {url}")
        self.url = url
        self._https = parsed.scheme == "https"
        self._host = parsed.hostname
        self._port = parsed.port or (443 if self._https else 80)
        self._path = parsed.path or "/"
        self._timeout = timeout
        self._local = threading.local()
        self._ids = itertools.count(1)

    def _conn(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=self._timeout)
            self._local.conn = conn
        return conn

    def _post(self, body: str) -> Any:
        for attempt in (0, 1):  # a keep-alive connection the server closed is retried once
            conn = self._conn()
            try:
                conn.request("POST", self._path, body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                raw = resp.read()
                if resp.status != 200:
                    raise ChainUnavailable(f"the chain RPC answered HTTP {resp.status}")
                break
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conn = None
                if attempt:
                    raise ChainUnavailable(f"the chain RPC at {self.url} cannot be reached: {exc}") from exc
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise ChainUnavailable("the chain RPC answered something that is not JSON") from exc

    @staticmethod
    def _result(reply: Any) -> Any:
        if not isinstance(reply, dict) or "error" in reply or "result" not in reply:
            error = reply.get("error", reply) if isinstance(reply, dict) else reply
            message = error.get("message", error) if isinstance(error, dict) else error
            exc = ChainUnavailable(f"the chain RPC refused the call: {message}")
            exc.reply = error.get("data") if isinstance(error, dict) else None  # revert data, if any
            raise exc
        return reply["result"]

    def call(self, method: str, params: list[Any]) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params})
        return self._result(self._post(body))

    def call_many(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        """Several calls in one JSON-RPC batch: one HTTP round trip."""
        ids = [next(self._ids) for _ in calls]
        body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in zip(ids, calls, strict=True)])
        replies = self._post(body)
        if not isinstance(replies, list):
            raise ChainUnavailable(f"the chain RPC refused the batch: {self._result(replies)}")
        by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
        return [self._result(by_id.get(i, {})) for i in ids]

    def eth_calls(self, calls: list[tuple[str, bytes]]) -> list[bytes]:
        results = self.call_many([("eth_call", [{"to": to, "data": "0x" + d.hex()}, "latest"]) for to, d in calls])
        return [bytes.fromhex(str(r)[2:]) for r in results]

    def eth_call(self, to: str, data: bytes) -> bytes:
        result = self.call("eth_call", [{"to": to, "data": "0x" + data.hex()}, "latest"])
        return bytes.fromhex(str(result)[2:])

    def head(self) -> HeadInfo:
        """The node's latest block: number, hash and timestamp."""
        block = self.call("eth_getBlockByNumber", ["latest", False])
        if not isinstance(block, dict):
            raise ChainUnavailable(f"the chain RPC at {self.url} has no latest block")
        return HeadInfo(number=int(block["number"], 16), hash=str(block["hash"]), timestamp=int(block["timestamp"], 16))

    def client_version(self) -> str:
        return str(self.call("web3_clientVersion", []))


@dataclass(frozen=True, kw_only=True)
class HeadInfo:
    """A node's head block as read: number, hash, timestamp (seconds)."""

    number: int
    hash: str
    timestamp: int
