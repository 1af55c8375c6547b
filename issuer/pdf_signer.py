"""The centre's PDF signer: its own document-signing certificate, or the DEMO CA on the demo network.

A centre configures it in HPF_PDF_SIGNERS (JSON, by centre code), one of:

    {"460100": {"pkcs12": "/etc/hpf/haikou.p12", "passphrase_env": "HPF_PDF_PASSPHRASE_460100",
                "tsa_url": "http://tsa.example.cn/tsr"}}
    {"460100": {"key": "/etc/hpf/haikou.key.pem", "chain": "/etc/hpf/haikou.chain.pem",
                "passphrase_env": "HPF_PDF_PASSPHRASE_460100"}}

`pkcs12` is a PKCS#12 file (key, certificate and chain); `key` a PEM private key (encrypted or
not) and `chain` a PEM file whose first certificate is the signing certificate, followed by the
CAs above it. `passphrase_env` names the environment variable holding the file's passphrase, so
the secret never sits in the settings file. `tsa_url` (optional) is an RFC 3161 timestamp
authority: the PAdES signature then carries a signature timestamp (PAdES B-T).

With no entry, the DEMO CA (issuer/pki.py) signs, and only on the local demo network: on a real
network a centre without a signer is refused with one sentence, never signed by the DEMO CA.

The PDF's PAdES signature is RSA or ECDSA (P-256): pyHanko and `cryptography` do not sign CMS with
SM2 (docs/crypto.md). A centre on the national suite still has its certificate content SM2-signed:
the HPF1 text in the PDF (and its QR code) is the SM2-signed COSE_Sign1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from issuer.errors import ConfigurationError
from issuer.pki import ensure_centre_certificate
from issuer.settings import IssuerSettings

__all__ = ["CentreSigner", "describe", "load"]


class CentreSigner(tuple[x509.Certificate, Any, list[x509.Certificate]]):
    """(certificate, key, chain) as issuer.documents takes it, plus where it came from and the
    optional timestamp authority."""

    source: str
    tsa_url: str | None

    def __new__(cls, cert: x509.Certificate, key: Any, chain: list[x509.Certificate], *, source: str,
                tsa_url: str | None = None) -> CentreSigner:
        made = super().__new__(cls, (cert, key, chain))
        made.source = source
        made.tsa_url = tsa_url
        return made


@dataclass(frozen=True)
class _Entry:
    pkcs12: Path | None
    key: Path | None
    chain: Path | None
    passphrase_env: str | None
    tsa_url: str | None


def _fail(centre: int, why: str, why_zh: str) -> ConfigurationError:
    return ConfigurationError(f"The PDF signer of centre {centre} (HPF_PDF_SIGNERS) {why}.",
                              message_zh=f"中心 {centre} 的 PDF 签章配置（HPF_PDF_SIGNERS）{why_zh}。")


def _entry(centre: int, raw: dict[str, Any]) -> _Entry:
    unknown = set(raw) - {"pkcs12", "key", "chain", "passphrase_env", "tsa_url"}
    if unknown:
        raise _fail(centre, f"has unknown setting {min(unknown)!r}", "含未知设置")
    if bool(raw.get("pkcs12")) == bool(raw.get("key") or raw.get("chain")):
        raise _fail(centre, "needs either 'pkcs12' or both 'key' and 'chain'", "须给出 pkcs12，或同时给出 key 和 chain")
    if raw.get("key") and not raw.get("chain"):
        raise _fail(centre, "has a 'key' but no 'chain' (the signing certificate first)", "缺少证书链 chain")
    tsa = raw.get("tsa_url")
    if tsa is not None and not (isinstance(tsa, str) and tsa.startswith(("http://", "https://"))):
        raise _fail(centre, "has a 'tsa_url' that is not an http(s) URL", "的时间戳服务地址不是 http(s) 地址")
    return _Entry(
        pkcs12=Path(raw["pkcs12"]) if raw.get("pkcs12") else None,
        key=Path(raw["key"]) if raw.get("key") else None,
        chain=Path(raw["chain"]) if raw.get("chain") else None,
        passphrase_env=raw.get("passphrase_env"),
        tsa_url=tsa,
    )


def _passphrase(centre: int, entry: _Entry) -> bytes | None:
    if not entry.passphrase_env:
        return None
    value = os.environ.get(entry.passphrase_env)
    if not value:
        raise _fail(centre, f"names {entry.passphrase_env} for its passphrase, which is not set",
                    f"指定的口令环境变量 {entry.passphrase_env} 未设置")
    return value.encode("utf-8")


def _read(centre: int, path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(centre, f"file {path} cannot be read ({exc.strerror})", f"文件 {path} 无法读取") from None


def _check_key(centre: int, cert: x509.Certificate, key: Any) -> None:
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise _fail(centre, "holds a key pyHanko cannot sign PDFs with (use RSA or ECDSA; SM2 is not supported, "
                    "see docs/crypto.md)", "的私钥类型无法用于 PDF 签章（请用 RSA 或 ECDSA）")
    if key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != \
            cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo):
        raise _fail(centre, "has a key that does not belong to its signing certificate", "的私钥与签章证书不匹配")


def _load_configured(centre: int, entry: _Entry) -> CentreSigner:
    secret = _passphrase(centre, entry)
    try:
        if entry.pkcs12 is not None:
            key, cert, extra = pkcs12.load_key_and_certificates(_read(centre, entry.pkcs12), secret)
            if key is None or cert is None:
                raise _fail(centre, f"file {entry.pkcs12} lacks its key or certificate", "的 PKCS#12 文件缺少私钥或证书")
            chain = list(extra)
            source = f"pkcs12:{entry.pkcs12}"
        else:
            assert entry.key is not None and entry.chain is not None
            key = serialization.load_pem_private_key(_read(centre, entry.key), password=secret)
            certs = x509.load_pem_x509_certificates(_read(centre, entry.chain))
            cert, chain = certs[0], certs[1:]
            source = f"pem:{entry.key}"
    except ConfigurationError:
        raise
    except UnsupportedAlgorithm:
        raise _fail(centre, "holds a key pyHanko cannot sign PDFs with (SM2 is not supported, see docs/crypto.md; "
                    "use an RSA or ECDSA document-signing certificate)",
                    "的私钥无法用于 PDF 签章（不支持 SM2，请用 RSA 或 ECDSA）") from None
    except (ValueError, TypeError) as exc:
        raise _fail(centre, f"cannot be loaded: {exc}", "无法加载（文件或口令错误）") from None
    _check_key(centre, cert, key)
    return CentreSigner(cert, key, chain, source=source, tsa_url=entry.tsa_url)


def load(centre: int, name: str, settings: IssuerSettings) -> CentreSigner:
    """The centre's configured signer; else, on the local demo network, the DEMO CA's."""
    raw = settings.pdf_signers.get(centre)
    if raw is not None:
        return _load_configured(centre, _entry(centre, raw))
    if not settings.local:
        raise _fail(centre, "is not set: a centre on a real network signs PDFs with its own certificate, never "
                    "the DEMO CA", "未设置：正式网络上的中心须使用本中心的签章证书，不可使用演示 CA")

    cert, key, chain = ensure_centre_certificate(settings.home / "pki", centre, name,
                                                 passphrase=settings.signing_key_passphrase())
    return CentreSigner(cert, key, list(chain), source="demo-ca")


def _key_name(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return f"RSA-{key.key_size}"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"ECDSA-{key.curve.name}"
    return type(key).__name__


def describe(signer: CentreSigner) -> dict[str, Any]:
    """What `hpf issuer status` says of the PDF signer."""
    cert = signer[0]
    return {
        "source": signer.source,
        "demo": signer.source == "demo-ca",
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "serial": format(cert.serial_number, "x"),
        "not_after": cert.not_valid_after_utc.isoformat(),
        "key": _key_name(signer[1]),
        "tsa_url": signer.tsa_url,
    }
