"""The verifier service over HTTP: auth, uploads, JSON, batch, blacklist, limits, trace."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator

import pytest
import segno
from fastapi.testclient import TestClient

from node.bindings import AccessTraceBinding, BlacklistReason, unpack_access_record
from node.sealing import DEMO_TRACE_PRIVATE_KEY
from node.settings import Settings
from verifier import format as fmt
from verifier.api.main import create_app

from .issuing import DAY, chain_time, issue, make_certificate, operator

pytestmark = pytest.mark.integration
KEY = {"X-API-Key": "demo-key-91000001"}


@pytest.fixture(scope="module")
def client(chain, chain_env) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings = Settings(home=chain_env["HPF_HOME"], deployments_dir=chain_env["HPF_DEPLOYMENTS_DIR"],
                        node_port=int(chain_env["HPF_NODE_PORT"]), verifier_max_upload=2_000_000)
    with TestClient(create_app(settings)) as c:
        for q in c.app.state.hpf.queues.values():  # type: ignore[attr-defined]
            q.interval = 0.2
        yield c


def png_of(text: str) -> bytes:
    buf = io.BytesIO()
    segno.make(text, error="q", micro=False).save(buf, kind="png", scale=4, border=4)
    return buf.getvalue()


def test_health_and_docs(client: TestClient) -> None:
    h = client.get("/healthz").json()
    assert h["status"] == "ok" and h["chain"]["reachable"] is True
    assert client.get("/openapi.json").json()["paths"]["/v1/verify"]
    page = client.get("/")
    assert page.status_code == 200 and "缴存证明核验" in page.text
    # /docs works offline: Swagger UI comes from this service, not a CDN, and no inline script.
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower() and "<script>" not in docs.text
    for src in re.findall(r'(?:src|href)="([^"]+)"', docs.text):
        assert src.startswith("/docs-assets/") and client.get(src).status_code == 200, src
    assert "SwaggerUIBundle" in client.get("/docs-assets/swagger-ui-bundle.js").text


def test_who_is_signed_in(client: TestClient) -> None:
    assert client.get("/v1/institution", headers=KEY).json() == {
        "institution": 91000001, "name": "演示银行海南分行 (Demo Bank Hainan)"}
    assert client.get("/v1/institution").status_code == 401


def test_number_and_code_input_is_checked_and_wrong_codes_are_limited(client: TestClient) -> None:
    from verifier.api.routes import officer

    key = {"X-API-Key": "demo-key-91000002"}
    r = client.post("/v1/verify/code", json={"number": "not a number", "code": "ABCD-EFGH"}, headers=key)
    assert r.status_code == 422 and "证明编号" in r.json()["detail"]["error_zh"]
    # Centre 460400's portal is not running here: the centre cannot be reached (503), not "fake".
    r = client.post("/v1/verify/code", json={"number": "460400-2026-00000001", "code": "ABCD-EFGH"}, headers=key)
    assert r.status_code in (404, 422, 503)
    for _ in range(officer.FAILURES_PER_INSTITUTION):
        client.post("/v1/verify/code", json={"number": "x", "code": "y"}, headers=key)
    r = client.post("/v1/verify/code", json={"number": "460100-2026-00000001", "code": "ABCD-EFGH"}, headers=key)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_an_api_key_is_required(client: TestClient) -> None:
    r = client.post("/v1/verify", json={"hpf1": "HPF1:X"})
    assert r.status_code == 401 and "API key" in r.json()["detail"]["error"]
    r = client.post("/v1/verify", json={"hpf1": "HPF1:X"}, headers={"X-API-Key": "guess"})
    assert r.status_code == 401


def test_verify_json_upload_and_batch(chain, haikou_key, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, _ = issue(c, [make_certificate(w3) for _ in range(3)], *haikou_key)  # type: ignore[arg-type]
    r = client.post("/v1/verify", json={"hpf1": texts[0]}, headers=KEY)
    assert r.status_code == 200 and r.json()["verdict"] == "VALID"
    r = client.post("/v1/verify", files={"file": ("qr.png", png_of(texts[1]), "image/png")}, headers=KEY)
    assert r.status_code == 200 and r.json()["verdict"] == "VALID"
    r = client.post("/v1/verify", content=png_of(texts[2]), headers={**KEY, "Content-Type": "image/png"})
    assert r.json()["verdict"] == "VALID"
    r = client.post("/v1/verify/batch", json={"items": [*texts, "HPF1:BAD"]}, headers=KEY)
    assert [x["verdict"] for x in r.json()["results"]] == ["VALID", "VALID", "VALID", "INVALID"]


def test_clear_4xx_errors(client: TestClient) -> None:
    r = client.post("/v1/verify", content=b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, headers={**KEY, "Content-Type": "image/png"})
    assert r.status_code == 422 and r.json()["detail"]["error_zh"]
    r = client.post("/v1/verify", content=b"x" * 2_100_000, headers={**KEY, "Content-Type": "image/png"})
    assert r.status_code == 413
    r = client.post("/v1/verify", content=b"{}", headers={**KEY, "Content-Type": "application/json"})
    assert r.status_code == 422
    r = client.post("/v1/verify/batch", json={"items": []}, headers=KEY)
    assert r.status_code == 422
    r = client.get("/v1/blacklist/nothex", headers=KEY)
    assert r.status_code == 422


def test_blacklist_by_subject_reference(chain, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    cert = make_certificate(w3)
    c.blacklist.list(operator(w3, 460100), cert.subject_ref, BlacklistReason.FRAUDULENT_WITHDRAWAL,
                     chain_time(w3) + 3 * 365 * DAY + 60, b"\x02" * 32)
    r = client.get(f"/v1/blacklist/0x{cert.subject_ref.hex()}", headers=KEY)
    assert r.status_code == 200
    body = r.json()
    assert body["listed"] is True and body["entries"][0]["reason"] == "fraudulent-withdrawal"
    assert client.get(f"/v1/blacklist/{'00' * 32}", headers=KEY).json()["listed"] is False


def test_verifications_are_traced_in_batches(chain, haikou_key, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    w3, c = chain
    texts, _, signed = issue(c, [make_certificate(w3) for _ in range(3)], *haikou_key)  # type: ignore[arg-type]
    for t in texts:
        client.post("/v1/verify", json={"hpf1": t}, headers=KEY)
    digests = {fmt.certificate_digest(s) for s in signed}
    deadline = time.monotonic() + 20
    found: set[bytes] = set()
    while time.monotonic() < deadline and found != digests:
        logs = c.trace.contract.events.AccessRecorded().get_logs(from_block=0)
        found = {AccessTraceBinding.open_record(lg["args"], DEMO_TRACE_PRIVATE_KEY) for lg in logs} & digests
        time.sleep(0.2)
    assert found == digests
    logs = [lg for lg in c.trace.contract.events.AccessRecorded().get_logs(from_block=0)
            if AccessTraceBinding.open_record(lg["args"], DEMO_TRACE_PRIVATE_KEY) in digests]
    assert {unpack_access_record(lg["args"]["record"]).recorder for lg in logs} == {91000001}


def test_only_one_process_flushes_a_shared_queue(chain, chain_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """API workers share one queue file: a second opener queues but never sends (no double
    records, no nonce races)."""
    from node.bindings import AccessPurpose
    from node.settings import Settings
    from verifier.trace import open_queue

    settings = Settings(home=tmp_path, deployments_dir=chain_env["HPF_DEPLOYMENTS_DIR"],
                        node_port=int(chain_env["HPF_NODE_PORT"]))
    first, second = open_queue(settings, 91000002), open_queue(settings, 91000002)
    second.add([(b"\x07" * 32, AccessPurpose.CERTIFICATE_VERIFIED)])
    assert first.flush() == 1  # the first to flush holds the lock
    second.add([(b"\x08" * 32, AccessPurpose.CERTIFICATE_VERIFIED)])
    assert second.flush() == 0 and second.pending() == 1
    assert first.flush() == 1 and first.pending() == 0
    first.stop()
    assert second.flush() == 0  # nothing left; and now it may take over
