"""The certificate's A4 page in Chinese: title, issuing centre, number, the field table, the QR code
with the number and the 核验码 under it, how to verify, the issuer with its red round seal, the footer."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Final

from issuer import document_text as words
from issuer.documents.canvas import (
    GREY,
    LABEL_FILL,
    LINE,
    MM,
    PAGE_W,
    RED,
    SECTION_FILL,
    Canvas,
    wrap,
    x_pt,
    y_pt,
)
from issuer.documents.minimal import minimal_rows
from issuer.documents.qr import QrSymbol
from issuer.documents.rows import Row
from verifier import format as fmt
from verifier.disclosure import MinimalCertificate
from verifier.labels import (
    ACCOUNT_STATUS_ZH,
    BEIJING,
    format_date,
    format_fen,
    format_month,
    format_rate,
    format_time,
)

__all__ = ["QR_WIDTH_MM", "Row", "draw_page"]

QR_WIDTH_MM: Final = 46.0
"""Printed width of the QR symbol (without its quiet zone); docs/design.md §3 asks for at least 40 mm."""
_MARGIN: Final = 18.0  # mm


_CJK_MIDDLE: Final = 0.38  # the ideographic em box's centre above the baseline, in em


def _rows(c: fmt.Certificate | MinimalCertificate, extras: words.Extras) -> list[Row]:
    if not isinstance(c, fmt.Certificate):  # a minimal certificate (verifier/disclosure.py)
        return minimal_rows(c)
    audience = words.audience_text(c.audience, extras.audience_name)
    rows = [
        Row("section", title="职工及账户信息"),
        Row("pair", (("姓名", c.name), ("证件号码", c.id_masked))),
        Row("wide", (("单位名称", c.employer_name),)),
        Row("pair", (("单位账号", c.employer_account), ("个人账号", c.account_masked))),
        Row(
            "pair",
            (("账户状态", ACCOUNT_STATUS_ZH[c.account_status]), ("开户日期", format_date(c.account_opened))),
        ),
        Row("section", title="缴存信息"),
        Row("pair", (("缴存基数", format_fen(c.deposit_base)), ("月缴存额", format_fen(c.monthly_amount)))),
        Row(
            "pair",
            (
                ("个人缴存比例", format_rate(c.employee_rate_bp)),
                ("单位缴存比例", format_rate(c.employer_rate_bp)),
            ),
        ),
        Row(
            "pair",
            (("首次缴存年月", format_month(c.first_month)), ("最近缴存年月", format_month(c.last_month))),
        ),
        Row("pair", (("连续缴存月数", f"{c.months_continuous} 个月"), ("账户余额", format_fen(c.balance)))),
        Row(
            "pair",
            (
                ("公积金贷款", "有未结清贷款" if c.loan_outstanding else "无未结清贷款"),
                ("证明用途", fmt.PURPOSES[c.purpose][1]),
            ),
        ),
        Row("section", title="证明信息"),
        Row("wide", (("使用机构", audience),)),
        Row("pair", (("出具时间", format_time(c.issued_at)), ("有效期至", format_time(c.valid_until)))),
    ]
    if c.supersedes is not None:
        rows.append(Row("wide", (("替代证明", words.supersedes_text(c.supersedes)),)))
    return rows


def _draw_table(canvas: Canvas, rows: list[Row], top_mm: float) -> float:
    """Draws the field table from `top_mm`; returns its bottom (mm from the top)."""
    size = 10.0
    label_w, value_w = 29.0, 58.0  # mm; two label/value pairs make 174 mm
    pad = 2.2
    line_h = 4.8  # mm per wrapped line
    y = top_mm
    left = _MARGIN
    for row in rows:
        if row.kind == "section":
            h = 7.0
            canvas.rect(
                x_pt(left),
                y_pt(y + h),
                x_pt(2 * (label_w + value_w)),
                h * MM,
                fill=SECTION_FILL,
                stroke=LINE,
                width=0.5,
            )
            base = y_pt(y + h / 2) - _CJK_MIDDLE * size
            canvas.text(x_pt(left + pad), base, row.title, size=size, bold=True)
            y += h
            continue
        if row.kind == "pair":
            spans = [(label_w, value_w), (label_w, value_w)]
        else:
            spans = [(label_w, label_w + 2 * value_w)]
        wrapped = []
        for (label, value), (_, vw) in zip(row.cells, spans, strict=True):
            value_size = size
            max_w = x_pt(vw - 2 * pad)
            while canvas.width(value, value_size) > max_w and value_size > 8.5:
                value_size -= 0.5
            lines = wrap(canvas, value, value_size, max_w)
            wrapped.append((label, lines, value_size))
        h = max(8.0, max(len(lines) for _, lines, _ in wrapped) * line_h + 3.2)
        x = left
        for (label, lines, value_size), (lw, vw) in zip(wrapped, spans, strict=True):
            canvas.rect(x_pt(x), y_pt(y + h), x_pt(lw), h * MM, fill=LABEL_FILL, stroke=LINE, width=0.5)
            canvas.rect(x_pt(x + lw), y_pt(y + h), x_pt(vw), h * MM, stroke=LINE, width=0.5)
            canvas.text(x_pt(x + pad), y_pt(y + h / 2) - _CJK_MIDDLE * size, label, size=size, color=GREY)
            first = y + h / 2 - (len(lines) - 1) * line_h / 2
            for k, line in enumerate(lines):
                base = y_pt(first + k * line_h) - _CJK_MIDDLE * value_size
                canvas.text(x_pt(x + lw + pad), base, line, size=value_size)
            x += lw + vw
        y += h
    return y


def _draw_seal(canvas: Canvas, cx_mm: float, cy_mm: float, centre_name: str) -> None:
    """A red round seal: a ring, the centre's name along the upper arc, a star."""
    red = RED
    cx, cy = x_pt(cx_mm), y_pt(cy_mm)
    radius = 21.0 * MM
    ring = 1.1 * MM
    canvas.raw("q /Seal gs")
    canvas.circle(cx, cy, radius - ring / 2, color=red, width=ring)
    canvas.circle(cx, cy, radius - ring - 0.9 * MM, color=red, width=0.25 * MM)
    canvas.star(cx, cy + 0.5 * MM, 5.8 * MM, color=red)
    # The name along the arc, upright, clockwise from lower left to lower right.
    name = centre_name
    n = len(name)
    span = math.radians(min(240.0, 34.0 + 18.0 * n))
    text_r = radius - ring - 2.0 * MM
    font_size = min(4.9 * MM, (text_r * span / max(n, 1)) * 0.9)
    base_r = text_r - font_size * 0.9  # the glyphs' tops touch text_r
    step = span / max(n - 1, 1) if n > 1 else 0.0
    start = math.pi / 2 + span / 2 if n > 1 else math.pi / 2
    use = canvas.bold
    for k, char in enumerate(name):
        theta = start - k * step
        up = (math.cos(theta), math.sin(theta))
        along = (math.sin(theta), -math.cos(theta))
        w = canvas.width(char, font_size, use)
        ox = cx + base_r * up[0] - along[0] * w / 2
        oy = cy + base_r * up[1] - along[1] * w / 2
        canvas.text(
            ox, oy, char, size=font_size, use=use, color=red, matrix=(along[0], along[1], up[0], up[1])
        )
    canvas.raw("Q")


def draw_page(
    canvas: Canvas,
    c: fmt.Certificate | MinimalCertificate,
    centre_name: str,
    symbol: QrSymbol,
    extras: words.Extras,
) -> None:
    right = 210.0 - _MARGIN
    width = x_pt(right - _MARGIN)
    # Title and header.
    canvas.text_centred(PAGE_W / 2, y_pt(27.0), "住房公积金缴存证明", size=24, use=canvas.bold, spacing=4.0)
    canvas.line(x_pt(_MARGIN), y_pt(33.0), x_pt(right), y_pt(33.0), color=RED, width=1.2)
    y = 40.5
    header = [f"出具单位：{centre_name}（行政区划代码 {c.centre_code}）", f"证明编号：{c.number}"]
    for line in (line for text in header for line in wrap(canvas, text, 10.5, width)):
        canvas.text(x_pt(_MARGIN), y_pt(y), line, size=10.5)
        y += 6.0
    y += 2.0
    canvas.text(x_pt(_MARGIN), y_pt(y), "兹证明下列职工在本中心缴存住房公积金，缴存情况如下：", size=10.5)
    bottom = _draw_table(canvas, _rows(c, extras), y + 3.5)
    canvas.text(
        x_pt(_MARGIN),
        y_pt(bottom + 5.0),
        "注：金额单位为人民币元；比例为占缴存基数的百分比；时间为北京时间。",
        size=8.5,
        color=GREY,
    )
    canvas.text(x_pt(_MARGIN + 7.4), y_pt(bottom + 11.5), "特此证明。", size=10.5)
    # A band under the table: the QR code (with its quiet zone and the number under it), how to
    # verify, and the issuer with the seal.
    band = bottom + 17.0
    quiet = QR_WIDTH_MM / symbol.size * 4
    canvas.rect(
        x_pt(_MARGIN - quiet),
        y_pt(band + QR_WIDTH_MM + quiet),
        x_pt(QR_WIDTH_MM + 2 * quiet),
        (QR_WIDTH_MM + 2 * quiet) * MM,
        fill=(1, 1, 1),
    )
    canvas.qr(symbol, x_pt(_MARGIN), y_pt(band), x_pt(QR_WIDTH_MM))
    canvas.text_centred(x_pt(_MARGIN + QR_WIDTH_MM / 2), y_pt(band + QR_WIDTH_MM + 5.5), c.number, size=8)
    if extras.code:
        canvas.text_centred(
            x_pt(_MARGIN + QR_WIDTH_MM / 2),
            y_pt(band + QR_WIDTH_MM + 9.5),
            f"核验码 {extras.code}",
            size=8,
            bold=True,
        )
    seal_cx = right - 22.0
    notes_x = _MARGIN + QR_WIDTH_MM + 7.0
    notes_w = x_pt(seal_cx - 24.0 - notes_x)
    canvas.text(x_pt(notes_x), y_pt(band + 3.5), "核验方式", size=10.5, bold=True)
    notes = words.verify_notes(extras, c.number)
    y = band + 10.0
    for note in notes:
        for line in wrap(canvas, note, 9.0, notes_w):
            canvas.text(x_pt(notes_x), y_pt(y), line, size=9.0)
            y += 4.6
        y += 1.2
    # Issuer and date, the seal over them.
    issued = datetime.fromtimestamp(c.issued_at, BEIJING)
    seal_cy = band + 21.0
    issuer_lines = wrap(canvas, centre_name, 11, x_pt(50.0))
    issuer_lines.append(f"{issued.year}年{issued.month:02d}月{issued.day:02d}日")
    line_y = seal_cy + 8.5  # under the star, over the lower half of the seal
    for line in issuer_lines:
        w_mm = canvas.width(line, 11) / MM
        cx = min(seal_cx, right - w_mm / 2)
        canvas.text_centred(x_pt(cx), y_pt(line_y), line, size=11)
        line_y += 6.5
    _draw_seal(canvas, seal_cx, seal_cy, centre_name)
    # Footer.
    footer_y = max(281.0, band + QR_WIDTH_MM + 16.0)
    canvas.line(x_pt(_MARGIN), y_pt(footer_y), x_pt(right), y_pt(footer_y), width=0.4)
    canvas.text(
        x_pt(_MARGIN),
        y_pt(footer_y + 5.0),
        words.footer_text(format_time(c.valid_until)),
        size=8,
        color=GREY,
    )
