"""The SM2/SM3 suite without a chain: signatures, the COSE wire form, algorithm confusion, and
interoperability with an independent implementation, the OpenSSL 3 command line, both ways."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import cbor2
import gmssl_pyx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from verifier import format as fmt
from verifier import sm2

from .issuing import make_certificate

OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="the openssl command line is not installed")
DISTID = "distid:" + sm2.DEFAULT_ID.decode()


class _NoChain:
    """make_certificate reads the chain's time; these tests have no chain."""

    class eth:  # noqa: N801 - mimics web3's attribute
        @staticmethod
        def get_block(_: str) -> dict[str, int]:
            return {"timestamp": 1_790_000_000}


@pytest.fixture(scope="module")
def key() -> sm2.Sm2PrivateKey:
    return sm2.Sm2PrivateKey.generate()


def _signed(key: sm2.Sm2PrivateKey, **overrides: object) -> fmt.SignedCertificate:
    public = key.public_key_bytes()
    return fmt.sign(make_certificate(_NoChain(), **overrides), key, fmt.key_id_for(public), "SM2")  # type: ignore[arg-type]


def _der(raw: bytes) -> bytes:
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def test_sign_and_verify(key: sm2.Sm2PrivateKey) -> None:
    public = key.public_key_bytes()
    assert len(public) == 65 and public[0] == 4
    signature = key.sign(b"message")
    assert len(signature) == 64
    assert sm2.verify(public, b"message", signature)
    assert not sm2.verify(public, b"messagf", signature)
    assert key.sign(b"message") != signature  # randomised: a fresh k each time
    other = sm2.Sm2PrivateKey.generate()
    assert not sm2.verify(other.public_key_bytes(), b"message", signature)


def test_signatures_verify_with_the_librarys_own_z_value(key: sm2.Sm2PrivateKey) -> None:
    """The fast path computes Z once per key; the library's message-level verify computes it
    itself from the default ID: they must agree, for every signature."""
    for i in range(20):
        message = b"Sig_structure %d" % i
        assert gmssl_pyx.sm2_verify(key.public_key_bytes()[1:], message, _der(key.sign(message)),
                                    signer_id=sm2.DEFAULT_ID)
        # and the other way: the library's own message-level signature verifies here
        der = gmssl_pyx.sm2_sign(key.private_bytes(), key.public_key_bytes()[1:], message)
        r, s = decode_dss_signature(der)
        assert sm2.verify(key.public_key_bytes(), message, r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def test_a_key_pair_that_does_not_belong_together_is_refused(key: sm2.Sm2PrivateKey) -> None:
    other = sm2.Sm2PrivateKey.generate()
    with pytest.raises(ValueError, match="does not belong"):
        sm2.Sm2PrivateKey.from_bytes(key.private_bytes(), other.public_key_bytes())
    assert sm2.Sm2PrivateKey.from_bytes(key.private_bytes(), key.public_key_bytes()).public_key_bytes() == \
        key.public_key_bytes()
    assert key.private_bytes().hex() not in repr(key)


@pytest.mark.parametrize(
    "public",
    [
        b"",
        b"\x04" + b"\x01" * 64,  # not on the curve
        b"\x02" + b"\x01" * 32,  # compressed: not the registered form
        b"\x05" + b"\x01" * 64,
        b"\x04" + b"\x01" * 63,
    ],
)
def test_malformed_public_keys_are_refused(key: sm2.Sm2PrivateKey, public: bytes) -> None:
    with pytest.raises(ValueError):
        sm2.check_public_key(public)
    assert not sm2.verify(public, b"m", key.sign(b"m"))


def test_certificate_round_trip_with_private_use_algorithm(key: sm2.Sm2PrivateKey) -> None:
    signed = _signed(key)
    assert cbor2.loads(signed.protected) == {1: -65600, 4: fmt.key_id_for(key.public_key_bytes())}
    decoded = fmt.decode(fmt.encode(signed))
    assert decoded.algorithm == "SM2"
    assert fmt.verify_signature(decoded, key.public_key_bytes(), "SM2")


def test_tampered_sm2_certificate_fails(key: sm2.Sm2PrivateKey) -> None:
    signed = _signed(key)
    forged = fmt.sign(replace(signed.certificate, balance=1), key, signed.key_id, "SM2")
    assert not fmt.verify_signature(replace(signed, payload=forged.payload), key.public_key_bytes(), "SM2")


@pytest.mark.parametrize("length", [0, 1, 63, 65, 70, 72, 128])
def test_a_signature_of_the_wrong_length_decodes_and_does_not_verify(key: sm2.Sm2PrivateKey, length: int) -> None:
    signed = _signed(key)
    bad = replace(signed, signature=(signed.signature * 3)[:length])
    decoded = fmt.decode(fmt.encode(bad))  # BAD_SIGNATURE in the pipeline, not MALFORMED
    assert len(decoded.signature) == length
    assert not fmt.verify_signature(decoded, key.public_key_bytes(), "SM2")
    # DER (what GmSSL and OpenSSL speak) is not the wire form either
    der = replace(signed, signature=_der(signed.signature))
    assert not fmt.verify_signature(fmt.decode(fmt.encode(der)), key.public_key_bytes(), "SM2")


def test_algorithm_confusion_is_never_accepted(key: sm2.Sm2PrivateKey) -> None:
    """The verifier checks with the algorithm registered on chain, whatever the certificate claims."""
    ed = Ed25519PrivateKey.generate()
    ed_public = fmt.public_key_bytes(ed)
    sm2_signed = _signed(key)
    # SM2 claimed, key registered as Ed25519 (and the reverse)
    assert not fmt.verify_signature(sm2_signed, ed_public, "EdDSA")
    assert not fmt.verify_signature(sm2_signed, key.public_key_bytes(), "EdDSA")
    ed_signed = fmt.sign(sm2_signed.certificate, ed, fmt.key_id_for(ed_public), "EdDSA")
    assert not fmt.verify_signature(ed_signed, key.public_key_bytes(), "SM2")
    # the same bytes with the header switched to SM2 do not verify as SM2 either
    relabelled = replace(ed_signed, algorithm="SM2",
                         protected=cbor2.dumps({1: -65600, 4: ed_signed.key_id}, canonical=True))
    assert not fmt.verify_signature(fmt.decode(fmt.encode(relabelled)), key.public_key_bytes(), "SM2")
    with pytest.raises(TypeError):
        fmt.sign(sm2_signed.certificate, ed, b"\x01" * 8, "SM2")
    with pytest.raises(TypeError):
        fmt.sign(sm2_signed.certificate, key, b"\x01" * 8, "EdDSA")


def test_spki_round_trip(key: sm2.Sm2PrivateKey) -> None:
    der = sm2.public_key_der(key.public_key_bytes())
    assert sm2.public_key_from_der(der) == key.public_key_bytes()
    assert sm2.public_key_pem(key.public_key_bytes()).startswith("-----BEGIN PUBLIC KEY-----\n")


# ---------------------------------------------------------------------------------------------
# OpenSSL 3 (Debian's command line): an independent SM2 implementation
# ---------------------------------------------------------------------------------------------


def _openssl(*args: str, data: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], input=data, capture_output=True, timeout=60, check=False)


@needs_openssl
def test_openssl_verifies_hpf_trust_sm2_signatures(key: sm2.Sm2PrivateKey, tmp_path: Path) -> None:
    signed = _signed(key)
    to_sign = cbor2.dumps(["Signature1", signed.protected, b"", signed.payload])
    (tmp_path / "pub.pem").write_text(sm2.public_key_pem(key.public_key_bytes()))
    (tmp_path / "tbs").write_bytes(to_sign)
    (tmp_path / "sig").write_bytes(_der(signed.signature))
    common = ["pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin", "-digest", "sm3",
              "-pkeyopt", DISTID, "-sigfile", str(tmp_path / "sig"), "-in"]
    ok = _openssl(*common, str(tmp_path / "tbs"))
    assert ok.returncode == 0 and b"Signature Verified Successfully" in ok.stdout, ok.stderr
    (tmp_path / "tampered").write_bytes(to_sign[:-1] + bytes([to_sign[-1] ^ 1]))
    assert _openssl(*common, str(tmp_path / "tampered")).returncode != 0
    # OpenSSL's SM2 without the ID (or another ID) computes another Z: the ID matters
    other_id = [a if a != DISTID else "distid:ALICE123@YAHOO.COM" for a in common]
    assert _openssl(*other_id, str(tmp_path / "tbs")).returncode != 0


@needs_openssl
def test_hpf_trust_verifies_openssl_sm2_signatures(tmp_path: Path) -> None:
    """A key made by OpenSSL, a certificate's Sig_structure signed by OpenSSL: the COSE_Sign1 built
    from it verifies here (the signature converted from DER to raw r ‖ s, as the format says)."""
    made = _openssl("genpkey", "-algorithm", "SM2", "-out", str(tmp_path / "key.pem"))
    assert made.returncode == 0, made.stderr
    spki = _openssl("pkey", "-in", str(tmp_path / "key.pem"), "-pubout", "-outform", "DER")
    public = sm2.public_key_from_der(spki.stdout)
    kid = fmt.key_id_for(public)
    protected = cbor2.dumps({1: fmt.ALGORITHMS["SM2"], 4: kid}, canonical=True)
    template = fmt.sign(make_certificate(_NoChain()), Ed25519PrivateKey.generate(), kid)  # type: ignore[arg-type]
    to_sign = cbor2.dumps(["Signature1", protected, b"", template.payload])
    (tmp_path / "tbs").write_bytes(to_sign)
    sig = _openssl("pkeyutl", "-sign", "-inkey", str(tmp_path / "key.pem"), "-rawin", "-digest", "sm3",
                   "-pkeyopt", DISTID, "-in", str(tmp_path / "tbs"))
    assert sig.returncode == 0, sig.stderr
    r, s = decode_dss_signature(sig.stdout)
    cose = b"\xd2" + cbor2.dumps([protected, {}, template.payload, r.to_bytes(32, "big") + s.to_bytes(32, "big")])
    signed = fmt.from_cose(cose)
    assert signed.algorithm == "SM2"
    assert fmt.verify_signature(signed, public, "SM2")
    assert not fmt.verify_signature(signed, sm2.Sm2PrivateKey.generate().public_key_bytes(), "SM2")


@needs_openssl
@pytest.mark.parametrize("name,valid", [("valid-sm2", True), ("valid-sm2-supersedes", True),
                                        ("bad-signature-sm2-tampered-payload", False)])
def test_the_published_sm2_vectors_check_with_openssl(name: str, valid: bool, tmp_path: Path) -> None:
    """The steps docs/format.md gives an outside party: decode, rebuild Sig_structure, convert
    r ‖ s to DER, and let OpenSSL verify with the vector's public key."""
    import json

    vector = json.loads((Path(__file__).parents[2] / "docs" / "test-vectors" / f"{name}.json").read_text("utf-8"))
    signed = fmt.decode(vector["hpf1"])
    public = bytes.fromhex(vector["public_key"])
    (tmp_path / "pub.pem").write_text(sm2.public_key_pem(public))
    (tmp_path / "tbs").write_bytes(cbor2.dumps(["Signature1", signed.protected, b"", signed.payload]))
    (tmp_path / "sig").write_bytes(_der(signed.signature))
    r = _openssl("pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin", "-digest", "sm3",
                 "-pkeyopt", DISTID, "-sigfile", str(tmp_path / "sig"), "-in", str(tmp_path / "tbs"))
    assert (r.returncode == 0) is valid is vector["expected"]["signature"], r.stderr
