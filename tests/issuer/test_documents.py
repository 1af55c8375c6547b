"""The issuer's documents: the PDF (content, embedded font, embedded HPF1 text, scannable QR,
PAdES signature, determinism), the QR PNG, and the DEMO PKI behind the signature."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import time
from pathlib import Path

import pypdfium2
import pytest
import segno
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from issuer import documents, pki
from issuer.documents import canvas as page_canvas
from issuer.documents import png as qr_png
from verifier import format as fmt
from verifier import labels
from verifier.code import code_of_text
from verifier.errors import MalformedCertificate
from verifier.inputs import read_input, scan_input
from verifier.merkle import MerkleTree

CENTRE = "海口市住房公积金管理局"
CENTRE_CODE = 460100
ISSUED_AT = 1_779_000_000  # 2026-05-17 14:40:00 Beijing time
DAY = 86_400

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="poppler-utils is not installed (scripts/bootstrap-system.sh installs it)",
)


def make_certificate(index: int = 5, **overrides: object) -> fmt.Certificate:
    fields: dict[str, object] = {
        "number": f"{CENTRE_CODE}-2026-{index:08d}",
        "centre_code": CENTRE_CODE,
        "purpose": "housing-loan",
        "audience": 1_000_001,
        "issued_at": ISSUED_AT,
        "valid_until": ISSUED_AT + 90 * DAY,
        "name": "王小明",
        "id_masked": "460100********1234",
        "subject_ref": bytes(range(32)),
        "employer_name": "海南省某某科技有限公司",
        "employer_account": "460100001234",
        "account_masked": "4601****5678",
        "account_status": "normal",
        "account_opened": "2015-03-01",
        "deposit_base": 800_000,
        "employee_rate_bp": 1200,
        "employer_rate_bp": 1000,
        "monthly_amount": 176_000,
        "first_month": "2015-03",
        "last_month": "2026-04",
        "months_continuous": 134,
        "balance": 12_345_678,
        "loan_outstanding": False,
        "supersedes": f"{CENTRE_CODE}-2025-00000001",
    }
    fields.update(overrides)
    return fmt.Certificate(**fields)  # type: ignore[arg-type]


def issue_batch(certificates: list[fmt.Certificate]) -> list[str]:
    """Signs with a fresh Ed25519 key, builds the batch's Merkle tree, attaches the proofs."""
    key = Ed25519PrivateKey.generate()
    kid = fmt.key_id_for(fmt.public_key_bytes(key))
    signed = [fmt.sign(c, key, kid) for c in certificates]
    tree = MerkleTree.build([fmt.certificate_digest(s) for s in signed])
    return [fmt.encode(fmt.with_proof(s, tree.root, tree.proof(i))) for i, s in enumerate(signed)]


@pytest.fixture(scope="module")
def batch() -> list[str]:
    return issue_batch([make_certificate(i) for i in range(1, 61)])


@pytest.fixture(scope="module")
def hpf1(batch: list[str]) -> str:
    return batch[4]


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pki")


@pytest.fixture(scope="module")
def credentials(pki_dir: Path) -> pki.CentreCredentials:
    return pki.ensure_centre_certificate(pki_dir, CENTRE_CODE, CENTRE, passphrase="test passphrase")


@pytest.fixture(scope="module")
def unsigned_pdf(hpf1: str) -> bytes:
    return documents.render_pdf(hpf1, centre_name=CENTRE, signer=None)


@pytest.fixture(scope="module")
def signed_pdf(hpf1: str, credentials: pki.CentreCredentials) -> bytes:
    return documents.render_pdf(hpf1, centre_name=CENTRE, signer=credentials)


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    """The page's text in content-stream order (-raw: wrapped lines stay together)."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def render_page_png(pdf: bytes, dpi: int) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=dpi / 72).to_pil()
        page.close()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Values as shown
# ---------------------------------------------------------------------------------------------


def test_money_rates_and_times_are_formatted_exactly() -> None:
    assert documents.format_fen(800_000) == "8,000.00 元"
    assert documents.format_fen(5) == "0.05 元"
    assert documents.format_fen(0) == "0.00 元"
    assert documents.format_fen(123_456_789_01) == "123,456,789.01 元"
    assert documents.format_rate(1200) == "12%"
    assert documents.format_rate(550) == "5.5%"
    assert documents.format_rate(1234) == "12.34%"
    assert documents.format_rate(5) == "0.05%"
    assert documents.format_time(ISSUED_AT) == "2026年05月17日 14:40:00"
    assert documents.format_time is labels.format_time  # one definition, shared with the verifier
    assert labels.format_date("2015-03-01") == "2015年03月01日" and labels.format_month("2026-04") == "2026年04月"


# ---------------------------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------------------------


@needs_poppler
def test_pdf_shows_title_number_and_every_field(unsigned_pdf: bytes, hpf1: str, tmp_path: Path) -> None:
    assert unsigned_pdf.startswith(b"%PDF-1.7")
    c = fmt.decode(hpf1).certificate
    text = pdftotext(unsigned_pdf, tmp_path)
    flat = "".join(text.split())
    expected = [
        "住房公积金缴存证明",
        CENTRE,
        c.number,
        c.name,
        c.id_masked,
        c.employer_name,
        c.employer_account,
        c.account_masked,
        "账户状态正常",
        "2015年03月01日",
        "8,000.00元",  # deposit base
        "1,760.00元",  # monthly amount
        "个人缴存比例12%",
        "单位缴存比例10%",
        "2015年03月",
        "2026年04月",
        "134个月",
        "123,456.78元",  # balance
        "无未结清贷款",
        "住房公积金贷款",  # PURPOSES["housing-loan"]
        "机构编号1000001",
        "2026年05月17日14:40:00",  # issued at
        "2026年08月15日14:40:00",  # valid until
        f"本证明替代编号{c.supersedes}",
        "核验码" + code_of_text(hpf1),  # under the QR code and in 核验方式
        "特此证明。",
        "本证明真伪以联盟链核验结果为准",
    ]
    missing = [e for e in expected if e not in flat]
    assert not missing, f"not on the page: {missing}\n{text}"
    assert "hpfverify" not in flat and "吊销" not in flat and "作废" not in flat  # one word: 撤销


@needs_poppler
def test_pdf_shows_the_optional_fields_only_when_present(tmp_path: Path) -> None:
    [text_] = issue_batch(
        [
            make_certificate(
                audience=None,
                supersedes=None,
                account_status="sealed",
                loan_outstanding=True,
                purpose="rental",
            )
        ]
    )
    flat = "".join(pdftotext(documents.render_pdf(text_, centre_name=CENTRE), tmp_path).split())
    assert "不限定使用机构" in flat
    assert "替代" not in flat
    assert "账户状态封存" in flat
    assert "有未结清贷款" in flat
    assert "证明用途租房" in flat


@needs_poppler
def test_pdf_embeds_a_cjk_font(unsigned_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(unsigned_pdf)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    fonts = listing.splitlines()[2:]
    assert any("NotoSansCJKsc" in line for line in fonts), listing
    for line in fonts:
        name, *_rest = line.split()
        columns = line.split()
        assert "+" in name, f"not a subset: {line}"
        # name, type (2 words: CID Type 0C), encoding, emb, sub, uni, object id
        assert columns[-5:-2] == ["yes", "yes", "yes"], f"not embedded / subset / unicode-mapped: {line}"


def test_pdf_is_a4_with_one_page(unsigned_pdf: bytes) -> None:
    document = pypdfium2.PdfDocument(unsigned_pdf)
    try:
        assert len(document) == 1
        width, height = document[0].get_size()
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    finally:
        document.close()


def test_pdf_embeds_the_hpf1_text(unsigned_pdf: bytes, signed_pdf: bytes, hpf1: str) -> None:
    for pdf in (unsigned_pdf, signed_pdf):
        document = pypdfium2.PdfDocument(pdf)
        try:
            assert document.get_metadata_value(documents.METADATA_KEY) == hpf1
            assert document.count_attachments() == 1
            attachment = document.get_attachment(0)
            assert attachment.get_name() == documents.ATTACHMENT_NAME
            assert bytes(attachment.get_data()).decode() == hpf1 + "\n"
        finally:
            document.close()


def test_verifier_reads_the_embedded_copy_without_the_page(
    hpf1: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the QR left off the page, the verifier still finds the text (metadata, attachment)."""
    monkeypatch.setattr(page_canvas.Canvas, "qr", lambda *args, **kwargs: None)
    blank = documents.render_pdf(hpf1, centre_name=CENTRE)
    found = read_input(blank)
    assert [(f.text, f.source) for f in found] == [(hpf1, "pdf-embedded")]


def test_verifier_reads_the_pdf(signed_pdf: bytes, unsigned_pdf: bytes, hpf1: str) -> None:
    for pdf in (unsigned_pdf, signed_pdf):
        scan = scan_input(pdf)
        assert [f.text for f in scan.codes] == [hpf1]
        assert scan.codes[0].source == "pdf-page"  # the page's QR code is found first
        assert scan.undecodable == 0


@pytest.mark.parametrize("dpi", [150, 200])
def test_the_page_qr_alone_scans_from_a_rendered_page(unsigned_pdf: bytes, hpf1: str, dpi: int) -> None:
    png = render_page_png(unsigned_pdf, dpi)
    found = read_input(png)
    assert [(f.text, f.source) for f in found] == [(hpf1, "image")]


def test_qr_is_level_q_at_least_40_mm_and_whole_text(hpf1: str) -> None:
    symbol = documents.qr_matrix(hpf1)
    reference = segno.make_qr(hpf1, error="q", boost_error=False)
    assert reference.error == "Q"
    assert symbol.version == int(reference.version) <= 22  # docs/design.md §3 budget
    assert documents.QR_WIDTH_MM >= 40


def test_qr_matrix_is_segnos_own_choice_of_mask() -> None:
    """The fast mask selection picks exactly what segno's (slow) evaluation picks."""
    texts = issue_batch([make_certificate(i, name="测试" * (1 + i % 5)) for i in range(24)])
    texts += ["HPF1:", "HPF1:ABC", "HPF1:" + "Z9 " * 120]
    masks = set()
    for text in texts:
        symbol = documents.qr_matrix(text)
        reference = segno.make_qr(text, error="q", boost_error=False)
        assert symbol.mask == reference.mask
        assert symbol.rows == tuple("".join("1" if v else "0" for v in row) for row in reference.matrix)
        masks.add(symbol.mask)
    assert len(masks) >= 4  # several masks were exercised


def test_long_values_wrap_and_the_page_still_scans(tmp_path: Path) -> None:
    [text_] = issue_batch(
        [
            make_certificate(
                number="ABCDEFGHIJ-0123456789-ABCDEFGHIJ-0123456",
                name="欧阳" + "娜" * 62,
                employer_name="中国" + "某" * 56 + "有限责任公司",
                balance=2**53 - 1,
            )
        ]
    )
    centre = "新疆生产建设兵团第十三师住房公积金管理中心红星分中心"
    pdf = documents.render_pdf(text_, centre_name=centre)
    assert [f.text for f in read_input(render_page_png(pdf, 150))] == [text_]
    if shutil.which("pdftotext"):
        flat = "".join(pdftotext(pdf, tmp_path).split())
        assert "90,071,992,547,409.91元" in flat
        assert "有限责任公司" in flat and "娜娜娜" in flat and centre in flat


def test_render_refuses_what_is_not_a_certificate() -> None:
    with pytest.raises(MalformedCertificate):
        documents.render_pdf("HPF1:NOT-A-CERTIFICATE", centre_name=CENTRE)
    with pytest.raises(ValueError):
        documents.render_qr_png("hello", "1")


# ---------------------------------------------------------------------------------------------
# PAdES signature
# ---------------------------------------------------------------------------------------------


def test_pdf_signature_validates_against_the_demo_root(
    signed_pdf: bytes, credentials: pki.CentreCredentials
) -> None:
    from asn1crypto import x509 as asn1_x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    _cert, _key, chain = credentials
    root = asn1_x509.Certificate.load(chain[-1].public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[root], allow_fetching=False)
    reader = PdfFileReader(io.BytesIO(signed_pdf))
    [signature] = reader.embedded_signatures
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid, status.pretty_print_details()  # type: ignore[no-untyped-call]
    assert status.trusted, status.pretty_print_details()  # type: ignore[no-untyped-call]
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert CENTRE in status.signing_cert.subject.human_friendly
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert status.signer_reported_dt is not None
    assert int(status.signer_reported_dt.timestamp()) == ISSUED_AT  # signing time = issued-at


def test_pdf_signature_is_untrusted_without_the_demo_root(signed_pdf: bytes) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(signed_pdf))
    status = validate_pdf_signature(reader.embedded_signatures[0], ValidationContext(allow_fetching=False))
    assert status.intact and status.valid
    assert not status.trusted


def test_a_changed_byte_breaks_the_signature(signed_pdf: bytes, credentials: pki.CentreCredentials) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    at = signed_pdf.index(b"/Title")
    tampered = signed_pdf[:at] + b"/Titke" + signed_pdf[at + 6 :]
    reader = PdfFileReader(io.BytesIO(tampered))
    status = validate_pdf_signature(reader.embedded_signatures[0], ValidationContext(allow_fetching=False))
    assert not status.intact


# ---------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------


def test_rerendering_is_byte_identical(
    hpf1: str, unsigned_pdf: bytes, signed_pdf: bytes, pki_dir: Path
) -> None:
    documents.qr_matrix.cache_clear()
    assert documents.render_pdf(hpf1, centre_name=CENTRE) == unsigned_pdf
    # The key and certificate loaded afresh from their files sign the same bytes again.
    reloaded = pki.ensure_centre_certificate(pki_dir, CENTRE_CODE, CENTRE, passphrase="test passphrase")
    assert documents.render_pdf(hpf1, centre_name=CENTRE, signer=reloaded) == signed_pdf
    assert documents.render_pdf(f"  {hpf1}\n", centre_name=CENTRE) == unsigned_pdf


def test_nothing_in_the_pdf_comes_from_the_clock(unsigned_pdf: bytes, signed_pdf: bytes) -> None:
    assert b"D:20260517144000+08'00'" in unsigned_pdf  # creation date = issued-at
    this_year = time.strftime("D:%Y%m%d").encode()
    if not this_year.startswith(b"D:20260517"):
        assert this_year not in signed_pdf


# ---------------------------------------------------------------------------------------------
# The QR PNG
# ---------------------------------------------------------------------------------------------


def test_qr_png_scans_and_carries_the_number(hpf1: str) -> None:
    number = fmt.decode(hpf1).certificate.number
    png = documents.render_qr_png(hpf1, number)
    assert png == documents.render_qr_png(hpf1, number)  # deterministic
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.mode == "L"
    symbol = documents.qr_matrix(hpf1)
    side = (symbol.size + 8) * qr_png._PNG_SCALE
    assert image.width == side and image.height > side  # a caption strip under the code
    assert qr_png._PNG_SCALE >= 8  # a module is 0.85 mm or more at 300 dpi
    # Pixel-exact: the code area holds pure black and white only, module by module.
    code = image.crop((0, 0, side, side))
    assert set(code.getdata()) == {0, 255}
    scale = qr_png._PNG_SCALE
    for i, row in enumerate(symbol.rows[::7]):
        y = (4 + i * 7) * scale + scale // 2
        for j, module in enumerate(row):
            assert code.getpixel(((4 + j) * scale + scale // 2, y)) == (0 if module == "1" else 255)
    # The caption is drawn under the code, centred.
    caption = image.crop((0, side, side, image.height))
    box = Image.eval(caption, lambda v: 255 - v).getbbox()
    assert box is not None
    assert abs((box[0] + box[2]) / 2 - side / 2) < side * 0.05
    assert [f.text for f in read_input(png)] == [hpf1]


def test_qr_png_scans_when_printed_small(hpf1: str) -> None:
    """Scaled down to 40 mm at 150 dpi, as a scan of a small print would be."""
    png = documents.render_qr_png(hpf1, "x")
    image = Image.open(io.BytesIO(png))
    target = round(
        40 / 25.4 * 150 * image.width / ((documents.qr_matrix(hpf1).size + 8) * qr_png._PNG_SCALE)
    )
    small = image.resize((target, round(target * image.height / image.width)), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    small.save(out, format="PNG")
    assert [f.text for f in read_input(out.getvalue())] == [hpf1]


# ---------------------------------------------------------------------------------------------
# DEMO PKI
# ---------------------------------------------------------------------------------------------


def test_demo_ca_and_centre_certificate(tmp_path: Path) -> None:
    cert, key, chain = pki.ensure_centre_certificate(tmp_path, CENTRE_CODE, CENTRE, passphrase=b"s3cret")
    [root] = chain
    assert "DEMO" in root.subject.rfc4514_string()
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(root)
    assert CENTRE in cert.subject.rfc4514_string()
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert key.public_key().public_numbers() == cert.public_key().public_numbers()  # type: ignore[union-attr]
    # PEM files; keys encrypted and private to the owner.
    for name in ("demo-ca.key.pem", f"centre-{CENTRE_CODE}.key.pem"):
        path = tmp_path / name
        assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
        assert os.stat(path).st_mode & 0o077 == 0
    with pytest.raises(ValueError):
        pki.ensure_centre_certificate(tmp_path, CENTRE_CODE, CENTRE, passphrase=b"wrong")


def test_pki_is_idempotent_and_follows_a_rename(tmp_path: Path) -> None:
    ca1, _ = pki.ensure_demo_ca(tmp_path, passphrase="p")
    cert1, key1, _ = pki.ensure_centre_certificate(tmp_path, CENTRE_CODE, CENTRE, passphrase="p")
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    ca2, _ = pki.ensure_demo_ca(tmp_path, passphrase="p")
    cert2, _, _ = pki.ensure_centre_certificate(tmp_path, CENTRE_CODE, CENTRE, passphrase="p")
    assert ca1 == ca2 and cert1 == cert2
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == files
    # Another centre gets its own certificate from the same CA.
    other, _, [root] = pki.ensure_centre_certificate(
        tmp_path, 110000, "北京住房公积金管理中心", passphrase="p"
    )
    assert root == ca1 and other.serial_number != cert1.serial_number
    # A renamed centre gets a new certificate for the same key.
    renamed, key3, _ = pki.ensure_centre_certificate(
        tmp_path, CENTRE_CODE, "海口市住房公积金管理中心", passphrase="p"
    )
    assert "海口市住房公积金管理中心" in renamed.subject.rfc4514_string()
    assert key3.public_key().public_numbers() == key1.public_key().public_numbers()


def test_pki_passphrase_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(pki.PASSPHRASE_ENV, "from-env")
    pki.ensure_demo_ca(tmp_path)
    pem = (tmp_path / "demo-ca.key.pem").read_bytes()
    serialization.load_pem_private_key(pem, password=b"from-env")


def test_signing_works_inside_an_event_loop(
    hpf1: str, signed_pdf: bytes, credentials: pki.CentreCredentials
) -> None:
    """pyHanko is asynchronous inside; rendering from an async endpoint must not trip over it."""
    import asyncio

    async def render() -> bytes:
        return documents.render_pdf(hpf1, centre_name=CENTRE, signer=credentials)

    assert asyncio.run(render()) == signed_pdf


def test_qr_png_caption_fits_a_small_code() -> None:
    number = "ABCDEFGHIJ-0123456789-ABCDEFGHIJ-0123456"  # the longest number the format allows
    image = Image.open(io.BytesIO(documents.render_qr_png("HPF1:ABC", number)))
    side = (documents.qr_matrix("HPF1:ABC").size + 8) * qr_png._PNG_SCALE
    caption = image.crop((0, side, image.width, image.height))
    box = Image.eval(caption, lambda v: 255 - v).getbbox()
    assert box is not None and box[0] > 0 and box[2] < image.width and box[3] < caption.height
    assert [f.text for f in read_input(image_png(image))] == ["HPF1:ABC"]


def image_png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
