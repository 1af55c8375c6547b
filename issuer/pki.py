"""A local DEMO certificate authority for the centres' PDF signatures (X.509, PAdES).

NOT FOR PRODUCTION. A real deployment gets each centre's document-signing certificate from a
recognised CA (e.g. under the Electronic Signature Law); this module stands one up locally so that
the demo's PDFs carry a signature any PDF reader can show ("signed by 海口市住房公积金管理局",
issued by "hpf-trust DEMO Root CA"). Trust the demo root explicitly to see it as valid.

Everything lives as PEM files in one directory and is created once, then reused:

    demo-ca.cert.pem              the DEMO root certificate (RSA 3072, valid 2020-2045)
    demo-ca.key.pem               its private key, PKCS#8 encrypted with the passphrase
    centre-<code>.cert.pem        a centre's signing certificate (RSA 2048, valid 2020-2035)
    centre-<code>.key.pem         its private key, PKCS#8 encrypted with the passphrase

RSA with PKCS#1 v1.5 signatures is deterministic, so a signed PDF re-rendered from the same
certificate text is byte-identical (issuer/documents/signing.py). Validity starts at a fixed past date so
that documents whose issued-at predates the creation of the files still verify.

The passphrase comes from the argument, else from the issuer's settings (HPF_KEY_PASSPHRASE, as
for the centre's certificate-signing keys: `IssuerSettings.signing_key_passphrase`), whose DEMO
passphrase stands in on the local demo network only, said in the log; elsewhere an unset
passphrase is a ConfigurationError.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from node.private_files import check_not_world_readable, private_dir

__all__ = [
    "DEMO_CA_NAME",
    "PASSPHRASE_ENV",
    "CentreCredentials",
    "ensure_centre_certificate",
    "ensure_demo_ca",
]

DEMO_CA_NAME: Final = "hpf-trust DEMO Root CA (not for production)"
DEMO_ORGANISATION: Final = "hpf-trust DEMO"
PASSPHRASE_ENV: Final = "HPF_KEY_PASSPHRASE"  # noqa: S105 — a variable's name, not a secret; the setting's variable: the same as the centre's COSE signing keys

_NOT_BEFORE: Final = datetime(2020, 1, 1, tzinfo=UTC)
_CA_NOT_AFTER: Final = datetime(2046, 1, 1, tzinfo=UTC)
_CENTRE_NOT_AFTER: Final = datetime(2036, 1, 1, tzinfo=UTC)
_CA_CERT: Final = "demo-ca.cert.pem"
_CA_KEY: Final = "demo-ca.key.pem"
_LOCK: Final = threading.Lock()

CentreCredentials = tuple[x509.Certificate, rsa.RSAPrivateKey, list[x509.Certificate]]
"""(signing certificate, its private key, the chain above it: [DEMO root])."""


def _passphrase(passphrase: str | bytes | None) -> bytes:
    if passphrase is None:
        from issuer.settings import IssuerSettings  # noqa: PLC0415 — settings import the keystore and the format: `import issuer.pki` stays ~60 ms, not ~300

        passphrase = IssuerSettings().signing_key_passphrase()  # read now, not a cached copy
    value = passphrase.encode() if isinstance(passphrase, str) else bytes(passphrase)
    if not value:
        raise ValueError("the key passphrase must not be empty")
    return value


def check_key_files(directory: str | os.PathLike[str]) -> None:
    """Refuse (node.private_files.InsecureFile) when a key file in `directory` is world-readable."""
    folder = Path(directory)
    if folder.is_dir():
        for key_path in sorted(folder.glob("*.key.pem")):
            check_not_world_readable(key_path)


def _write_private(path: Path, data: bytes) -> None:
    """Writes a key file readable by its owner only, atomically."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _write_public(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _save(
    cert: x509.Certificate, key: rsa.RSAPrivateKey, cert_path: Path, key_path: Path, secret: bytes
) -> None:
    _write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(secret),
        ),
    )
    _write_public(cert_path, cert.public_bytes(serialization.Encoding.PEM))


def _load(
    cert_path: Path, key_path: Path, secret: bytes
) -> tuple[x509.Certificate, rsa.RSAPrivateKey] | None:
    if not (cert_path.is_file() and key_path.is_file()):
        return None
    check_not_world_readable(key_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=secret)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError(f"{key_path} does not hold an RSA key")
    cert_key = cert.public_key()
    if not isinstance(cert_key, rsa.RSAPublicKey) or key.public_key().public_numbers() != cert_key.public_numbers():
        raise ValueError(f"{key_path} does not belong to {cert_path}")
    return cert, key


def ensure_demo_ca(
    directory: str | os.PathLike[str], *, passphrase: str | bytes | None = None
) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """The DEMO root CA in `directory`: loaded if its files exist, otherwise created."""
    folder = Path(directory)
    secret = _passphrase(passphrase)
    with _LOCK:
        found = _load(folder / _CA_CERT, folder / _CA_KEY, secret)
        if found is not None:
            return found
        private_dir(folder)
        key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        name = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANISATION),
                x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
            ]
        )
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_CA_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        _save(cert, key, folder / _CA_CERT, folder / _CA_KEY, secret)
        return cert, key


def _centre_paths(folder: Path, centre_code: int | str) -> tuple[Path, Path]:
    code = str(centre_code)
    if not code.isdigit():
        raise ValueError(f"a centre code is an administrative-division number, not {centre_code!r}")
    return folder / f"centre-{code}.cert.pem", folder / f"centre-{code}.key.pem"


def _subject(centre_code: int | str, centre_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, centre_name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"{DEMO_ORGANISATION} {centre_code}"),
            x509.NameAttribute(NameOID.COMMON_NAME, centre_name),
        ]
    )


def ensure_centre_certificate(
    directory: str | os.PathLike[str],
    centre_code: int | str,
    centre_name: str,
    *,
    passphrase: str | bytes | None = None,
) -> CentreCredentials:
    """The centre's PDF-signing certificate, key and chain ([DEMO root]), issued by the DEMO CA
    in `directory`. Reuses the existing files when they are for this name and this CA; otherwise
    issues a new certificate (e.g. after the centre was renamed)."""
    if not centre_name or centre_name != centre_name.strip():
        raise ValueError("centre_name must be a non-empty name without surrounding spaces")
    folder = Path(directory)
    secret = _passphrase(passphrase)
    ca_cert, ca_key = ensure_demo_ca(folder, passphrase=secret)
    cert_path, key_path = _centre_paths(folder, centre_code)
    subject = _subject(centre_code, centre_name)
    with _LOCK:
        found = _load(cert_path, key_path, secret)
        if found is not None:
            cert, key = found
            if cert.subject == subject and cert.issuer == ca_cert.subject:
                try:
                    cert.verify_directly_issued_by(ca_cert)
                    return cert, key, [ca_cert]
                except (ValueError, TypeError, InvalidSignature):
                    pass  # not this CA's: issue a new one below
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if found is None else found[1]
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_NOT_BEFORE)
            .not_valid_after(_CENTRE_NOT_AFTER)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,  # nonRepudiation
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        _save(cert, key, cert_path, key_path, secret)
        return cert, key, [ca_cert]
