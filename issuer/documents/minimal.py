"""The table rows of a minimal certificate's PDF: the disclosed fields, then the centre's signed
statements in plain Chinese (例如："连续缴存满 12 个月：是"). The full certificate's rows are in page.py."""

from __future__ import annotations

from issuer.documents.rows import Row
from verifier import format as fmt
from verifier.disclosure import FIELD_ZH, MinimalCertificate, value_zh
from verifier.labels import format_time

__all__ = ["minimal_rows"]


def minimal_rows(c: MinimalCertificate) -> list[Row]:
    """The rows of a minimal certificate, in the order the page draws them."""
    shown = list(c.disclosed)
    rows = [Row("section", title="职工信息（最小披露）")]
    rows.extend(Row("pair", tuple((FIELD_ZH[n], value_zh(n, v)) for n, v in shown[i:i + 2]))
                for i in range(0, len(shown), 2))
    if c.claims:
        rows.append(Row("section", title="中心签署的说明"))
        rows.extend(Row("wide", (("说明", claim.text_zh()),)) for claim in c.claims)
    withheld = [FIELD_ZH[n] for n in FIELD_ZH if n not in dict(shown)]
    if withheld:
        rows.append(Row("wide", (("未披露", "、".join(withheld)),)))
    audience = f"机构编号 {c.audience}（仅限该机构使用）" if c.audience is not None else "不限定使用机构"
    rows += [
        Row("section", title="证明信息"),
        Row("pair", (("证明用途", fmt.PURPOSES[c.purpose][1]), ("使用机构", audience))),
        Row("pair", (("出具时间", format_time(c.issued_at)), ("有效期至", format_time(c.valid_until)))),
    ]
    if c.supersedes is not None:
        rows.append(Row("wide", (("替代证明", f"本证明替代编号 {c.supersedes} 的证明，原证明作废"),)))
    return rows
