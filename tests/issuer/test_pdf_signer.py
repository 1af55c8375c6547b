"""A centre's own PDF signer (issuer/pdf_signer.py): PKCS#12 or PEM key + chain, an RFC 3161
timestamp authority, the DEMO CA only on the demo network; the HPF1 text inside stays SM2-signed."""

from __future__ import annotations

import hashlib
import inspect
import io
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from issuer import documents
from issuer.errors import ConfigurationError
from issuer.pdf_signer import describe, load
from issuer.settings import IssuerSettings
from verifier import format as fmt
from verifier import sm2

CENTRE = 460400
NAME = "儋州市住房公积金管理局"
REAL_NETWORK = "http://127.0.0.1:9"  # any RPC URL: a real network, where the DEMO CA is refused


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key: Any, issuer: str, issuer_key: Any, *, ca: bool, eku: Any = None) -> x509.Certificate:
    now = datetime(2020, 1, 1, tzinfo=UTC)
    b = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now).not_valid_after(now + timedelta(days=365 * 20))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    b = b.add_extension(x509.KeyUsage(
        digital_signature=not ca, content_commitment=not ca, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False), critical=True)
    if eku is not None:
        b = b.add_extension(x509.ExtendedKeyUsage([eku]), critical=True)
    return b.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A test CA (not the DEMO one), a centre certificate and a TSA certificate under it, as files."""
    d = tmp_path_factory.mktemp("own-pki")
    ca_key, centre_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA is RSA-only
    ca = _cert("Test Province CA", ca_key, "Test Province CA", ca_key, ca=True)
    centre = _cert(NAME, centre_key, "Test Province CA", ca_key, ca=False)
    tsa = _cert("Test TSA", tsa_key, "Test Province CA", ca_key, ca=False, eku=ExtendedKeyUsageOID.TIME_STAMPING)
    (d / "c.p12").write_bytes(pkcs12.serialize_key_and_certificates(
        b"centre", centre_key, centre, [ca], serialization.BestAvailableEncryption(b"p12 secret")))
    (d / "c.key.pem").write_bytes(centre_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (d / "c.chain.pem").write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (centre, ca)))
    return {"dir": d, "ca": ca, "centre": centre, "tsa": tsa, "tsa_key": tsa_key}


@pytest.fixture(scope="module")
def sm2_text() -> str:
    key = sm2.Sm2PrivateKey.generate()
    cert = fmt.Certificate(
        number="460400-2026-00000001", centre_code=CENTRE, purpose="rental", issued_at=1_790_000_000,
        valid_until=1_800_000_000, name="陈静", id_masked="460400********1234", subject_ref=b"\x01" * 32,
        employer_name="儋州某公司", employer_account="4604001", account_masked="4604****01", account_status="normal",
        account_opened="2015-07-01", deposit_base=500_000, employee_rate_bp=1200, employer_rate_bp=1200,
        monthly_amount=120_000, first_month="2015-07", last_month="2026-10", months_continuous=12, balance=1000,
        loan_outstanding=False)
    return fmt.encode(fmt.sign(cert, key, fmt.key_id_for(key.public_key_bytes()), "SM2"))


@pytest.fixture(scope="module")
def tsa_url(pki: dict[str, Any]) -> Iterator[str]:
    """An RFC 3161 endpoint on loopback, answering with pyHanko's test TSA."""
    from asn1crypto import keys, tsp
    from asn1crypto import x509 as ax509
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    stamper = DummyTimeStamper(
        tsa_cert=ax509.Certificate.load(pki["tsa"].public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(pki["tsa_key"].private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            req = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            body = stamper.request_tsa_response(req).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/tsr"
    finally:
        server.shutdown()
        server.server_close()


def _validate(pdf: bytes, root: x509.Certificate) -> Any:
    from asn1crypto import x509 as ax509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=[ax509.Certificate.load(root.public_bytes(serialization.Encoding.DER))],
                                allow_fetching=False)
    [signature] = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return validate_pdf_signature(signature, context, ts_validation_context=context)


def test_pkcs12_signer_with_a_timestamp_authority(pki: dict[str, Any], sm2_text: str, tsa_url: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HPF_TEST_P12", "p12 secret")
    settings = IssuerSettings(home=pki["dir"], rpc_url=REAL_NETWORK, pdf_signers={
        CENTRE: {"pkcs12": str(pki["dir"] / "c.p12"), "passphrase_env": "HPF_TEST_P12", "tsa_url": tsa_url}})
    signer = load(CENTRE, NAME, settings)
    info = describe(signer)
    assert info["source"].startswith("pkcs12:") and info["demo"] is False and info["tsa_url"] == tsa_url
    assert NAME in info["subject"] and info["key"] == "ECDSA-secp256r1"
    pdf = documents.render_pdf(sm2_text, centre_name=NAME, signer=signer)
    status = _validate(pdf, pki["ca"])
    assert status.intact and status.valid and status.trusted, status.pretty_print_details()
    assert status.timestamp_validity is not None and status.timestamp_validity.valid  # PAdES B-T
    assert NAME in status.signing_cert.subject.human_friendly
    # the certificate inside the PDF is the SM2-signed HPF1 text
    from verifier.inputs import read_input

    found = read_input(pdf)
    assert found and all(f.text == sm2_text and fmt.decode(f.text).algorithm == "SM2" for f in found)


def test_pem_key_and_chain(pki: dict[str, Any], sm2_text: str) -> None:
    settings = IssuerSettings(home=pki["dir"], rpc_url=REAL_NETWORK, pdf_signers={
        CENTRE: {"key": str(pki["dir"] / "c.key.pem"), "chain": str(pki["dir"] / "c.chain.pem")}})
    signer = load(CENTRE, NAME, settings)
    assert describe(signer)["source"].startswith("pem:") and describe(signer)["tsa_url"] is None
    status = _validate(documents.render_pdf(sm2_text, centre_name=NAME, signer=signer), pki["ca"])
    assert status.intact and status.valid and status.trusted


def test_demo_ca_only_on_the_demo_network(tmp_path: Path) -> None:
    assert describe(load(CENTRE, NAME, IssuerSettings(home=tmp_path)))["demo"] is True
    with pytest.raises(ConfigurationError, match="never the DEMO CA"):
        load(CENTRE, NAME, IssuerSettings(home=tmp_path, rpc_url=REAL_NETWORK))


@pytest.mark.parametrize(
    "entry,env,match",
    [
        ({"pkcs12": "c.p12", "passphrase_env": "HPF_TEST_UNSET"}, {}, "HPF_TEST_UNSET.*not set"),
        ({"pkcs12": "c.p12", "passphrase_env": "HPF_TEST_P12"}, {"HPF_TEST_P12": "wrong"}, "cannot be loaded"),
        ({"pkcs12": "missing.p12"}, {}, "cannot be read"),
        ({"key": "c.key.pem"}, {}, "no 'chain'"),
        ({"tsa_url": "http://x"}, {}, "either 'pkcs12' or both"),
        ({"pkcs12": "c.p12", "tsa_url": "ftp://x"}, {}, "tsa_url"),
        ({"pkcs12": "c.p12", "colour": "red"}, {}, "unknown setting"),
    ],
)
def test_bad_signer_settings_are_one_sentence(pki: dict[str, Any], entry: dict[str, str], env: dict[str, str],
                                              match: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    entry = {k: str(pki["dir"] / v) if k in ("pkcs12", "key", "chain") else v for k, v in entry.items()}
    with pytest.raises(ConfigurationError, match=match):
        load(CENTRE, NAME, IssuerSettings(home=pki["dir"], rpc_url=REAL_NETWORK, pdf_signers={CENTRE: entry}))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command line is not installed")
def test_an_sm2_document_signing_certificate_is_refused_clearly(tmp_path: Path) -> None:
    """pyHanko cannot sign PDFs with SM2 (docs/crypto.md): say so, rather than fail mid-signature."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "sm2", "-nodes", "-keyout", str(tmp_path / "k.pem"),
                    "-out", str(tmp_path / "c.pem"), "-subj", "/CN=SM2 centre", "-days", "30", "-sm3"],
                   check=True, capture_output=True, timeout=60)
    settings = IssuerSettings(home=tmp_path, rpc_url=REAL_NETWORK, pdf_signers={
        CENTRE: {"key": str(tmp_path / "k.pem"), "chain": str(tmp_path / "c.pem")}})
    with pytest.raises(ConfigurationError, match="SM2"):
        load(CENTRE, NAME, settings)


def test_pyhanko_hooks_we_override_still_exist_and_run(sm2_text: str, pki: dict[str, Any]) -> None:
    """issuer/documents/signing.py overrides two private pyHanko hooks because pyHanko has no public
    way to fix the /ID and /ModDate of an incremental update: if pyHanko renames them, changes their
    signatures or stops calling them, the signed PDF would silently stop being deterministic."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import BasePdfFileWriter

    assert list(inspect.signature(IncrementalPdfFileWriter._handle_id).parameters) == ["prev"]
    assert list(inspect.signature(BasePdfFileWriter._update_meta).parameters) == ["self"]
    assert "_handle_id" in inspect.getsource(IncrementalPdfFileWriter.__init__)
    assert "_update_meta" in inspect.getsource(BasePdfFileWriter._prep_dom_for_writing)

    settings = IssuerSettings(home=pki["dir"], rpc_url=REAL_NETWORK, pdf_signers={
        CENTRE: {"key": str(pki["dir"] / "c.key.pem"), "chain": str(pki["dir"] / "c.chain.pem")}})
    pdf = documents.render_pdf(sm2_text, centre_name=NAME, signer=load(CENTRE, NAME, settings))
    reader = PdfFileReader(io.BytesIO(pdf))
    first, second = (bytes(part.original_bytes) for part in reader.trailer["/ID"])
    assert second == hashlib.sha256(b"hpf-trust signed\x00" + first).digest()[:16]  # _handle_id ran
    issued = fmt.decode(sm2_text).certificate.issued_at
    when = datetime.fromtimestamp(issued, UTC).astimezone(documents.BEIJING)
    assert str(reader.trailer["/Info"]["/ModDate"]) == f"D:{when:%Y%m%d%H%M%S}+08'00'"  # _update_meta ran
