"""The centre's PAdES signature on a certificate's PDF (pyHanko): B-B, or B-T when the signer names
an RFC 3161 timestamp authority. Deterministic: signed at the certificate's issued-at, the PDF /ID
derived from the unsigned file's, RSA PKCS#1 v1.5 or deterministic ECDSA (RFC 6979)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import io
import threading
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, Final, TypeAlias

from cryptography.hazmat.primitives import serialization

from verifier import format as fmt
from verifier.disclosure import MinimalCertificate
from verifier.labels import BEIJING

__all__ = ["Signer", "pyhanko_classes", "sign_pdf"]

Signer: TypeAlias = tuple[Any, Any, Sequence[Any]]
"""(X.509 certificate, private key, CA chain) as `cryptography` objects, from issuer/pki.py."""


_SIGNATURE_FIELD: Final = "CentreSignature"
_SIGNATURE_BYTES: Final = 16384  # hex characters reserved for the CMS container
_signers: dict[bytes, tuple[Any, Any]] = {}
_signers_lock = threading.Lock()


def _pyhanko_signer(signer: Signer) -> Any:
    """A pyHanko signer for (certificate, key, chain), cached per certificate and key object."""
    cert, key, chain = signer
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    cache_key = hashlib.sha256(
        cert_der + b"".join(c.public_bytes(serialization.Encoding.DER) for c in chain)
    ).digest()
    with _signers_lock:
        cached = _signers.get(cache_key)
        if cached is not None and cached[0] is key:
            return cached[1]
    from asn1crypto import keys as asn1_keys  # noqa: PLC0415 — pyHanko (~0.4 s to import) loads on the first PDF signed
    from asn1crypto import x509 as asn1_x509  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: PLC0415
    from pyhanko.sign import signers  # noqa: PLC0415
    from pyhanko_certvalidator.registry import SimpleCertificateStore  # noqa: PLC0415

    class _DeterministicSigner(signers.SimpleSigner):
        """Signs with the in-memory key: RSA PKCS#1 v1.5 or deterministic ECDSA (RFC 6979)."""

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from pyhanko_certvalidator.util import get_pyca_cryptography_hash  # noqa: PLC0415 — pyHanko (~0.4 s to import) loads on the first PDF signed

            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if isinstance(key, rsa.RSAPrivateKey):
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
                if mechanism.signature_algo == "rsassa_pkcs1v15":
                    return key.sign(data, padding.PKCS1v15(), hash_algo)
            if isinstance(key, ec.EllipticCurvePrivateKey):
                return key.sign(data, ec.ECDSA(hash_algo, deterministic_signing=True))
            return super().sign_raw(data, digest_algorithm)

    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    pyhanko_signer = _DeterministicSigner(
        signing_cert=asn1_x509.Certificate.load(cert_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(  # type: ignore[no-untyped-call]  # pyHanko leaves it (and __init__) unannotated
            [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in chain]
        ),
    )
    with _signers_lock:
        if len(_signers) > 32:
            _signers.clear()
        _signers[cache_key] = (key, pyhanko_signer)
    return pyhanko_signer


def _run(coro: Any) -> Any:
    """Runs a pyHanko coroutine to completion, also when called from inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@lru_cache(maxsize=1)
def pyhanko_classes() -> tuple[type, type]:
    """pyHanko's writer and signer without clock or randomness (imported on first use: slow)."""
    from pyhanko.pdf_utils import generic  # noqa: PLC0415 — pyHanko (~0.4 s to import) loads on the first PDF signed
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: PLC0415
    from pyhanko.pdf_utils.metadata.info import update_info_dict  # noqa: PLC0415
    from pyhanko.sign import signers  # noqa: PLC0415

    # Two private hooks of pyHanko are overridden here, on purpose: pyHanko (checked up to 0.38) has
    # no public way to make an incremental update deterministic. IncrementalPdfFileWriter.__init__
    # takes the second half of the new /ID from os.urandom(16) in the classmethod `_handle_id`, and
    # write() calls `_update_meta`, which sets the metadata's last_modified to "now" (the clock, in
    # the machine's time zone) and writes it as /ModDate. Neither the writer's constructor,
    # DocumentMetadata nor PdfSignatureMetadata accepts a value for either, and the trailer and the
    # Info dictionary are inside the signed byte range, so they cannot be fixed afterwards. Without
    # the overrides the same certificate would give different bytes on every download.
    # tests/issuer/test_pdf_signer.py::test_pyhanko_hooks_we_override_still_exist_and_run fails if
    # pyHanko renames these hooks, changes their signatures or stops calling them.
    class Writer(IncrementalPdfFileWriter):
        """The second /ID half derives from the first (pyHanko draws it at random), and /ModDate
        is the signing time (pyHanko writes the clock's)."""

        signing_time: datetime

        @classmethod
        def _handle_id(cls, prev: Any) -> Any:
            first = prev.trailer["/ID"][0]
            second = hashlib.sha256(b"hpf-trust signed\x00" + bytes(first.original_bytes)).digest()[:16]
            return generic.ArrayObject([first, generic.ByteStringObject(second)])

        def _update_meta(self) -> None:
            self._meta.last_modified = self.signing_time
            info: Any = self._info
            if info is not None and update_info_dict(self._meta, info.get_object()):
                self.mark_update(info)

    class Signer(signers.PdfSigner):
        """Signs at a given time (the signature dictionary's /M) instead of the clock's."""

        signing_time: datetime

        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            session.system_time = self.signing_time
            return session

    return Writer, Signer


def sign_pdf(
    pdf: bytes, signer: Signer, certificate: fmt.Certificate | MinimalCertificate, centre_name: str
) -> bytes:
    """PAdES B-B (ETSI.CAdES.detached), invisible signature field, signed at the certificate's
    issued-at; B-T (a signature timestamp) when the signer names an RFC 3161 authority."""
    from pyhanko.sign import fields, signers  # noqa: PLC0415 — pyHanko (~0.4 s to import) loads on the first PDF signed

    writer_cls, signer_cls = pyhanko_classes()
    when = datetime.fromtimestamp(certificate.issued_at, BEIJING)
    meta = signers.PdfSignatureMetadata(
        field_name=_SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"住房公积金缴存证明 {certificate.number}",
        location=centre_name,
        name=centre_name,
    )
    writer = writer_cls(io.BytesIO(pdf))
    writer.signing_time = when
    tsa_url = getattr(signer, "tsa_url", None)  # issuer.pdf_signer.CentreSigner: RFC 3161, PAdES B-T
    timestamper = None
    if tsa_url:
        from pyhanko.sign.timestamps import HTTPTimeStamper  # noqa: PLC0415 — pyHanko (~0.4 s to import) loads on the first PDF signed

        timestamper = HTTPTimeStamper(tsa_url)
    pdf_signer = signer_cls(meta, signer=_pyhanko_signer(signer), timestamper=timestamper)
    pdf_signer.signing_time = when
    out = io.BytesIO()
    _run(pdf_signer.async_sign_pdf(writer, output=out, bytes_reserved=_SIGNATURE_BYTES))
    return out.getvalue()
