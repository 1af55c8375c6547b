"""Requests are authenticated before their body is read and bounded as it streams; every response
carries the security headers; keys are compared in constant time (issue 12, items 2 and 10).

Measured before (the verifier as a real uvicorn process, 300 MB chunked POST to /v1/verify/batch
without a key): the server grew by about 700 MB before answering 401. Now it answers 401 / 413
after reading at most the limit, and grows by a few MB."""

from __future__ import annotations

import hmac
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from node.launcher import free_port
from node.settings import Settings
from verifier import http_guard
from verifier.api.main import WEB_DIR as VERIFIER_WEB
from verifier.api.main import create_app
from verifier.http_guard import find_key

KEY = "demo-key-91000001"
ISSUER_WEB = Path(__file__).resolve().parents[2] / "issuer" / "web"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """The verifier as a real uvicorn process (no chain: verification is INDETERMINATE)."""
    home = tmp_path_factory.mktemp("guard")
    port = free_port()
    env = {**os.environ, "HPF_HOME": str(home), "HPF_CONFIG": str(home / "none.toml"),
           "HPF_NODE_PORT": str(free_port())}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "verifier.api.asgi:create_app",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "the verifier did not start"
            time.sleep(0.2)
        yield "127.0.0.1", port, proc.pid  # type: ignore[misc]
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def chunked_post(host: str, port: int, path: str, headers: dict[str, str], total_mb: int) -> tuple[int, int]:
    """POST `total_mb` MB as a chunked body until the server answers; (status, MB sent)."""
    sock = socket.create_connection((host, port), timeout=30)
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    sock.sendall(head.encode())
    chunk = b"100000\r\n" + b"[" * 0x100000 + b"\r\n"  # 1 MB chunks
    sent = 0
    try:
        while sent < total_mb:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(chunk)
            sent += 1
        else:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    response = b""
    try:
        while b"\r\n" not in response:
            data = sock.recv(4096)
            if not data:
                break
            response += data
    finally:
        sock.close()
    return int(response.split(b" ", 2)[1]), sent


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"X-API-Key": KEY}, 413)], ids=["no-key", "key"])
def test_a_huge_chunked_body_is_refused_with_memory_flat(server, headers, status) -> None:  # type: ignore[no-untyped-def]
    host, port, pid = server
    before = rss_kb(pid)
    got, sent_mb = chunked_post(host, port, "/v1/verify/batch", headers, total_mb=300)
    grown_mb = (rss_kb(pid) - before) / 1024
    assert got == status
    assert grown_mb < 30, f"the server grew by {grown_mb:.0f} MB after {sent_mb} MB were sent"
    assert httpx.get(f"http://{host}:{port}/healthz", timeout=5).status_code == 200


def test_a_large_declared_length_is_refused_before_reading(server) -> None:  # type: ignore[no-untyped-def]
    host, port, _ = server
    body = b'{"items": [' + b'"HPF1:A",' * 300_000 + b'"HPF1:A"]}'
    r = httpx.post(f"http://{host}:{port}/v1/verify/batch", content=body, timeout=30,
                   headers={"X-API-Key": KEY, "Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["detail"]["error"]
    r = httpx.post(f"http://{host}:{port}/v1/verify/batch", json={"items": ["HPF1:A"] * 101}, timeout=10,
                   headers={"X-API-Key": KEY})
    assert r.status_code == 422  # at most 100 items
    r = httpx.post(f"http://{host}:{port}/v1/verify/batch", json={"items": ["HPF1:" + "A" * 20_000]}, timeout=10,
                   headers={"X-API-Key": KEY})
    assert r.status_code == 422  # an item is at most 16,000 characters


def test_uploads_without_a_key_are_never_read(server) -> None:  # type: ignore[no-untyped-def]
    host, port, _ = server
    r = httpx.post(f"http://{host}:{port}/v1/verify", files={"file": ("a.png", b"x" * 1_000_000)}, timeout=10)
    assert r.status_code == 401 and "API key" in r.json()["detail"]["error"]


# --------------------------------------------------------------------------------------------------
# The portal's login body


def test_the_portal_bounds_the_login_body(tmp_path: Path) -> None:
    from issuer.api import create_app as create_portal
    from issuer.settings import IssuerSettings

    ns = Settings(home=tmp_path, node_port=free_port())
    app = create_portal(460100, node_settings=ns, issuer_settings=IssuerSettings(home=tmp_path))
    with TestClient(app) as c:
        r = c.post("/v1/login", content=b'{"id_number": "' + b"1" * 2_000_000 + b'"}',
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["error"] and r.json()["error_zh"]
        r = c.post("/v1/certificates", json={"purpose": "rental"})
        assert r.status_code == 401  # no session: refused before the body is read
        r = c.post("/v1/staff/blacklist", json={}, headers={"X-Staff-Key": "guess"})
        assert r.status_code == 401
        assert_security_headers(c.get("/"))
        assert_security_headers(c.get("/staff"))
        assert_security_headers(c.get("/static/portal.js"))
        assert_security_headers(c.get("/v1/me"))
        docs = c.get("/docs")
        assert docs.status_code == 200 and "<script>" not in docs.text
        assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


# --------------------------------------------------------------------------------------------------
# Security headers


def assert_security_headers(r: httpx.Response) -> None:
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


def test_every_verifier_response_has_the_security_headers(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(home=tmp_path, node_port=free_port()))) as c:
        for r in (c.get("/"), c.get("/static/app.js"), c.get("/healthz"), c.post("/v1/verify", json={}),
                  c.get("/v1/blacklist/00", headers={"X-API-Key": KEY}), c.get("/openapi.json")):
            assert_security_headers(r)
        docs = c.get("/docs")
        assert docs.status_code == 200 and "<script>" not in docs.text
        assert c.get("/docs-assets/docs-init.js").headers["content-type"].startswith("text/javascript")


class _InlineFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {k for k, _ in attrs}
        if tag == "script" and "src" not in names:
            self.inline.append("inline <script>")
        if tag == "style":
            self.inline.append("<style> element")
        self.inline += [f"{k}= on <{tag}>" for k in names if k == "style" or k.startswith("on")]


@pytest.mark.parametrize("page", sorted([*VERIFIER_WEB.glob("*.html"), *ISSUER_WEB.glob("*.html")]),
                         ids=lambda p: p.name)
def test_pages_have_no_inline_script_or_style(page: Path) -> None:
    finder = _InlineFinder()
    finder.feed(page.read_text(encoding="utf-8"))
    assert finder.inline == [], f"{page.name}: the CSP would block {finder.inline}"


def test_keys_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {f"key-{i}": i for i in range(5)}
    assert find_key("key-3", keys) == 3 and find_key("key-9", keys) is None and find_key("", keys) is None
    assert find_key("k", {"key-0", "k"}) == "k"
    calls = []
    real = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(http_guard.hmac, "compare_digest", counting)
    for presented in ("key-0", "key-4", "nope", "a-much-longer-presented-key"):
        calls.clear()
        find_key(presented, keys)
        assert len(calls) == len(keys)  # no early exit on a match
        assert set(calls) == {(32, 32)}  # equal-length digests: no length leak
